"""30-digit DKS/TAT parameters for composed networks (`mfsim shape --network`), solved with mpmath.

Run:  python3 Tests/Generators/shaping/network_reference.py
(mpmath from PyPI). Writes network_output.json beside this script and the Swift literals
Tests/MeanFieldTests/Shaping/NetworkShapingReferences.swift.

The local maps and the local Newton solve are those of mpmath_reference.py (imported). The
architecture functions are computed here independently of mfsim's code, with second-order jets
(value, d/dc, d^2/dc^2 at c = 1) pushed through the network's unit-variance correlation maps
(SPEC §5 kernel rules divided by the variances):
    dense(W, B) at variance q:      c -> r c + (1 - r),  r = W q / (W q + B)
    activation (variance 1):        c -> C(c)            (variance 1 after it)
    layernorm:                      c -> c               (variance 1 after it)
    residual(skip=a,branch=b)[F]:   c -> w c + (1 - w) F(c),  w = a^2 q / (a^2 q + b^2 q_F)
maximized over the subnetworks (the network cut after each top-level item, and recursively each
residual branch alone, cut after each of its items):
    DKS:  xi = min over subnetworks S of the root of C_S'(1)(xi) = zeta   (local C'(1) = xi)
    TAT:  tau_loc = tau / max_S C_S''(1)                                  (local C'(1) = 1, C''(1) = 1)
    TAT leaky_relu:  s = max over S of the root of C_S(0; s) = eta        (closed-form leaky relu C map)
Starting points are mfsim's answers rounded to 3 digits (they only select the root; Newton then
solves the conditions to 1e-35 on its own).
"""
import json
import os

import mpmath as mp

from mpmath_reference import ZETA, QSLOPE, TAU, maps, newton, leaky_cmap

mp.mp.dps = 45
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
ETA = mp.mpf("0.5")

# The networks, as text (mfsim's --network; ACT is replaced by the activation) and as structure:
# ("dense", W, B), ("act",), ("layernorm",), ("residual", a, b, [items]), ("group", [items]).
def act():
    return ("act",)


def dense(w=1, b=0):
    return ("dense", mp.mpf(w), mp.mpf(b))


RESNET_TEXT = "dense residual(skip=0.6,branch=0.8)[ACT dense ACT dense]*4"
RESNET = [dense()] + [("residual", mp.mpf("0.6"), mp.mpf("0.8"), [act(), dense(), act(), dense()])] * 4
MIXED_TEXT = ("dense(sigma_w2=2) layernorm [ACT dense(sigma_w2=0.9,sigma_b2=0.1)]*2 "
              "[residual[ACT dense ACT dense] layernorm]*3")
MIXED = ([dense(2), ("layernorm",)] + [("group", [act(), dense("0.9", "0.1")])] * 2
         + [("group", [("residual", mp.mpf(1), mp.mpf(1), [act(), dense(), act(), dense()]), ("layernorm",)])] * 3)

NETWORKS = {"resnet": (RESNET_TEXT, RESNET), "mixed": (MIXED_TEXT, MIXED)}

# (network, activation, method, start) -- start: mfsim's answer rounded (a, b[, d]) or s.
CASES = [
    ("resnet", "tanh", "dks", (0.423, 0.741)),
    ("resnet", "elu", "dks", (0.584, -0.459)),
    ("resnet", "relu", "dks", (0.803,)),
    ("resnet", "gelu", "tat", (0.266, 0.322, -0.192)),
    ("resnet", "softplus", "tat", (0.731, 0.582, -1.004)),
    ("resnet", "leaky_relu", "tat", (0.264,)),
    ("mixed", "tanh", "dks", (0.546, 0.841)),
    ("mixed", "elu", "dks", (0.864, -0.543)),
    ("mixed", "relu", "dks", (1.033,)),
    ("mixed", "gelu", "tat", (0.327, 0.320, -0.186)),
    ("mixed", "softplus", "tat", (0.927, 0.602, -1.007)),
    ("mixed", "leaky_relu", "tat", (0.360,)),
]


# Jets: (v, d1, d2) = a function of the input correlation and its first two derivatives.
def apply(items, jet, q, local):
    for item in items:
        jet, q = jet_item(item, jet, q, local, None)
    return jet, q


def jet_item(item, jet, q, local, _):
    v, d1, d2 = jet
    kind = item[0]
    if kind == "dense":
        w, b = item[1], item[2]
        out = w * q + b
        r = w * q / out
        return (r * v + (1 - r), r * d1, r * d2), out
    if kind == "act":
        assert abs(q - 1) < mp.mpf("1e-30"), q
        return local(jet), mp.mpf(1)
    if kind == "layernorm":
        return jet, mp.mpf(1)
    if kind == "group":
        return apply(item[1], jet, q, local)
    if kind == "residual":
        a, b, branch = item[1], item[2], item[3]
        fj, qf = apply(branch, jet, q, local)
        total = a * a * q + b * b * qf
        w = a * a * q / total
        return tuple(w * x + (1 - w) * y for x, y in zip(jet, fj)), total
    raise ValueError(kind)


def subnetworks(items):
    """Every subnetwork as a list of items: the prefixes, and recursively each residual branch's."""
    result = []
    for i in range(len(items)):
        result.append(items[: i + 1])
    for item in items:
        if item[0] == "residual":
            result += subnetworks(item[3])
        if item[0] == "group":
            for inner in item[1]:
                if inner[0] == "residual":
                    result += subnetworks(inner[3])
    return result


def slope_local(xi):
    return lambda j: (mp.mpf(1), xi * j[1], xi * j[2])   # C(1) = 1, C'(1) = xi, C''(1) = 0 (slope only)


def curvature_local(j):
    v, d1, d2 = j
    return (mp.mpf(1), d1, d1 * d1 + d2)                 # C'(1) = 1, C''(1) = 1


def local_slope_target(structure):
    roots = []
    for sub in subnetworks(structure):
        f = lambda xi: apply(sub, (mp.mpf(1), mp.mpf(1), mp.mpf(0)), mp.mpf(1), slope_local(xi))[0][1] - ZETA
        if f(mp.mpf(10)) < 0:
            continue   # this part never reaches zeta (no activation on it)
        roots.append(mp.findroot(f, (mp.mpf(1), mp.mpf(10)), solver="anderson", tol=mp.mpf("1e-40")))
    return min(roots)


def local_curvature_target(structure):
    m = max(apply(sub, (mp.mpf(1), mp.mpf(1), mp.mpf(0)), mp.mpf(1), curvature_local)[0][2] for sub in subnetworks(structure))
    return TAU / m


def c_zero(sub, s):
    local = lambda j: (leaky_cmap(j[0], s), 0, 0)
    return apply(sub, (mp.mpf(0), 0, 0), mp.mpf(1), local)[0][0]


def leaky_slope(structure):
    roots = []
    for sub in subnetworks(structure):
        if c_zero(sub, mp.mpf(0)) < ETA:
            continue
        roots.append(mp.findroot(lambda s: c_zero(sub, s) - ETA, (mp.mpf(0), mp.mpf("0.999")), solver="anderson", tol=mp.mpf("1e-40")))
    return max(roots)


def solve(network, name, method, start):
    text, structure = NETWORKS[network]
    out = {"network": text.replace("ACT", name), "activation": name, "method": method}
    if method == "dks":
        xi = local_slope_target(structure)
        out["local_c_slope"] = xi
        if name == "relu":
            b = mp.mpf(1) if xi < mp.pi / (mp.pi - 1) else mp.mpf(-1)
            (a,) = newton(lambda p: [maps(name, p[0], b)[2] - xi], [start[0]])
        else:
            a, b = newton(lambda p: (lambda m: [m[0] - QSLOPE, m[2] - xi])(maps(name, p[0], p[1])), list(start))
        qs, c0, cs, _, d, g = maps(name, a, b)
        out.update(input_scale=a, input_shift=b, output_shift=d, output_scale=g)
    elif name == "leaky_relu":
        s = leaky_slope(structure)
        out.update(negative_slope=s, input_scale=mp.mpf(1), input_shift=mp.mpf(0), output_shift=mp.mpf(0),
                   output_scale=mp.sqrt(2 / (1 + s * s)), eta=ETA)
    else:
        tau = local_curvature_target(structure)
        out["local_c_curvature"] = tau
        a, b, d = newton(lambda p: (lambda m: [m[0] - 1, m[2] - 1, m[3] - tau])(maps(name, p[0], p[1], d=p[2], curvature=True)),
                         list(start))
        qs, c0, cs, cc, _, g = maps(name, a, b, d=d, curvature=True)
        out.update(input_scale=a, input_shift=b, output_shift=d, output_scale=g)
    return out


def main():
    results = []
    for case in CASES:
        row = {k: (mp.nstr(v, 32) if isinstance(v, mp.mpf) else v) for k, v in solve(*case).items()}
        print(json.dumps(row), flush=True)
        results.append(row)
    with open(os.path.join(HERE, "network_output.json"), "w") as handle:
        json.dump(results, handle, indent=1)
        handle.write("\n")
    lines = ["// Generated by Tests/Generators/shaping/network_reference.py (mpmath, 45-digit arithmetic, 32 digits",
             "// printed). Do not edit.", "",
             "/// One exactly solved DKS/TAT case of a composed network (zeta 1.5, q_slope 1, tau 0.3, eta 0.5).",
             "struct NetworkShapingReference: Sendable {",
             "    let network: String, activation: String, method: String",
             "    let inputScale: Double, inputShift: Double, outputShift: Double, outputScale: Double, negativeSlope: Double?",
             "    /// The local targets the architecture functions give (DKS: C'(1); TAT smooth: C''(1)).",
             "    let localSlope: Double?, localCurvature: Double?",
             "}", "", "let networkShapingReferences: [NetworkShapingReference] = ["]
    for r in results:
        def num(key):
            return r[key] if key in r else "nil"
        lines.append(f'    NetworkShapingReference(network: "{r["network"]}", activation: "{r["activation"]}", method: "{r["method"]}",')
        lines.append(f'                            inputScale: {num("input_scale")}, inputShift: {num("input_shift")},')
        lines.append(f'                            outputShift: {num("output_shift")}, outputScale: {num("output_scale")},')
        lines.append(f'                            negativeSlope: {num("negative_slope")}, localSlope: {num("local_c_slope")}, '
                     f'localCurvature: {num("local_c_curvature")}),')
    lines.append("]")
    with open(os.path.join(ROOT, "Tests", "MeanFieldTests", "Shaping", "NetworkShapingReferences.swift"), "w") as handle:
        handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

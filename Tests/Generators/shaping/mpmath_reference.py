"""30-digit DKS/TAT parameters for mfsim's tests, solved with mpmath (independent of mfsim's code).

Run:  python3 Tests/Generators/shaping/mpmath_reference.py
(mpmath from PyPI). Writes mpmath_output.json beside this script and the Swift literals
Tests/MeanFieldTests/Shaping/ShapingReferences.swift.

Definitions (SPEC §6, the deepmind dks package): phi_hat(x) = g*(phi(a*x + b) + d), x ~ N(0,1),
Q(1) = E[phi_hat^2] = 1 (g), Q'(1) = E[phi_hat phi_hat' x], C(0) = E[phi_hat]^2, C'(1) = E[phi_hat'^2],
C''(1) = E[phi_hat''^2]. Every expectation is mp.quad over x in (-inf, k, inf), k = -b/a the kink
of phi(a x + b) (smooth phi: split there too), at 45 digits. Plain MLP of depth D: DKS local C'(1) =
zeta^(1/D), TAT local C''(1) = tau/D, TAT leaky_relu C^{oD}(0) = eta with the closed-form leaky
relu C map. Newton's method with a forward-difference Jacobian (h = 1e-20 at 45 digits) from
dks' own solution (dks_output.json, the root dks selects), iterated until the step is below 1e-35.
"""
import json
import os

import mpmath as mp

mp.mp.dps = 45
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
ZETA, QSLOPE, TAU, ETA = mp.mpf("1.5"), mp.mpf(1), mp.mpf("0.3"), mp.mpf("0.9")
LAMBDA01 = mp.mpf("1.0507009873554804934193349852946")
ALPHA01 = mp.mpf("1.6732632423543772848170429916717")


def sig(u):
    return 1 / (1 + mp.exp(-u))


def activation(name, s=None):
    """(phi, phi', phi'', has_kink)."""
    if name == "tanh":
        return mp.tanh, lambda u: mp.sech(u) ** 2, lambda u: -2 * mp.tanh(u) * mp.sech(u) ** 2, False
    if name == "softplus":
        return lambda u: mp.log1p(mp.exp(u)), sig, lambda u: sig(u) * (1 - sig(u)), False
    if name == "sigmoid":
        return sig, lambda u: sig(u) * (1 - sig(u)), lambda u: sig(u) * (1 - sig(u)) * (1 - 2 * sig(u)), False
    if name == "erf":
        c = 2 / mp.sqrt(mp.pi)
        return mp.erf, lambda u: c * mp.exp(-u * u), lambda u: -2 * u * c * mp.exp(-u * u), False
    if name == "gelu":
        return (lambda u: u * mp.ncdf(u), lambda u: mp.ncdf(u) + u * mp.npdf(u),
                lambda u: mp.npdf(u) * (2 - u * u), False)
    if name == "silu":
        return (lambda u: u * sig(u), lambda u: sig(u) + u * sig(u) * (1 - sig(u)),
                lambda u: sig(u) * (1 - sig(u)) * (2 + u * (1 - 2 * sig(u))), False)
    if name in ("elu", "selu"):
        lam, al = (mp.mpf(1), mp.mpf(1)) if name == "elu" else (LAMBDA01, ALPHA01)
        return (lambda u: lam * u if u > 0 else lam * al * mp.expm1(u),
                lambda u: lam if u > 0 else lam * al * mp.exp(u),
                lambda u: mp.mpf(0) if u > 0 else lam * al * mp.exp(u), True)
    if name in ("relu", "leaky_relu"):
        s = mp.mpf(0) if name == "relu" else s
        return (lambda u: u if u >= 0 else s * u, lambda u: mp.mpf(1) if u >= 0 else s,
                lambda u: mp.mpf(0), True)
    raise ValueError(name)


def expect(f, a, b):
    """E[f(x)], x ~ N(0,1), split at the kink/feature point x = -b/a."""
    k = -b / a
    return mp.quad(lambda x: f(x) * mp.npdf(x), [-mp.inf, k, mp.inf])


def maps(name, a, b, d=None, s=None, curvature=False):
    """(Q'(1), C(0), C'(1), C''(1) or None, d, g) of phi_hat; d = -E[phi] when None (DKS)."""
    phi, d1, d2, _ = activation(name, s)
    u = lambda x: a * x + b
    if d is None:
        d = -expect(lambda x: phi(u(x)), a, b)
    v = expect(lambda x: (phi(u(x)) + d) ** 2, a, b)
    g2 = 1 / v
    qs = g2 * a * expect(lambda x: (phi(u(x)) + d) * d1(u(x)) * x, a, b)
    c0 = g2 * expect(lambda x: phi(u(x)) + d, a, b) ** 2
    cs = g2 * a * a * expect(lambda x: d1(u(x)) ** 2, a, b)
    cc = g2 * a ** 4 * expect(lambda x: d2(u(x)) ** 2, a, b) if curvature else None
    return qs, c0, cs, cc, d, mp.sqrt(g2)


def newton(residual, p0, tol=mp.mpf("1e-35"), h=mp.mpf("1e-20")):
    p = [mp.mpf(x) for x in p0]
    for _ in range(40):
        f = residual(p)
        n = len(p)
        jac = mp.matrix(n, n)
        for j in range(n):
            q = list(p)
            q[j] += h
            fj = residual(q)
            for i in range(n):
                jac[i, j] = (fj[i] - f[i]) / h
        step = mp.lu_solve(jac, -mp.matrix(f))
        p = [p[i] + step[i] for i in range(n)]
        if max(abs(step[i]) for i in range(n)) < tol:
            return p
    raise RuntimeError("Newton did not converge")


def leaky_cmap(c, s):
    return ((1 - s) ** 2 * (mp.sqrt(1 - c * c) + (mp.pi - mp.acos(c)) * c) / mp.pi + 2 * s * c) / (1 + s * s)


def compose0(s, depth):
    c = mp.mpf(0)
    for _ in range(depth):
        c = leaky_cmap(c, s)
    return c


def solve(case):
    name, method, depth, start = case["activation"], case["method"], case["depth"], case.get("params")
    out = {"activation": name, "method": method, "depth": depth}
    if method == "dks":
        xi = ZETA ** (mp.mpf(1) / depth)
        if name == "relu":
            b = mp.mpf(1) if xi < mp.pi / (mp.pi - 1) else mp.mpf(-1)
            (a,) = newton(lambda p: [maps(name, p[0], b)[2] - xi], [start["input_scale"]])
            qs, c0, cs, _, d, g = maps(name, a, b)
            out.update(input_scale=a, input_shift=b, output_shift=d, output_scale=g)
        elif name == "leaky_relu":
            s, b = newton(lambda p: [maps(name, 1, p[1], s=p[0])[0] - QSLOPE, maps(name, 1, p[1], s=p[0])[2] - xi],
                          [start["negative_slope"], start["input_shift"]])
            qs, c0, cs, _, d, g = maps(name, 1, b, s=s)
            out.update(negative_slope=s, input_scale=mp.mpf(1), input_shift=b, output_shift=d, output_scale=g)
        else:
            def residual(p):
                qs, _, cs, _, _, _ = maps(name, p[0], p[1])
                return [qs - QSLOPE, cs - xi]
            a, b = newton(residual, [start["input_scale"], start["input_shift"]])
            qs, c0, cs, _, d, g = maps(name, a, b)
            out.update(input_scale=a, input_shift=b, output_shift=d, output_scale=g)
        out.update(q_slope=qs, c_zero=c0, c_slope=cs)
    else:
        if name == "leaky_relu":
            relu_value = compose0(mp.mpf(0), depth)
            out["relu_c_zero"] = relu_value
            if ETA > relu_value:
                out["unreachable"] = True
                depth_needed, c = 0, mp.mpf(0)
                while c < ETA:
                    c, depth_needed = leaky_cmap(c, mp.mpf(0)), depth_needed + 1
                out["minimum_depth"] = depth_needed
                return out
            s = mp.findroot(lambda s: compose0(s, depth) - ETA, mp.mpf(start["negative_slope"]))
            out.update(negative_slope=s, input_scale=mp.mpf(1), input_shift=mp.mpf(0), output_shift=mp.mpf(0),
                       output_scale=mp.sqrt(2 / (1 + s * s)), c_zero_network=compose0(s, depth))
        else:
            tau = TAU / depth

            def residual(p):
                qs, _, cs, cc, _, _ = maps(name, p[0], p[1], d=p[2], curvature=True)
                return [qs - 1, cs - 1, cc - tau]
            a, b, d = newton(residual, [start["input_scale"], start["input_shift"], start["output_shift"]])
            qs, c0, cs, cc, _, g = maps(name, a, b, d=d, curvature=True)
            out.update(input_scale=a, input_shift=b, output_shift=d, output_scale=g, q_slope=qs, c_slope=cs, c_curvature=cc)
    return out


POINT_SYMMETRIC = {"tanh": mp.mpf(0), "erf": mp.mpf(0), "sigmoid": mp.mpf("0.5")}   # phi(-u) = 2 phi(0) - phi(u)


def mirror_to_nonnegative_shift(out):
    """For point-symmetric phi the solutions come in mirror pairs with identical kernel maps:
    (a, b, d, g) and (a, -b, -d - 2 phi(0), g), i.e. x -> -phi_hat(-x). dks' pick between them is decided
    by rounding in its finite-difference Jacobian at the symmetric starting point; mfsim reports the
    one with input_shift >= 0, and so does this reference."""
    phi0 = POINT_SYMMETRIC.get(out["activation"])
    if phi0 is not None and "input_shift" in out and out["input_shift"] < 0:
        out["input_shift"] = -out["input_shift"]
        out["output_shift"] = -out["output_shift"] - 2 * phi0
        out["mirrored_from_dks"] = True
    return out


def main():
    with open(os.path.join(HERE, "dks_output.json")) as handle:
        cases = json.load(handle)
    results = []
    for case in cases:
        if "params" not in case and not (case["method"] == "tat" and case["activation"] == "leaky_relu"):
            continue
        result = mirror_to_nonnegative_shift(solve(case))
        row = {k: (mp.nstr(v, 32) if isinstance(v, mp.mpf) else v) for k, v in result.items()}
        # dks' own answer beside it, for the agreement test (its accepted starting point: the last
        # successful try, since a rejected success is followed by further tries).
        row["dks_params"] = case.get("params")
        successes = [t["start"] for t in case["tries"] if t["success"]]
        row["dks_start"] = successes[-1] if successes and "params" in case else None
        row["dks_seconds"] = case["seconds"]
        results.append(row)
        print(json.dumps(results[-1]), flush=True)
    with open(os.path.join(HERE, "mpmath_output.json"), "w") as handle:
        json.dump(results, handle, indent=1)
        handle.write("\n")
    write_swift(results)


def write_swift(results):
    def num(r, key):
        return r[key] if key in r else "nil"
    lines = ["// Generated by Tests/Generators/shaping/mpmath_reference.py (mpmath, 45-digit arithmetic, 32 digits",
             "// printed) from the roots dks selects (Tests/Generators/shaping/dks_output.json). Do not edit.", "",
             "/// One exactly solved DKS/TAT case of a plain MLP (zeta 1.5, q_slope 1, tau 0.3, eta 0.9).",
             "struct ShapingReference: Sendable {",
             "    let activation: String, method: String, depth: Int",
             "    let inputScale: Double?, inputShift: Double?, outputShift: Double?, outputScale: Double?, negativeSlope: Double?",
             "    /// TAT leaky_relu: C^{oD}(0) of relu (the largest reachable eta at this depth) and whether eta is unreachable.",
             "    let reluCZero: Double?, unreachable: Bool, minimumDepth: Int?",
             "    /// dks 0.1.2's own parameters (nil where dks failed), its accepted starting point, and whether",
             "    /// the mpmath root is the mirror image of dks' (point-symmetric phi, see the generator).",
             "    let dks: [String: Double]?, dksStart: [Double]?, mirroredFromDKS: Bool",
             "}", "", "let shapingReferences: [ShapingReference] = ["]
    for r in results:
        lines.append(f'    ShapingReference(activation: "{r["activation"]}", method: "{r["method"]}", depth: {r["depth"]},')
        lines.append(f'                     inputScale: {num(r, "input_scale")}, inputShift: {num(r, "input_shift")},')
        lines.append(f'                     outputShift: {num(r, "output_shift")}, outputScale: {num(r, "output_scale")},')
        lines.append(f'                     negativeSlope: {num(r, "negative_slope")}, reluCZero: {num(r, "relu_c_zero")}, '
                     f'unreachable: {"true" if r.get("unreachable") else "false"}, minimumDepth: {r.get("minimum_depth", "nil")},')
        dks = r["dks_params"]
        dks_text = "nil" if dks is None else "[" + ", ".join(f'"{k}": {repr(float(v))}' for k, v in dks.items()) + "]"
        start = "nil" if r["dks_start"] is None else "[" + ", ".join(repr(float(v)) for v in r["dks_start"]) + "]"
        lines.append(f'                     dks: {dks_text},')
        lines.append(f'                     dksStart: {start}, mirroredFromDKS: {"true" if r.get("mirrored_from_dks") else "false"}),')
    lines.append("]")
    path = os.path.join(ROOT, "Tests", "MeanFieldTests", "Shaping", "ShapingReferences.swift")
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

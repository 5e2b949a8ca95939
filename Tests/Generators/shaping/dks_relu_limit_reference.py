"""Where DKS has no solution for elu / celu / selu / softshrink / tanhshrink, and 30-digit roots where it has.

Run:  python3 Tests/Generators/shaping/dks_relu_limit_reference.py
(mpmath and scipy from PyPI, e.g. in a throwaway venv). Writes dks_relu_limit_output.json beside this
script and the Swift literals Tests/MeanFieldTests/Shaping/DKSReluLimitReferences.swift.

DKS (SPEC §6) with q_slope 1 asks, of phi_hat(x) = g (phi(a x + b) + d), x ~ N(0, 1), d = -E[phi], Q(1) = 1:
    Q'(1) = E[(phi - m) phi' x] a / V = 1,     C'(1) = a^2 E[phi'^2] / V = xi = zeta^(1/D)
(m, V the mean and variance of phi(a x + b)). For each input_scale a on a log grid the script finds every
input_shift b on the curve Q'(1) = 1 (sign changes on a b grid, then bisection) and records C'(1) there.

Result (the "surveys" and "tanhshrink_sup" entries of the output):
 * elu with alpha <= 1.8 (selu: lambda is an output scale, so alpha alone matters; celu:alpha=c is
   c * elu_1(u / c), the same maps as elu:alpha=1; softshrink:lambda=l is l * softshrink_1(u / l)):
   along Q'(1) = 1, C'(1) < pi/(pi - 1) = 1.46694..., approached only in a limit where phi(a x + b)/scale
   tends to a relu with its kink at the mean (elu: a -> infinity, b/a -> 0; softshrink: a -> 0 with
   b -> +-lambda). So DKS needs xi < pi/(pi - 1), as for the clip-type families (DKSObstruction.swift);
   depth 1 with the default zeta 1.5 has no solution. (elu with alpha >= 3 exceeds pi/(pi - 1): not claimed.)
 * tanhshrink: C'(1) on Q'(1) = 1 has an attained maximum, solved here at 30 digits as the stationary
   point of C'(1) on that curve (Lagrange: det[grad Q'(1), grad C'(1)] = 0); DKS needs xi <= it.
These are numerical facts on the grids below (float64 quadrature, margins printed), not proofs.
Then 30-digit roots (Newton, forward-difference Jacobian at 45 digits) of solvable cases for the tests.
"""
import json
import math
import os
import sys

import mpmath as mp
import numpy as np
from scipy import integrate

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
RELU_KINK_SLOPE = math.pi / (math.pi - 1)
SELU_LAMBDA = None   # set at 45 digits below


# ---- float64 survey (scipy) -------------------------------------------------------------------
def family(name, alpha):
    if name == "elu":
        return (lambda u: u if u > 0 else alpha * math.expm1(u)), (lambda u: 1.0 if u > 0 else alpha * math.exp(u)), [0.0]
    if name == "softshrink":
        return ((lambda u: u - 0.5 if u > 0.5 else (u + 0.5 if u < -0.5 else 0.0)),
                (lambda u: 1.0 if abs(u) > 0.5 else 0.0), [-0.5, 0.5])
    if name == "tanhshrink":
        return (lambda u: u - math.tanh(u)), (lambda u: math.tanh(u) ** 2), [0.0]
    raise ValueError(name)


def pdf(x):
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def expect(f, points):
    edges = [-14.0] + sorted(p for p in points if abs(p) < 14) + [14.0]
    return sum(integrate.quad(lambda x: f(x) * pdf(x), edges[i], edges[i + 1], epsabs=1e-15, epsrel=1e-13, limit=400)[0]
               for i in range(len(edges) - 1))


def maps64(name, alpha, a, b):
    phi, d1, kinks = family(name, alpha)
    points = [(k - b) / a for k in kinks]
    m = expect(lambda x: phi(a * x + b), points)
    v = expect(lambda x: (phi(a * x + b) - m) ** 2, points)
    qs = a * expect(lambda x: (phi(a * x + b) - m) * d1(a * x + b) * x, points) / v
    cs = a * a * expect(lambda x: d1(a * x + b) ** 2, points) / v
    return qs, cs


def survey(name, alpha, scales, shifts):
    """max C'(1) over the points of Q'(1) = 1 found on the grid, and where."""
    best = (-1.0, None, None)
    for a in scales:
        values = [maps64(name, alpha, a, b)[0] - 1 for b in shifts]
        for i in range(len(shifts) - 1):
            lo, hi, flo = shifts[i], shifts[i + 1], values[i]
            if flo * values[i + 1] >= 0:
                continue
            for _ in range(45):
                mid = 0.5 * (lo + hi)
                fm = maps64(name, alpha, a, mid)[0] - 1
                if fm * flo < 0:
                    hi = mid
                else:
                    lo, flo = mid, fm
            qs, cs = maps64(name, alpha, a, 0.5 * (lo + hi))
            if abs(qs - 1) < 1e-6 and cs > best[0]:
                best = (cs, a, 0.5 * (lo + hi))
    return best


# ---- 45-digit maps (mpmath) -------------------------------------------------------------------
mp.mp.dps = 45
SELU_LAMBDA = mp.mpf("1.0507009873554804934193349852946")


def mp_family(name, alpha):
    alpha = mp.mpf(alpha)
    if name == "elu":
        return (lambda u: u if u > 0 else alpha * mp.expm1(u)), (lambda u: mp.mpf(1) if u > 0 else alpha * mp.exp(u)), [mp.mpf(0)]
    if name == "selu":   # lambda * elu_alpha: lambda only scales output_shift and output_scale
        lam = SELU_LAMBDA
        return ((lambda u: lam * u if u > 0 else lam * alpha * mp.expm1(u)),
                (lambda u: lam if u > 0 else lam * alpha * mp.exp(u)), [mp.mpf(0)])
    if name == "celu":
        return ((lambda u: u if u > 0 else alpha * mp.expm1(u / alpha)), (lambda u: mp.mpf(1) if u > 0 else mp.exp(u / alpha)),
                [mp.mpf(0)])
    if name == "softshrink":
        lam = alpha
        return ((lambda u: u - lam if u > lam else (u + lam if u < -lam else mp.mpf(0))),
                (lambda u: mp.mpf(1) if abs(u) > lam else mp.mpf(0)), [-lam, lam])
    if name == "tanhshrink":
        return (lambda u: u - mp.tanh(u)), (lambda u: mp.tanh(u) ** 2), [mp.mpf(0)]
    raise ValueError(name)


def mp_expect(f, points):
    edges = [-mp.inf] + sorted(points) + [mp.inf]
    return mp.quad(lambda x: f(x) * mp.npdf(x), edges)


def mp_maps(name, alpha, a, b):
    """(Q'(1), C(0), C'(1), output_shift, output_scale)."""
    phi, d1, kinks = mp_family(name, alpha)
    points = [(k - b) / a for k in kinks]
    m = mp_expect(lambda x: phi(a * x + b), points)
    v = mp_expect(lambda x: (phi(a * x + b) - m) ** 2, points)
    qs = a * mp_expect(lambda x: (phi(a * x + b) - m) * d1(a * x + b) * x, points) / v
    cs = a * a * mp_expect(lambda x: d1(a * x + b) ** 2, points) / v
    c0 = mp_expect(lambda x: phi(a * x + b) - m, points) ** 2 / v
    return qs, c0, cs, -m, 1 / mp.sqrt(v)


def newton(residual, p0, tol=mp.mpf("1e-32"), h=mp.mpf("1e-22")):
    p = [mp.mpf(x) for x in p0]
    for _ in range(60):
        f = residual(p)
        jac = mp.matrix(len(p), len(p))
        for j in range(len(p)):
            q = list(p)
            q[j] += h
            fj = residual(q)
            for i in range(len(p)):
                jac[i, j] = (fj[i] - f[i]) / h
        step = mp.lu_solve(jac, -mp.matrix(f))
        p = [p[i] + step[i] for i in range(len(p))]
        if max(abs(step[i]) for i in range(len(p))) < tol:
            return p
    raise RuntimeError("Newton did not converge")


def tanhshrink_maximum(start):
    """The stationary point of C'(1) on Q'(1) = 1 (tanhshrink), at 45 digits."""
    h = mp.mpf("1e-20")

    def grad(a, b):
        q0, _, c0, _, _ = mp_maps("tanhshrink", 0, a, b)
        qa, _, ca, _, _ = mp_maps("tanhshrink", 0, a + h, b)
        qb, _, cb, _, _ = mp_maps("tanhshrink", 0, a, b + h)
        return q0, c0, (qa - q0) / h, (qb - q0) / h, (ca - c0) / h, (cb - c0) / h

    def residual(p):
        q0, c0, qa, qb, ca, cb = grad(p[0], p[1])
        return [q0 - 1, qa * cb - qb * ca]

    mp.mp.dps = 60   # nested differences: keep 40 good digits
    a, b = newton(residual, start, tol=mp.mpf("1e-28"), h=mp.mpf("1e-25"))
    qs, _, cs, _, _ = mp_maps("tanhshrink", 0, a, b)
    mp.mp.dps = 45
    return a, b, cs, qs


SOLVABLE = [  # (family, its parameter, zeta, depth, start (a, b) near mfsim's root)
    ("elu", 1, "1.4", 1, (8.2361, -0.91045)),
    ("selu", "1.6732632423543772848170429916717", "1.4", 1, (4.5134, -1.5582)),
    ("celu", 1, "1.4", 1, (8.2361, -0.91045)),
    ("celu", 2, "1.4", 1, (16.4722, -1.8209)),
    ("softshrink", "0.5", "1.4", 1, (0.51315, 0.57548)),
    ("tanhshrink", 0, "1.1", 1, (2.4631, 2.5069)),
]


def main():
    """With --roots-only, the surveys and the tanhshrink maximum are read back from the output file
    (they take ~25 minutes) and only the roots are solved again."""
    if "--roots-only" in sys.argv:
        with open(os.path.join(HERE, "dks_relu_limit_output.json")) as handle:
            previous = json.load(handle)
        out = {"relu_kink_slope": previous["relu_kink_slope"], "surveys": previous["surveys"],
               "tanhshrink_sup": previous["tanhshrink_sup"], "roots": []}
        solve_roots(out)
        return
    out = {"relu_kink_slope": mp.nstr(mp.pi / (mp.pi - 1), 32), "surveys": [], "roots": []}
    scales = np.geomspace(0.02, 200.0, 31)
    shifts = np.linspace(-10.0, 10.0, 81)
    for name, alpha in [("elu", 0.01), ("elu", 0.1), ("elu", 0.5), ("elu", 1.0), ("elu", 1.5),
                        ("elu", 1.6732632423543772), ("elu", 1.8), ("softshrink", 0.5), ("tanhshrink", 0.0)]:
        cs, a, b = survey(name, alpha, scales, shifts)
        row = {"family": name, "alpha": alpha, "max_c_slope": cs, "at_input_scale": a, "at_input_shift": b,
               "margin_below_relu_kink_slope": RELU_KINK_SLOPE - cs}
        out["surveys"].append(row)
        print(json.dumps(row), flush=True)
    a, b, cs, qs = tanhshrink_maximum((0.93, 1.23))
    out["tanhshrink_sup"] = {"input_scale": mp.nstr(a, 32), "input_shift": mp.nstr(b, 32), "c_slope": mp.nstr(cs, 32),
                             "q_slope": mp.nstr(qs, 32)}
    print(json.dumps(out["tanhshrink_sup"]), flush=True)
    solve_roots(out)


def solve_roots(out):
    for name, parameter, zeta, depth, start in SOLVABLE:
        xi = mp.mpf(zeta) ** (mp.mpf(1) / depth)

        def residual(p):
            qs, _, cs, _, _ = mp_maps(name, parameter, p[0], p[1])
            return [qs - 1, cs - xi]
        a, b = newton(residual, start)
        qs, c0, cs, d, g = mp_maps(name, parameter, a, b)
        row = {"family": name, "parameter": str(parameter), "zeta": zeta, "depth": depth,
               "input_scale": mp.nstr(a, 32), "input_shift": mp.nstr(b, 32), "output_shift": mp.nstr(d, 32),
               "output_scale": mp.nstr(g, 32), "q_slope": mp.nstr(qs, 32), "c_slope": mp.nstr(cs, 32), "c_zero": mp.nstr(c0, 5)}
        out["roots"].append(row)
        print(json.dumps(row), flush=True)
    with open(os.path.join(HERE, "dks_relu_limit_output.json"), "w") as handle:
        json.dump(out, handle, indent=1)
        handle.write("\n")
    write_swift(out)


def write_swift(out):
    spec = {"elu": "elu:alpha={}", "selu": "selu", "celu": "celu:alpha={}", "softshrink": "softshrink:lambda={}",
            "tanhshrink": "tanhshrink"}
    lines = ["// Generated by Tests/Generators/shaping/dks_relu_limit_reference.py (mpmath, 45 digits; 32 printed). Do not edit.",
             "", "/// DKS roots (q_slope 1) of a plain MLP where the relu-limit families are solvable.",
             "struct DKSReluLimitReference: Sendable {",
             "    let spec: String, zeta: Double, depth: Int",
             "    let inputScale: Double, inputShift: Double, outputShift: Double, outputScale: Double",
             "}", "",
             "/// The largest C'(1) of tanhshrink on Q'(1) = 1 (attained at input_scale "
             + out["tanhshrink_sup"]["input_scale"][:12] + ", input_shift ±" + out["tanhshrink_sup"]["input_shift"][:12] + ").",
             "let tanhshrinkMaximalCSlope = " + out["tanhshrink_sup"]["c_slope"], "",
             "let dksReluLimitReferences: [DKSReluLimitReference] = ["]
    for r in out["roots"]:
        p = r["parameter"]
        s = spec[r["family"]].format(p if r["family"] != "softshrink" else p)
        lines.append(f'    DKSReluLimitReference(spec: "{s}", zeta: {r["zeta"]}, depth: {r["depth"]},')
        lines.append(f'                          inputScale: {r["input_scale"]}, inputShift: {r["input_shift"]},')
        lines.append(f'                          outputShift: {r["output_shift"]}, outputScale: {r["output_scale"]}),')
    lines.append("]")
    with open(os.path.join(ROOT, "Tests", "MeanFieldTests", "Shaping", "DKSReluLimitReferences.swift"), "w") as handle:
        handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

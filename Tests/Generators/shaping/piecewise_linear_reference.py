"""DKS of the clip-type activations (hardtanh, relu6, hardsigmoid) and abs: 32-digit mpmath
parameters where a solution exists, and the numerical evidence for where none does (mfsim #14).

Run:  python3 Tests/Generators/shaping/piecewise_linear_reference.py
(mpmath, numpy, scipy). Writes piecewise_linear_output.json beside this script and the Swift literals
Tests/MeanFieldTests/Shaping/PiecewiseLinearShapingReferences.swift.

Definitions as in mpmath_reference.py (SPEC 6, the deepmind dks package): phi_hat(x) = g*(phi(a*x + b) + d),
x ~ N(0,1), d = -E[phi], g from Q(1) = 1; DKS: Q'(1) = E[phi_hat phi_hat' x] = 1, C'(1) = E[phi_hat'^2] =
zeta^(1/D). Newton's method on the maps from truncated Gaussian moments (Phi, phi) with a
forward-difference Jacobian (h = 1e-22), at 45 digits, from the starting points below (mfsim's roots
rounded to 3 digits: the same root is selected), until the step is below 1e-35; at the root every
map is re-measured by mp.quad over x split at the kinks (k - b)/a (agreement to 1e-25 asserted), and
the achieved maps reported are the quadrature's. dks' own answers
(dks_piecewise_linear_output.json, from dks_piecewise_linear.py) are evaluated here too: their residuals
show which of them are roots.

Evidence for DKSObstruction.swift (in psi coordinates: phi(a x + b) is an affine image of
psi(x) = clip(x, lo, hi), lo < hi the kinks mapped to x; m = E psi, V = Var psi, P = Phi(hi) - Phi(lo)):
 1. the identity Q'(1) - 1 = [(m - lo) lo Phi(lo) - (hi - m) hi Phi(-hi)] / V, checked against quadrature;
 2. on 0 <= lo < hi (the only region where Q'(1) >= 1 is possible), C'(1) = P/V >= pi/(pi-1):
    minimum of P/V over a dense float64 grid, and mpmath at the grid's minimiser, which is the
    boundary lo = 0, hi -> inf (a relu with its kink at the mean, where Q'(1) < 1 by the identity);
 3. abs: the bracket 2 phi(k)(2 Phi(k) - 1) - 4 k Phi(k) Phi(-k) < 0 for k in [1e-6, 40] (divided by
    phi(k), with erfcx, so that it does not underflow), and
    Var|x + t| >= 1 - 2/pi (so C'(1) <= pi/(pi-2)), on a dense grid.
"""
import json
import os

import mpmath as mp
import numpy as np
from scipy.special import erfcx, ndtr

mp.mp.dps = 45
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

# name -> (lower kink, upper kink, value on the linear piece as a function of u)
CLIP = {
    "hardtanh": (mp.mpf(-1), mp.mpf(1), lambda u: u),
    "relu6": (mp.mpf(0), mp.mpf(6), lambda u: u),
    "hardsigmoid": (mp.mpf(-3), mp.mpf(3), lambda u: u / 6 + mp.mpf(1) / 2),
}
# (activation, depth, zeta, start (input_scale, input_shift))
CASES = [
    ("hardtanh", 1, "1.5", ("0.671", "1.03")), ("hardtanh", 1, "3", ("2.44", "2.94")), ("hardtanh", 2, "3", ("1.04", "1.31")),
    ("relu6", 1, "1.5", ("2.01", "-0.0996")), ("relu6", 1, "3", ("7.32", "-5.83")), ("relu6", 2, "3", ("3.11", "-0.928")),
    ("hardsigmoid", 1, "1.5", ("2.01", "3.10")), ("hardsigmoid", 1, "3", ("7.32", "8.83")), ("hardsigmoid", 2, "3", ("3.11", "3.93")),
]


def clip_functions(name):
    lo, hi, lin = CLIP[name]
    value = lambda u: lin(lo) if u < lo else (lin(hi) if u >= hi else lin(u))
    first = lambda u: (lin(mp.mpf(1)) - lin(mp.mpf(0))) if lo <= u < hi else mp.mpf(0)
    return value, first, (lo, hi)


def maps_quadrature(name, a, b):
    """(Q'(1), C(0), C'(1), d, g) of phi_hat with d = -E[phi(a x + b)], by mp.quad split at the kinks."""
    value, first, kinks = clip_functions(name)
    points = sorted((k - b) / a for k in kinks)
    expect = lambda f: mp.quad(lambda x: f(x) * mp.npdf(x), [-mp.inf] + points + [mp.inf])
    u = lambda x: a * x + b
    d = -expect(lambda x: value(u(x)))
    v = expect(lambda x: (value(u(x)) + d) ** 2)
    qs = a * expect(lambda x: (value(u(x)) + d) * first(u(x)) * x) / v
    c0 = expect(lambda x: value(u(x)) + d) ** 2 / v
    cs = a * a * expect(lambda x: first(u(x)) ** 2) / v
    return qs, c0, cs, d, 1 / mp.sqrt(v)


def maps(name, a, b):
    """The same maps from the truncated Gaussian moments of x (fast; checked against maps_quadrature
    at every solution). In x, phi(a x + b) is v1 below x1, p + s x on [x1, x2], v2 above."""
    lo, hi, lin = CLIP[name]
    c1 = lin(mp.mpf(1)) - lin(mp.mpf(0))
    x1, x2 = sorted([(lo - b) / a, (hi - b) / a])
    v1, v2 = (lin(lo), lin(hi)) if a > 0 else (lin(hi), lin(lo))
    p, s = lin(b), c1 * a
    F1, F2 = mp.ncdf(x1), mp.ncdf(-x2)
    f1, f2 = mp.npdf(x1), mp.npdf(x2)
    M0 = mp.ncdf(x2) - F1
    M1 = f1 - f2
    M2 = M0 + x1 * f1 - x2 * f2
    m = v1 * F1 + v2 * F2 + p * M0 + s * M1
    d = -m
    # central second moment, each piece about m (no cancellation of large terms)
    v = (v1 - m) ** 2 * F1 + (v2 - m) ** 2 * F2 + (p - m) ** 2 * M0 + 2 * (p - m) * s * M1 + s * s * M2
    qs = a * c1 * ((p - m) * M1 + s * M2) / v
    c0 = mp.mpf(0)   # d = -E[phi] by construction
    cs = a * a * c1 * c1 * M0 / v
    return qs, c0, cs, d, 1 / mp.sqrt(v)


def newton(residual, p0, tol=mp.mpf("1e-35"), h=mp.mpf("1e-22")):
    p = [mp.mpf(x) for x in p0]
    for _ in range(60):
        f = residual(p)
        jac = mp.matrix(2, 2)
        for j in range(2):
            q = list(p)
            q[j] += h
            fj = residual(q)
            for i in range(2):
                jac[i, j] = (fj[i] - f[i]) / h
        step = mp.lu_solve(jac, -mp.matrix(f))
        p = [p[i] + step[i] for i in range(2)]
        if max(abs(step[i]) for i in range(2)) < tol:
            return p
    raise RuntimeError("Newton did not converge")


def solve(name, depth, zeta, start):
    xi = mp.mpf(zeta) ** (mp.mpf(1) / depth)
    def residual(p):
        qs, _, cs, _, _ = maps(name, p[0], p[1])
        return [qs - 1, cs - xi]
    a, b = newton(residual, start)
    qs, c0, cs, d, g = maps(name, a, b)
    check = maps_quadrature(name, a, b)   # the root, re-measured by quadrature
    assert all(abs(x - y) < mp.mpf("1e-25") for x, y in zip(check, (qs, c0, cs, d, g))), (name, check)
    qs, c0, cs = check[:3]
    return {"activation": name, "depth": depth, "zeta": zeta, "input_scale": a, "input_shift": b,
            "output_shift": d, "output_scale": g, "q_slope": qs, "c_zero": c0, "c_slope": cs, "xi": xi}


def psi_slope_ratio(lo, width, nodes=200):
    """float64 C'(1) = P/V of psi = clip(x, lo, lo + width), 0 <= lo: in the shifted variable
    c = psi - lo in [0, width] every term is positive (Gauss-Legendre on [lo, lo + min(width, 14)],
    beyond which phi < 1e-42), and Var c = E[c^2] - E[c]^2 does not cancel since P(c = 0) >= 1/2."""
    t, w = np.polynomial.legendre.leggauss(nodes)
    span = np.minimum(width, 14.0)
    x = lo[..., None] + (t + 1) / 2 * span[..., None]
    weight = w * span[..., None] / 2 * np.exp(-x * x / 2) / np.sqrt(2 * np.pi)
    top = ndtr(-(lo + width))
    c = x - lo[..., None]
    mean = (weight * c).sum(-1) + width * top
    second = (weight * c * c).sum(-1) + width * width * top
    P = weight.sum(-1)
    return P / (second - mean * mean)


def evidence():
    out = {}
    # 1. the identity, against quadrature
    worst = mp.mpf(0)
    for lo, hi in [(-1, 1), (-0.3, 2), (0.5, 3), (1e-9, 2.6), (0.1, 0.2), (-3, -0.5), (2, 7)]:
        lo, hi = mp.mpf(lo), mp.mpf(hi)
        psi = lambda x: min(max(x, lo), hi)
        E = lambda f: mp.quad(lambda x: f(x) * mp.npdf(x), [-mp.inf, lo, hi, mp.inf])
        m = E(psi)
        V = E(lambda x: (psi(x) - m) ** 2)
        qs = mp.quad(lambda x: (x - m) * x * mp.npdf(x), [lo, hi]) / V
        identity = 1 + ((m - lo) * lo * mp.ncdf(lo) - (hi - m) * hi * mp.ncdf(-hi)) / V
        worst = max(worst, abs(qs - identity))
    out["identity_max_abs_difference"] = mp.nstr(worst, 5)
    # 2. C'(1) = P/V on 0 <= lo < hi (lo up to 6: beyond, psi is constant but for a tail of
    #    mass < 1e-9 and P/V grows like lo; widths 1e-4 .. 60)
    lo = np.concatenate([[0.0], np.geomspace(1e-9, 6, 700)])
    width = np.geomspace(1e-4, 60, 700)
    L, W = np.meshgrid(lo, width)
    ratio = np.concatenate([psi_slope_ratio(L[i:i + 50], W[i:i + 50]) for i in range(0, L.shape[0], 50)])
    i = np.unravel_index(np.argmin(ratio), ratio.shape)
    out["clip_min_c_slope_grid"] = float(ratio[i])
    out["clip_min_at"] = [float(L[i]), float(L[i] + W[i])]
    out["relu_kink_slope"] = mp.nstr(mp.pi / (mp.pi - 1), 20)
    # the infimum is the boundary point (0, inf), a relu with its kink at the mean, where Q'(1) < 1
    out["clip_min_not_below_relu_kink_slope_1e-13"] = bool(ratio.min() >= float(mp.pi / (mp.pi - 1)) * (1 - 1e-13))
    lo_m, hi_m = mp.mpf(out["clip_min_at"][0]), mp.mpf(out["clip_min_at"][1])
    psi = lambda x: min(max(x, lo_m), hi_m)
    E = lambda f: mp.quad(lambda x: f(x) * mp.npdf(x), [-mp.inf, lo_m, hi_m, mp.inf])
    m = E(psi)
    out["clip_min_c_slope_mpmath"] = mp.nstr((mp.ncdf(hi_m) - mp.ncdf(lo_m)) / E(lambda x: (psi(x) - m) ** 2), 20)
    # 3. abs: the bracket divided by phi(k) > 0, with the Mills ratio Phi(-k)/phi(k) = sqrt(pi/2) erfcx(k/sqrt 2)
    k = np.geomspace(1e-6, 40, 200000)
    mills = np.sqrt(np.pi / 2) * erfcx(k / np.sqrt(2))
    bracket = 2 * (2 * ndtr(k) - 1) - 4 * k * ndtr(k) * mills
    out["abs_bracket_over_phi_max"] = float(bracket.max())
    out["abs_bracket_negative"] = bool((bracket < 0).all())
    # mpmath at a few k, where float64 cancels for small k
    out["abs_bracket_mpmath"] = {str(kk): mp.nstr(2 * mp.npdf(kk) * (2 * mp.ncdf(kk) - 1) - 4 * kk * mp.ncdf(kk) * mp.ncdf(-kk), 8)
                                 for kk in (mp.mpf("1e-6"), mp.mpf("0.01"), mp.mpf(1), mp.mpf(5), mp.mpf(30))}
    t = np.linspace(0, 40, 400001)
    mean = t * (2 * ndtr(t) - 1) + 2 * np.exp(-t * t / 2) / np.sqrt(2 * np.pi)
    var = 1 + t * t - mean * mean
    out["abs_min_variance"] = float(var.min())
    out["abs_min_variance_at_t"] = float(t[np.argmin(var)])
    out["abs_variance_bound"] = 1 - 2 / np.pi
    return out


def main():
    results = [solve(*case) for case in CASES]
    with open(os.path.join(HERE, "dks_piecewise_linear_output.json")) as handle:
        dks = {(r["activation"], r["depth"], r["zeta"]): r for r in json.load(handle)}
    rows = []
    for r in results:
        row = {k: (mp.nstr(v, 32) if isinstance(v, mp.mpf) else v) for k, v in r.items()}
        d = dks.get((r["activation"], r["depth"], float(r["zeta"])))
        if d is not None and "params" in d:
            p = d["params"]
            qs, _, cs, _, _ = maps_quadrature(r["activation"], mp.mpf(p["input_scale"]), mp.mpf(p["input_shift"]))
            row["dks_params"] = p
            row["dks_residuals"] = [mp.nstr(qs - 1, 5), mp.nstr(cs - r["xi"], 5)]
        rows.append(row)
        print(json.dumps(row), flush=True)
    failures = {f'{r["activation"]} depth {r["depth"]} zeta {r["zeta"]}': r["error"] for r in dks.values() if "error" in r}
    payload = {"cases": rows, "evidence": evidence(), "dks_failures": failures}
    print(json.dumps(payload["evidence"], indent=1))
    with open(os.path.join(HERE, "piecewise_linear_output.json"), "w") as handle:
        json.dump(payload, handle, indent=1)
        handle.write("\n")
    write_swift(rows)


def write_swift(rows):
    lines = ["// Generated by Tests/Generators/shaping/piecewise_linear_reference.py (mpmath, 45-digit arithmetic,",
             "// 32 digits printed). Do not edit.", "",
             "/// One exactly solved DKS case of a clip-type activation, plain MLP, q_slope 1.",
             "struct PiecewiseLinearShapingReference: Sendable {",
             "    let activation: String, depth: Int, zeta: Double",
             "    let inputScale: Double, inputShift: Double, outputShift: Double, outputScale: Double",
             "}", "", "let piecewiseLinearShapingReferences: [PiecewiseLinearShapingReference] = ["]
    for r in rows:
        lines.append(f'    PiecewiseLinearShapingReference(activation: "{r["activation"]}", depth: {r["depth"]}, zeta: {r["zeta"]},')
        lines.append(f'        inputScale: {r["input_scale"]}, inputShift: {r["input_shift"]},')
        lines.append(f'        outputShift: {r["output_shift"]}, outputScale: {r["output_scale"]}),')
    lines.append("]")
    path = os.path.join(ROOT, "Tests", "MeanFieldTests", "Shaping", "PiecewiseLinearShapingReferences.swift")
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

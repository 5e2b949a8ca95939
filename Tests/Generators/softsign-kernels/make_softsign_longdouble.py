#!/usr/bin/env python3
"""Extended-precision references for softsign's bivariate kernels (the rows of softsign_references.txt that
make_softsign_references.py's 34-digit mpmath quadrature is too slow for: ~10 min per point on this machine).

K = E[phi(u) phi(v)], D = E[phi'(u) phi'(v)], phi(x) = x/(1 + |x|), phi' = 1/(1 + |x|)^2, (u, v) zero-mean with
variances q1, q2 and covariance q12 = c*sqrt(q1*q2) (formed in doubles as the Swift test forms it). Independent of
the Swift route (polar coordinates, a fixed radial rule): here the plane is integrated by conditioning,
u = s1 z1, v | u ~ N(g u, t^2), g = q12/q1, t^2 = q2 - q12^2/q1, by composite 30-point Gauss-Legendre panels in x87
extended precision (numpy.longdouble, 64-bit significand) on [-13, 13] in each variable, unit panels plus panels
graded geometrically from each kink (z2 = -g s1 z1/t on the scale 1/t where phi bends; z1 = 0 on the scales 1/s1
and t/(|g| s1), where the inner expectation bends). Each value is computed twice (every panel halved the second
time) and kept only if both agree to 1e-17 relative (or 1e-20 absolute); the script stops otherwise.
The rows for which make_softsign_references.py's mpmath values exist (mpmath_points.txt) are compared with them
(a mismatch above 1e-15 relative, or 1e-18 absolute, stops the script).
usage: python3 make_softsign_longdouble.py      (writes rows_longdouble.txt; then make_softsign_references.py write)
"""
import math, os, sys
import numpy as np

L = np.longdouble
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_softsign_references import POINTS

def leggauss_longdouble(n):
    """Gauss-Legendre nodes and weights in extended precision: numpy's double nodes refined by Newton's method."""
    x = np.polynomial.legendre.leggauss(n)[0].astype(L)
    for _ in range(3):
        p0, p1 = np.ones_like(x), x.copy()
        for k in range(2, n + 1):
            p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
        dp = n * (x * p1 - p0) / (x * x - 1)
        x = x - p1 / dp
    p0, p1 = np.ones_like(x), x.copy()
    for k in range(2, n + 1):
        p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
    dp = n * (x * p1 - p0) / (x * x - 1)
    return x, 2 / ((1 - x * x) * dp * dp)

X30, W30 = leggauss_longdouble(30)
SQ2PI = L("2.50662827463100050241576528481104525301")

def phi(x, order):
    d = 1 + np.abs(x)
    return x / d if order == 0 else 1 / (d * d)

def breakpoints(centre, scales, lo=L(-13), hi=L(13)):
    pts = set(L(k) for k in range(-13, 14))
    pts.add(centre)
    for s in scales:
        w = L(s)
        while w < 26:
            for p in (centre - w, centre + w):
                if lo < p < hi:
                    pts.add(p)
            w *= 2
    pts = sorted(p for p in pts if lo <= p <= hi)
    return np.array(pts, dtype=L)

def rule(bps, halve):
    if halve:
        mids = (bps[:-1] + bps[1:]) / 2
        bps = np.sort(np.concatenate([bps, mids]))
    a, b = bps[:-1, None], bps[1:, None]
    x = (a + b) / 2 + (b - a) / 2 * X30[None, :]
    w = (b - a) / 2 * W30[None, :]
    return x.ravel(), w.ravel()

def expectation(order, q1, q12, q2, halve):
    s1 = np.sqrt(L(q1)); gamma = L(q12) / L(q1); t = np.sqrt(L(q2) - L(q12) * L(q12) / L(q1))
    scales = [L("0.5") / s1] + ([L("0.5") * t / (abs(gamma) * s1)] if gamma != 0 and t > 0 else [])
    z1, w1 = rule(breakpoints(L(0), scales), halve)
    total = L(0)
    for z, w in zip(z1, w1):
        m = gamma * s1 * z
        if t == 0:
            inner = phi(m, order)
        else:
            z2, w2 = rule(breakpoints(-m / t, [L("0.5") / t]), halve)
            inner = np.sum(w2 * np.exp(-z2 * z2 / 2) * phi(m + t * z2, order)) / SQ2PI
        total += w * np.exp(-z * z / 2) / SQ2PI * phi(s1 * z, order) * inner
    return total

def value(order, q1, q12, q2):
    a = expectation(order, q1, q12, q2, False)
    b = expectation(order, q1, q12, q2, True)
    if abs(a - b) > max(L("1e-17") * abs(b), L("1e-20")):
        raise SystemExit(f"not converged: order {order} q1={q1} q12={q12} q2={q2}: {a} vs {b}")
    return b

def main():
    mpmath_rows = {}
    path = os.path.join(HERE, "mpmath_points.txt")
    if os.path.exists(path):
        for line in open(path):
            q1, c, q2, k, d = line.split()
            mpmath_rows[(float(q1), float(c), float(q2))] = (L(k), L(d))
    with open(os.path.join(HERE, "rows_longdouble.txt"), "w") as out:
        for (q1, c, q2) in POINTS:
            q12 = c * math.sqrt(q1 * q2)
            k, d = value(0, q1, q12, q2), value(1, q1, q12, q2)
            if (q1, c, q2) in mpmath_rows:
                mk, md = mpmath_rows[(q1, c, q2)]
                for x, y in ((k, mk), (d, md)):
                    if abs(x - y) > max(L("1e-15") * abs(y), L("1e-18")):
                        raise SystemExit(f"mpmath mismatch at {(q1, c, q2)}: {x} vs {y}")
                print(f"mpmath agrees at {(q1, c, q2)}: {float(abs(k - mk) / abs(mk)):.1e} {float(abs(d - md) / abs(md)):.1e}")
            out.write(f"{q1!r} {c!r} {q2!r} {np.format_float_scientific(k, precision=20)} {np.format_float_scientific(d, precision=20)}\n")
            out.flush()
            print(q1, c, q2, flush=True)

if __name__ == "__main__":
    main()

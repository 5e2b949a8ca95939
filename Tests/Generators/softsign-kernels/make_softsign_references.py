#!/usr/bin/env python3
"""mpmath references (30 digits) for softsign's bivariate kernels, phi(x) = x/(1 + |x|), phi' = 1/(1 + |x|)^2:
    K = E[phi(u) phi(v)],  D = E[phi'(u) phi'(v)],  (u, v) zero-mean, variances q1, q2, covariance q12,
at q in [1e-6, 1e4] (equal and unequal variances) and c in [-1, 1] including +-(1 - 1e-12).

Independent of the Swift route (SoftsignKernels.swift integrates in polar coordinates with a fixed Gauss-Legendre
radial rule): here the plane is integrated by conditioning, u = s1 z1, v | u ~ N(g u, t^2), g = q12/q1,
t^2 = q2 - q12^2/q1, as nested mp.quad (tanh-sinh) over z1 and z2 in [-12, 12] (the Gaussian tails beyond are
below 1e-31 of the values), every subinterval split at the kink (z1 = 0; z2 = -g s1 z1/t) and graded on the
scales where phi bends (1/s1 in z1, 1/t in z2; t/(|g| s1), where the inner expectation bends, in z1).
mp.quad's error estimates must be below 1e-26 of the value (or 1e-30 absolute), else the script stops.
Every input is a double; q12 = c*sqrt(q1*q2) is formed in IEEE doubles exactly as the Swift test forms it.
mpmath at 34 digits takes ~10 min per point here, so the committed rows come from make_softsign_longdouble.py
(x87 precision, an independent grid) and a few points are computed here (`point`, collected in mpmath_points.txt)
and compared (`check`). `write` writes softsign_references.txt (one row per point: q1 c q2 K D) and the Swift file
Tests/MeanFieldTests/Kernels/SoftsignReferences.swift.
usage: python3 make_softsign_references.py point Q1 C Q2  (one row on stdout)
       python3 make_softsign_references.py run I N   (rows with index = I mod N into rows_I.txt; run in parallel)
       python3 make_softsign_references.py check     (the mpmath rows in mpmath_points.txt against softsign_references.txt)
       python3 make_softsign_references.py write     (softsign_references.txt and the Swift file from rows_*.txt)
"""
import math, os, sys, glob
import mpmath as mp

mp.mp.dps = 34
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "MeanFieldTests", "Kernels", "SoftsignReferences.swift")
EDGE = 1 - 1e-12

POINTS = []
for q in [1e-6, 1e-3, 1.0, 100.0, 1e4]:
    for c in [-EDGE, -0.97, -0.4, 0.3, 0.9, EDGE]:
        POINTS.append((q, c, q))
for q1, q2 in [(1e-6, 1e-3), (2.5, 1.0), (100.0, 1e4)]:
    for c in [-0.6, 0.2, 0.95]:
        POINTS.append((q1, c, q2))

def phi(x):
    return x / (1 + abs(x))

def dphi(x):
    d = 1 + abs(x)
    return 1 / (d * d)

def grid(lo, hi, centre, scales):
    pts = {mp.mpf(lo), mp.mpf(hi)}
    for p in [centre] + [centre + sign * k * s for s in scales for k in (1, 10) for sign in (-1, 1)]:
        if lo < p < hi:
            pts.add(p)
    return sorted(pts)

def check(value, error, what):
    if error > max(mp.mpf("1e-26") * abs(value), mp.mpf("1e-30")):
        raise SystemExit(f"{what}: error estimate {mp.nstr(error, 3)} for value {mp.nstr(value, 20)}")

def expectation(f, g, q1, q12, q2):
    s1 = mp.sqrt(q1)
    gamma = q12 / q1
    t = mp.sqrt(q2 - q12 * q12 / q1)
    def inner(z1):
        m = gamma * s1 * z1
        if t == 0:
            return g(m)
        z0 = -m / t
        pts = grid(-12, 12, z0, [1 / t])
        v, e = mp.quad(lambda z2: mp.npdf(z2) * g(m + t * z2), pts, error=True)
        check(v, e, "inner")
        return v
    scales = [1 / s1] + ([t / (abs(gamma) * s1)] if gamma != 0 else [])
    pts = grid(-12, 12, mp.mpf(0), scales)
    v, e = mp.quad(lambda z1: mp.npdf(z1) * f(s1 * z1) * inner(z1), pts, error=True)
    check(v, e, "outer")
    return v

def row(q1, c, q2):
    q12 = c * math.sqrt(q1 * q2)            # as the Swift test forms it
    Q1, Q12, Q2 = mp.mpf(q1), mp.mpf(q12), mp.mpf(q2)
    k = expectation(phi, phi, Q1, Q12, Q2)
    d = expectation(dphi, dphi, Q1, Q12, Q2)
    return f"{q1!r} {c!r} {q2!r} {mp.nstr(k, 32, min_fixed=-1, max_fixed=-1)} {mp.nstr(d, 32, min_fixed=-1, max_fixed=-1)}"

def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "run":
        i, n = int(sys.argv[2]), int(sys.argv[3])
        with open(os.path.join(HERE, f"rows_{i}.txt"), "w") as out:
            for index, p in enumerate(POINTS):
                if index % n == i:
                    out.write(row(*p) + "\n"); out.flush()
        return
    if len(sys.argv) >= 2 and sys.argv[1] == "point":
        print(row(float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])), flush=True)
        return
    if len(sys.argv) >= 2 and sys.argv[1] == "check":
        refs = {}
        for line in open(os.path.join(HERE, "softsign_references.txt")):
            q1, c, q2, k, d = line.split()
            refs[(float(q1), float(c), float(q2))] = (mp.mpf(k), mp.mpf(d))
        with open(os.path.join(HERE, "mpmath_check.txt"), "w") as out:
            for line in open(os.path.join(HERE, "mpmath_points.txt")):
                q1, c, q2, k, d = line.split()
                key = (float(q1), float(c), float(q2))
                if key not in refs:
                    continue
                rk, rd = refs[key]
                ek, ed = abs(rk - mp.mpf(k)) / abs(mp.mpf(k)), abs(rd - mp.mpf(d)) / abs(mp.mpf(d))
                out.write(f"{key}: relative differences kernel {mp.nstr(ek, 2)}, derivative {mp.nstr(ed, 2)}\n")
                if max(ek, ed) > 1e-15:
                    raise SystemExit(f"mismatch at {key}")
        print(open(os.path.join(HERE, "mpmath_check.txt")).read())
        return
    if len(sys.argv) >= 2 and sys.argv[1] == "write":
        rows = {}
        for path in sorted(glob.glob(os.path.join(HERE, "rows_*.txt"))):
            for line in open(path):
                q1, c, q2, k, d = line.split()
                rows[(float(q1), float(c), float(q2))] = (k, d)
        ordered = [(p, rows[p]) for p in POINTS if p in rows]
        with open(os.path.join(HERE, "softsign_references.txt"), "w") as out:
            for (q1, c, q2), (k, d) in ordered:
                out.write(f"{q1!r} {c!r} {q2!r} {k} {d}\n")
        with open(OUT, "w") as out:
            out.write("// Generated by Tests/Generators/softsign-kernels/make_softsign_references.py write, from the rows of\n")
            out.write("// make_softsign_longdouble.py (x87 nested Gauss-Legendre by conditioning, converged to 1e-17) checked\n")
            out.write("// against this script's 34-digit mpmath rows (mpmath_points.txt, mpmath_check.txt); do not edit by hand.\n\n")
            out.write("/// softsign's (E[φ(u)φ(v)], E[φ'(u)φ'(v)]) at (q1, c, q2), q12 = c·√(q1 q2) in doubles.\n")
            out.write("let softsignReferences: [(q1: Double, c: Double, q2: Double, kernel: Double, derivative: Double)] = [\n")
            for (q1, c, q2), (k, d) in ordered:
                out.write(f"    ({q1!r}, {c!r}, {q2!r}, {k}, {d}),\n")
            out.write("]\n")
        print(f"{len(ordered)} of {len(POINTS)} rows")
        return
    print(__doc__)

if __name__ == "__main__":
    main()

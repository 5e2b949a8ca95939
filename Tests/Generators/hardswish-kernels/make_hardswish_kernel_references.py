"""30-digit references for the bivariate kernels of hardswish (issue #14), x*relu6(x + 3)/6 =
0 (x < -3) | x/2 + x^2/6 (-3 <= x < 3) | x (x >= 3), and of one affine variant:
E[f(u) g(v)], (u, v) ~ N(0, [[q1, c s1 s2], [c s1 s2, q2]]), f, g in {phi, phi'}.

Independent of the Swift closed form (Phi2 rectangles and Stein recursions for the truncated
bivariate moments): here u = s1 z, v = s2 (c z + r w), and the inner expectation over w is done in
closed form from the truncated moments of the normal,
    H(z) = E[g(v) | z] = sum_pieces sum_k g_k E[V^k 1{a <= V < b}],  V ~ N(s2 c z, (s2 r)^2),
so E = int f(s1 z) H(z) pdf(z) dz is one mpmath tanh-sinh quadrature at 30 digits, split at f's
kinks and graded around the images of g's kinks (where H varies on the scale r/|c|). At c = +-1
the integral is E[f(s1 z) g(+-s2 z)] split at both kinks.
usage: python3 Tests/Generators/hardswish-kernels/make_hardswish_kernel_references.py [--only "Q1,Q2;Q1,Q2"]
writes hardswish_kernel_references.txt here and
Tests/MeanFieldTests/Gaussian/HardswishKernelReferences.swift
"""
import math, os, sys
from multiprocessing import Pool
import mpmath as mp

mp.mp.dps = 30
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def pieces(spec):
    """(breakpoints, [coefficients in ascending powers]) of phi, exact in mpmath."""
    M = mp.mpf
    b, p = [M(-3), M(3)], [[M(0)], [M(0), M(1) / 2, M(1) / 6], [M(0), M(1)]]
    if spec == "hardswish":
        return b, p
    if spec == "hardswish:in_scale=2,in_shift=1,out_scale=0.5":
        s, h, o = M(2), M(1), M(1) / 2
        nb = [(t - h) / s for t in b]
        npc = []
        for c in p:
            out = [M(0)] * len(c)
            for k, ck in enumerate(c):
                for j in range(k + 1):
                    out[j] += ck * mp.binomial(k, j) * s ** j * h ** (k - j)
            npc.append([o * x for x in out])
        return nb, npc
    raise ValueError(spec)


def derivative(c):
    return [k * c[k] for k in range(1, len(c))] or [mp.mpf(0)]


def function(spec, order):
    b, pc = pieces(spec)
    for _ in range(order):
        pc = [derivative(c) for c in pc]
    return b, pc


def evaluate(fn, x):
    b, pc = fn
    k = sum(1 for t in b if x >= t)
    return sum(ck * x ** i for i, ck in enumerate(pc[k]))


def truncated(mu, sigma, lo, hi, degree):
    """E[V^k 1{lo <= V < hi}], V ~ N(mu, sigma^2), k = 0..degree."""
    ta, tb = (lo - mu) / sigma, (hi - mu) / sigma
    da = mp.npdf(ta) if mp.isfinite(ta) else 0
    db = mp.npdf(tb) if mp.isfinite(tb) else 0
    T = [mp.ncdf(tb) - mp.ncdf(ta), da - db]
    for k in range(2, degree + 1):
        pa = ta ** (k - 1) * da if mp.isfinite(ta) else 0
        pb = tb ** (k - 1) * db if mp.isfinite(tb) else 0
        T.append((k - 1) * T[k - 2] + pa - pb)
    return [sum(mp.binomial(j, k) * mu ** (j - k) * sigma ** k * T[k] for k in range(j + 1)) for j in range(degree + 1)]


def inner(gn, mu, sigma):
    b, pc = gn
    edges = [-mp.inf] + b + [mp.inf]
    total = mp.mpf(0)
    for j, c in enumerate(pc):
        if all(x == 0 for x in c):
            continue
        m = truncated(mu, sigma, edges[j], edges[j + 1], len(c) - 1)
        total += sum(ck * m[k] for k, ck in enumerate(c))
    return total


def kernel(args):
    spec, i, j, q1, q2, c = args
    # The correlation the library sees (the test passes q12 = c*sqrt(q1*q2); see ../pwl-kernels).
    fq1, fq2, fc = float(q1), float(q2), float(c)
    fq12 = fc * math.sqrt(fq1 * fq2)
    seen = max(-1.0, min(1.0, fq12 / (fq1 if fq1 == fq2 else math.sqrt(fq1 * fq2))))
    q1, q2, c = mp.mpf(fq1), mp.mpf(fq2), mp.mpf(seen)
    s1, s2 = mp.sqrt(q1), mp.sqrt(q2)
    f, g = function(spec, i), function(spec, j)
    points = set(t / s1 for t in f[0])
    if abs(c) == 1:
        points |= set(t / (s2 * c) for t in g[0])
        integrand = lambda z: evaluate(f, s1 * z) * evaluate(g, c * s2 * z) * mp.npdf(z)
    else:
        r = mp.sqrt((1 - c) * (1 + c))
        if c != 0:
            for t in g[0]:
                z0 = t / (s2 * c)
                points.add(z0)
                w = r / abs(c)
                for m in [1, 8, 64]:
                    points.add(z0 + m * w); points.add(z0 - m * w)
        integrand = lambda z: evaluate(f, s1 * z) * inner(g, s2 * c * z, s2 * r) * mp.npdf(z)
    # Fixed points as well: tanh-sinh over one long panel can miss the central bump of a tiny
    # integrand (at q = 1e-6 it returned 1.4e-121 for E[phi]^2 = 2.8e-14) and report convergence.
    points |= set(mp.mpf(x) for x in [0, 1, -1, 2, -2, 4, -4, 8, -8, 16, -16, 32, -32])
    pts = sorted(x for x in points if abs(x) < 60)
    pts = [mp.mpf(-60)] + pts + [mp.mpf(60)]
    value = mp.mpf(0)
    for a, b in zip(pts, pts[1:]):
        if b > a:
            value += mp.quad(integrand, [a, b])
    return args, value


QS = [("1e-6", "1e-6"), ("1.0", "1.0"), ("1e2", "1e2"), ("1e4", "1e4"), ("0.3", "2.5"), ("1e4", "1.0"), ("1e-6", "1.0")]
CS = ["0", "0.5", "-0.5", "0.9", "-0.9", "0.999999", "-0.999999", "0.999999999999", "-0.999999999999", "1", "-1"]
ORDERS = [(0, 0), (1, 1), (0, 1)]
VARIANT = "hardswish:in_scale=2,in_shift=1,out_scale=0.5"


def fmt(x):
    return "0.0" if abs(x) < mp.mpf("1e-300") else mp.nstr(x, 20, min_fixed=1, max_fixed=0)


def main():
    jobs = [("hardswish", i, j, q1, q2, c) for (q1, q2) in QS for c in CS for (i, j) in ORDERS]
    jobs += [(VARIANT, i, j, q1, q2, c) for (q1, q2) in [("1.0", "1.0"), ("1e4", "1e4"), ("0.3", "2.5")]
             for c in ["0", "0.5", "-0.9", "0.999999999999"] for (i, j) in ORDERS]
    # With `--only Q1,Q2[;Q1,Q2...]` only the jobs at those variances are computed; the others are read
    # back from hardswish_kernel_references.txt (to redo a subset after a fix of the integration).
    only = [tuple(p.split(",")) for p in sys.argv[sys.argv.index("--only") + 1].split(";")] if "--only" in sys.argv else None
    kept = {}
    if only:
        with open(os.path.join(HERE, "hardswish_kernel_references.txt")) as old:
            for line in old:
                if not line.startswith("#"):
                    s, i, j, q1, q2, c, v = line.split()
                    kept[(s, int(i), int(j), q1, q2, c)] = mp.mpf(v)
    todo = [job for job in jobs if not only or (job[3], job[4]) in only]
    with Pool(2) as pool:
        computed = dict(zip(todo, (v for _, v in pool.map(kernel, todo, chunksize=4))))
    results = [(job, computed[job] if job in computed else kept[job]) for job in jobs]
    with open(os.path.join(HERE, "hardswish_kernel_references.txt"), "w") as out:
        out.write("# spec i j q1 q2 c value   (mpmath %s, 30 digits; see make_hardswish_kernel_references.py)\n" % mp.__version__)
        for (s, i, j, q1, q2, c), v in results:
            out.write("%s %d %d %s %s %s %s\n" % (s, i, j, q1, q2, c, mp.nstr(v, 30)))
    order = {0: ".value", 1: ".first"}
    path = os.path.join(ROOT, "Tests", "MeanFieldTests", "Gaussian", "HardswishKernelReferences.swift")
    with open(path, "w") as out:
        out.write("// Generated by Tests/Generators/hardswish-kernels/make_hardswish_kernel_references.py (mpmath %s,\n" % mp.__version__)
        out.write("// 30 digits, 1D tanh-sinh over z of a closed-form conditional expectation). Do not edit.\n")
        out.write("@testable import MeanField\n\n")
        out.write("/// E[phi^(i)(u) phi^(j)(v)] of hardswish (and one affine variant), variances q1, q2, correlation c.\n")
        out.write("let hardswishKernelReferences: [TwoDimensionalReference] = [\n")
        for (s, i, j, q1, q2, c), v in results:
            out.write('    .init(spec: "%s", orders: (%s, %s), variance1: %s, variance2: %s, correlation: %s, value: %s),\n'
                      % (s, order[i], order[j], q1, q2, c if "." in c else c + ".0", fmt(v)))
        out.write("]\n")


if __name__ == "__main__":
    main()

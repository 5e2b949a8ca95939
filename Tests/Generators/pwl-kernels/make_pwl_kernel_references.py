"""50-digit references for the bivariate kernels of the piecewise-linear families (issue #14):
E[f(u) g(v)], (u, v) ~ N(0, [[q1, c s1 s2], [c s1 s2, q2]]), f, g in {phi, phi'}, for hardtanh,
relu6, hardsigmoid, softshrink, abs (and parameter variants), at q in {1e-6, 1, 1e4} and c in
{0, +-0.5, +-0.99, +-(1 - 1e-12), +-1}.

Independent of the Swift closed form (which sums Phi2 rectangle probabilities): here
u = s1 z, v = s2 (c z + r w), and the inner expectation over w is done in closed form,
    H(z) = E[g(v) | z] = sum_j a_j P_j + b_j (mu P_j + sigma (pdf(t_a) - pdf(t_b))),
    mu = s2 c z, sigma = s2 r, t = (bound - mu)/sigma,
so E = int f(s1 z) H(z) pdf(z) dz is one mpmath tanh-sinh quadrature at 30 digits, split at f's
kinks k/s1 and at the images k/(s2 c) of g's kinks (where H varies on the scale r/|c|, graded
there). At c = +-1 the integral is E[f(s1 z) g(+-s2 z)] split at both kinks. Values below 1e-300
(softshrink far in its dead zone) are written as 0.
usage: python3 Tests/Generators/pwl-kernels/make_pwl_kernel_references.py
writes pwl_kernel_references.txt here and Tests/MeanFieldTests/Gaussian/PiecewiseLinearKernelReferences.swift
"""
import math, os, sys
from multiprocessing import Pool
import mpmath as mp

mp.mp.dps = 30
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def pieces(spec):
    """(breakpoints, [(a, b)]) of phi, exact in mpmath."""
    name, _, params = spec.partition(":")
    p = dict(kv.split("=") for kv in params.split(",")) if params else {}
    M = mp.mpf
    if name == "hardtanh":
        lo, hi = M(p.get("min", "-1")), M(p.get("max", "1"))
        return [lo, hi], [(lo, M(0)), (M(0), M(1)), (hi, M(0))]
    if name == "relu6":
        return [M(0), M(6)], [(M(0), M(0)), (M(0), M(1)), (M(6), M(0))]
    if name == "hardsigmoid":
        return [M(-3), M(3)], [(M(0), M(0)), (M(1) / 2, M(1) / 6), (M(1), M(0))]
    if name == "softshrink":
        lam = M(p.get("lambda", "0.5"))
        return [-lam, lam], [(lam, M(1)), (M(0), M(0)), (-lam, M(1))]
    if name == "abs":
        return [M(0)], [(M(0), M(-1)), (M(0), M(1))]
    raise ValueError(spec)


def function(spec, order):
    b, pc = pieces(spec)
    if order == 1:
        pc = [(s, mp.mpf(0)) for (_, s) in pc]
    return b, pc


def evaluate(fn, x):
    b, pc = fn
    k = sum(1 for t in b if x >= t)
    a, s = pc[k]
    return a + s * x


def inner(gn, mu, sigma):
    """E[g(V)], V ~ N(mu, sigma^2), sigma > 0."""
    b, pc = gn
    edges = [-mp.inf] + b + [mp.inf]
    total = mp.mpf(0)
    for j, (a, s) in enumerate(pc):
        if a == 0 and s == 0:
            continue
        ta, tb = (edges[j] - mu) / sigma, (edges[j + 1] - mu) / sigma
        P = mp.ncdf(tb) - mp.ncdf(ta)
        da = mp.npdf(ta) if mp.isfinite(ta) else 0
        db = mp.npdf(tb) if mp.isfinite(tb) else 0
        total += a * P + s * (mu * P + sigma * (da - db))
    return total


def kernel(args):
    spec, i, j, q1, q2, c = args
    # The exact binary values the Swift test passes (near |c| = 1, dE[phi'phi']/dc ~ 1/sqrt(1 - c^2):
    # the decimal 0.999999999999 and its double differ by 2e-17, which moves the kernel by 1e-11).
    # ... and the correlation the library sees: the test passes q12 = c*sqrt(q1*q2) and the library
    # divides by sqrt(q1*q2) (q1 when q1 == q2) again, in doubles, which can move c by an ulp.
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
    pts = sorted(x for x in points if abs(x) < 60)
    pts = [mp.mpf(-60)] + [x for x in pts] + [mp.mpf(60)]
    value = mp.mpf(0)
    for a, b in zip(pts, pts[1:]):
        if b > a:
            value += mp.quad(integrand, [a, b])
    return args, value


SPECS = ["hardtanh", "relu6", "hardsigmoid", "softshrink", "abs"]
QS = [(1, 1), ("1e4", "1e4"), ("1e-6", 1)]
CS = ["0", "0.5", "-0.5", "0.99", "-0.99", "0.999999999999", "-0.999999999999", "1", "-1"]
ORDERS = [(0, 0), (1, 1), (0, 1)]


def fmt(x):
    return "0.0" if abs(x) < mp.mpf("1e-300") else mp.nstr(x, 20, min_fixed=1, max_fixed=0)


def main():
    # phi*phi and phi'*phi' (what the recursions ask for) at every c.
    jobs = [(s, i, j, str(q1), str(q2), c) for s in SPECS for (q1, q2) in QS for c in CS for (i, j) in ORDERS
            if (i, j) != (0, 1)]
    with Pool(2) as pool:
        results = pool.map(kernel, jobs, chunksize=4)
    with open(os.path.join(HERE, "pwl_kernel_references.txt"), "w") as out:
        out.write("# spec i j q1 q2 c value   (mpmath %s, 30 digits; see make_pwl_kernel_references.py)\n" % mp.__version__)
        for (s, i, j, q1, q2, c), v in results:
            out.write("%s %d %d %s %s %s %s\n" % (s, i, j, q1, q2, c, mp.nstr(v, 50)))
    order = {0: ".value", 1: ".first"}
    path = os.path.join(ROOT, "Tests", "MeanFieldTests", "Gaussian", "PiecewiseLinearKernelReferences.swift")
    with open(path, "w") as out:
        out.write("// Generated by Tests/Generators/pwl-kernels/make_pwl_kernel_references.py (mpmath %s, 30 digits,\n" % mp.__version__)
        out.write("// 1D tanh-sinh over z of a closed-form conditional expectation). Do not edit.\n")
        out.write("@testable import MeanField\n\n")
        out.write("/// E[phi^(i)(u) phi^(j)(v)] of the piecewise-linear families, variances q1, q2, correlation c.\n")
        out.write("let piecewiseLinearKernelReferences: [TwoDimensionalReference] = [\n")
        for (s, i, j, q1, q2, c), v in results:
            out.write('    .init(spec: "%s", orders: (%s, %s), variance1: %s, variance2: %s, correlation: %s, value: %s),\n'
                      % (s, order[i], order[j], q1 if "." in q1 or "e" in q1 else q1 + ".0",
                         q2 if "." in q2 or "e" in q2 else q2 + ".0", c if "." in c else c + ".0", fmt(v)))
        out.write("]\n")


if __name__ == "__main__":
    main()

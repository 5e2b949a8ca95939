"""References for the bivariate kernels of the piecewise-polynomial families at small |c| (issue #15
item 3: hardtanh, softshrink, hardswish, relu6, hardsigmoid, where the Phi2 closed form declines as
c -> 0 because its value falls below its rounding bound): E[f(u) g(v)], (u, v) ~ N(0, [[q1, c s1 s2],
[c s1 s2, q2]]), f = g in {phi, phi'}, c in {+-1e-1, +-1e-3, +-1e-6, +-1e-12}, q from 1e-6 to 1e4
and unequal pairs.

1. (the reference) Mehler's series E = sum_n c^n A_n B_n / n!, A_n = E[f(s1 z) He_n(z)], with He_n
   expanded in powers of z and A_n summed exactly from the truncated moments E[z^j 1{a <= z < b}] of
   each piece (not from the kink/jump formula of the Swift code), at 100 digits (the expansion of He_n
   cancels: ~n digits are lost at n terms), terms until |c|^(N+1) sqrt(E[f^2] E[g^2])/(1 - |c|)
   < 1e-40 of the sum (Parseval: A_n^2/n! <= E[f^2]);
2. (the check, one c per spec and variance pair) u = s1 z, v = s2 (c z + r w), the inner expectation
   over w in closed form from the truncated moments of the normal, and E = int f(s1 z) H(z) pdf(z) dz
   by mpmath tanh-sinh at 40 digits, split at f's kinks (as
   ../hardswish-kernels/make_hardswish_kernel_references.py); the file records the largest relative
   difference between the two.
usage: python3 Tests/Generators/pwl-small-correlation/make_pwl_small_correlation_references.py
writes pwl_small_correlation_references.txt here and
Tests/MeanFieldTests/Gaussian/PiecewiseSmallCorrelationReferences.swift
"""
import math, os
from multiprocessing import Pool
import mpmath as mp

mp.mp.dps = 40
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def pieces(spec):
    """(breakpoints, [coefficients in ascending powers]) of phi, exact in mpmath."""
    M = mp.mpf
    name, _, params = spec.partition(":")
    p = dict(kv.split("=") for kv in params.split(",")) if params else {}
    if name == "hardtanh":
        lo, hi = M(p.get("min", "-1")), M(p.get("max", "1"))
        return [lo, hi], [[lo], [M(0), M(1)], [hi]]
    if name == "softshrink":
        lam = M(p.get("lambda", "0.5"))
        return [-lam, lam], [[lam, M(1)], [M(0)], [-lam, M(1)]]
    if name == "hardswish":
        return [M(-3), M(3)], [[M(0)], [M(0), M(1) / 2, M(1) / 6], [M(0), M(1)]]
    if name == "relu6":
        return [M(0), M(6)], [[M(0)], [M(0), M(1)], [M(6)]]
    if name == "hardsigmoid":
        return [M(-3), M(3)], [[M(0)], [M(1) / 2, M(1) / 6], [M(1)]]
    raise ValueError(spec)


def derivative(c):
    return [k * c[k] for k in range(1, len(c))] or [mp.mpf(0)]


def function(spec, order):
    b, pc = pieces(spec)
    if order == 1:
        pc = [derivative(c) for c in pc]
    return b, pc


def evaluate(fn, x):
    b, pc = fn
    k = sum(1 for t in b if x >= t)
    return sum(ck * x ** n for n, ck in enumerate(pc[k]))


def truncated(ta, tb, degree):
    """T_j = E[Z^j 1{ta <= Z < tb}], j = 0..degree."""
    da = mp.npdf(ta) if mp.isfinite(ta) else mp.mpf(0)
    db = mp.npdf(tb) if mp.isfinite(tb) else mp.mpf(0)
    T = [mp.ncdf(tb) - mp.ncdf(ta)]
    if degree >= 1:
        T.append(da - db)
    for j in range(2, degree + 1):
        pa = ta ** (j - 1) * da if mp.isfinite(ta) else mp.mpf(0)
        pb = tb ** (j - 1) * db if mp.isfinite(tb) else mp.mpf(0)
        T.append((j - 1) * T[j - 2] + pa - pb)
    return T


def inner(gn, mu, sigma):
    """E[g(V)], V ~ N(mu, sigma^2), sigma > 0."""
    b, pc = gn
    edges = [-mp.inf] + b + [mp.inf]
    total = mp.mpf(0)
    for j, c in enumerate(pc):
        if all(x == 0 for x in c):
            continue
        T = truncated((edges[j] - mu) / sigma, (edges[j + 1] - mu) / sigma, len(c) - 1)
        for k, ck in enumerate(c):
            if ck != 0:
                total += ck * sum(mp.binomial(k, n) * mu ** (k - n) * sigma ** n * T[n] for n in range(k + 1))
    return total


def seen(q1, q2, c):
    """The exact doubles the Swift test passes (q12 = c sqrt(q1 q2)) and the correlation the library
    sees (q12 divided by q1 when q1 == q2, else by sqrt(q1 q2), in doubles)."""
    fq1, fq2, fc = float(q1), float(q2), float(c)
    fq12 = fc * math.sqrt(fq1 * fq2)
    return mp.mpf(fq1), mp.mpf(fq2), mp.mpf(max(-1.0, min(1.0, fq12 / (fq1 if fq1 == fq2 else math.sqrt(fq1 * fq2)))))


def cuts(a, b):
    extra = [mp.mpf(x) for x in [-16, -8, -4, -2, -1, 0, 1, 2, 4, 8, 16] if a < x < b]
    return [a] + extra + [b]


def quadrature_kernel(spec, i, j, q1, q2, c):
    s1, s2 = mp.sqrt(q1), mp.sqrt(q2)
    f, g = function(spec, i), function(spec, j)
    points = set(t / s1 for t in f[0])
    r = mp.sqrt((1 - c) * (1 + c))
    for t in g[0]:
        z0 = t / (s2 * c)
        w = r / abs(c)
        for m in [0, 1, 8, 64]:
            points.add(z0 + m * w); points.add(z0 - m * w)
    integrand = lambda z: evaluate(f, s1 * z) * inner(g, s2 * c * z, s2 * r) * mp.npdf(z)
    pts = sorted(x for x in points if abs(x) < 40)
    pts = [mp.mpf(-40)] + pts + [mp.mpf(40)]
    value = mp.mpf(0)
    for a, b in zip(pts, pts[1:]):
        if b > a:
            for u, v in zip(cuts(a, b), cuts(a, b)[1:]):
                value += mp.quad(integrand, [u, v])
    return value


def hermite_polynomial(n):
    """Coefficients of He_n in ascending powers (exact integers)."""
    h0, h1 = [1], [0, 1]
    if n == 0:
        return h0
    for k in range(1, n):
        nxt = [0] + h1
        for i, x in enumerate(h0):
            nxt[i] -= k * x
        h0, h1 = h1, nxt
    return h1


def hermite_coefficients(fn, s, count):
    """A_n = E[f(s z) He_n(z)], n < count: sum over pieces of sum_k p_k s^k sum_i he_i T_(k+i)."""
    b, pc = fn
    edges = [-mp.inf] + [t / s for t in b] + [mp.inf]
    degree = max(len(c) for c in pc) - 1
    moments = [truncated(edges[j], edges[j + 1], degree + count) for j in range(len(pc))]
    out = []
    for n in range(count):
        he = hermite_polynomial(n)
        total = mp.mpf(0)
        for j, c in enumerate(pc):
            for k, ck in enumerate(c):
                if ck != 0:
                    total += ck * s ** k * mp.fsum(hi * moments[j][k + i] for i, hi in enumerate(he) if hi != 0)
        out.append(total)
    return out


def second_moment(fn, s):
    b, pc = fn
    edges = [-mp.inf] + [t / s for t in b] + [mp.inf]
    total = mp.mpf(0)
    for j, c in enumerate(pc):
        sq = [mp.mpf(0)] * (2 * len(c) - 1)
        for a, x in enumerate(c):
            for bb, y in enumerate(c):
                sq[a + bb] += x * y * s ** (a + bb)
        T = truncated(edges[j], edges[j + 1], len(sq) - 1)
        total += sum(x * T[k] for k, x in enumerate(sq))
    return total


def series_kernel(spec, i, j, q1, q2, c):
    """Mehler's series at 100 digits; the tail after N terms is below |c|^(N+1) sqrt(E[f^2] E[g^2])/(1 - |c|)."""
    with mp.workdps(100):
        f, g = function(spec, i), function(spec, j)
        q1, q2, c = mp.mpf(q1), mp.mpf(q2), mp.mpf(c)
        s1, s2 = mp.sqrt(q1), mp.sqrt(q2)
        bound = mp.sqrt(second_moment(f, s1) * second_moment(g, s2)) / (1 - abs(c))
        count = 2
        while abs(c) ** count * bound > mp.mpf("1e-60") * bound and count < 400:
            count += 1
        A, B = hermite_coefficients(f, s1, count), hermite_coefficients(g, s2, count)
        value = mp.fsum(c ** n * A[n] * B[n] / mp.factorial(n) for n in range(count))
        tail = abs(c) ** count * bound
        # (values below 1e-300 are written as 0: there only the tail must be negligible in doubles)
        assert tail < max(mp.mpf("1e-40") * abs(value), mp.mpf("1e-330")), (spec, i, j, q1, q2, c, value, tail)
        return +value


def kernel(args):
    spec, i, j, q1, q2, c = args
    mq1, mq2, mc = seen(q1, q2, c)
    value = series_kernel(spec, i, j, mq1, mq2, mc)
    check = quadrature_kernel(spec, i, j, mq1, mq2, mc) if c == "-1e-3" else None
    return args, value, check


SPECS = ["hardtanh", "softshrink", "hardswish", "relu6", "hardsigmoid"]
QS = [("1e-6", "1e-6"), ("0.1", "0.1"), ("10", "10"), ("1e2", "1e2"), ("1e4", "1e4"), ("0.1", "10"), ("1e2", "1e4")]
CS = ["0.1", "-0.1", "1e-3", "-1e-3", "1e-6", "-1e-6", "1e-12", "-1e-12"]
ORDERS = [(0, 0), (1, 1)]


def fmt(x):
    return "0.0" if abs(x) < mp.mpf("1e-300") else mp.nstr(x, 20, min_fixed=1, max_fixed=0)


def main():
    jobs = [(s, i, j, q1, q2, c) for s in SPECS for (q1, q2) in QS for c in CS for (i, j) in ORDERS]
    with Pool(2) as pool:
        results = pool.map(kernel, jobs, chunksize=4)
    # (values below 1e-300, written as 0, are left out: the quadrature's range +-40 does not reach them)
    worst = max(abs(ch - v) / abs(v) for _, v, ch in results if ch is not None and abs(v) > mp.mpf("1e-300"))
    checked = sum(1 for _, v, ch in results if ch is not None and abs(v) > mp.mpf("1e-300"))
    with open(os.path.join(HERE, "pwl_small_correlation_references.txt"), "w") as out:
        out.write("# spec i j q1 q2 c value   (mpmath %s, 30 digits shown; see make_pwl_small_correlation_references.py)\n" % mp.__version__)
        out.write("# largest relative difference of the 1D quadrature check (%d values at c = -1e-3): %s\n" % (checked, mp.nstr(worst, 5)))
        for (s, i, j, q1, q2, c), v, _ in results:
            out.write("%s %d %d %s %s %s %s\n" % (s, i, j, q1, q2, c, mp.nstr(v, 30)))
    order = {0: ".value", 1: ".first"}
    path = os.path.join(ROOT, "Tests", "MeanFieldTests", "Gaussian", "PiecewiseSmallCorrelationReferences.swift")
    with open(path, "w") as out:
        out.write("// Generated by Tests/Generators/pwl-small-correlation/make_pwl_small_correlation_references.py\n")
        out.write("// (mpmath %s, Mehler's series at 100 digits with coefficients from truncated moments; checked at\n" % mp.__version__)
        out.write("// c = -1e-3 against a 1D tanh-sinh quadrature, largest relative difference %s). Do not edit.\n" % mp.nstr(worst, 3))
        out.write("@testable import MeanField\n\n")
        out.write("/// E[phi^(i)(u) phi^(i)(v)] of the piecewise-polynomial families at small |c|; variances q1, q2, correlation c.\n")
        out.write("let piecewiseSmallCorrelationReferences: [TwoDimensionalReference] = [\n")
        for (s, i, j, q1, q2, c), v, _ in results:
            def lit(x):
                return x if ("." in x or "e" in x) else x + ".0"
            out.write('    .init(spec: "%s", orders: (%s, %s), variance1: %s, variance2: %s, correlation: %s, value: %s),\n'
                      % (s, order[i], order[j], lit(q1), lit(q2), lit(c), fmt(v)))
        out.write("]\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""30-digit mpmath references for the bivariate normal CDF and the exact bivariate kernels of
elu/selu/celu (SPEC §8). Writes Tests/MeanFieldTests/Gaussian/BivariateReferences.swift and
the raw table bivariate_references.txt next to this script.

Independent of the Swift code's formulas:
- Phi2(h, k; rho) = int_{-inf}^{h} phi(x) Phi((k - rho x)/sqrt(1 - rho^2)) dx  (the conditional form,
  not Plackett's), Gauss-Legendre and tanh-sinh (must agree to 1e-15, else left out), split at x = k/rho and graded
  towards it and towards h;
- E[f(u) g(v)] in whitened coordinates u = s1 z1, v = s2 (c z1 + r z2): the inner integral over z2
  is the 1D closed form of E[g(a + bZ)] (half-line Gaussian moments, erfc), the outer one tanh-sinh
  over z1 split at 0 and graded towards it on the scales 1/s1, r/|c|, 1/(k s2 |c|).
Every input is a double; c is the double the Swift code computes, q12 / sqrt(q1 q2) (IEEE
division and sqrt, identical in Python), and the reference is the exact value at that double.
usage: python3 make_bivariate_references.py [--reuse-kernels]   (about fifteen minutes on 2 cores;
       --reuse-kernels keeps the kernel lines of bivariate_references.txt and redoes Phi2 only)
"""
import math, os, sys
from multiprocessing import Pool
import mpmath as mp

mp.mp.dps = 24
METHOD = "gauss-legendre"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "MeanFieldTests", "Gaussian", "BivariateReferences.swift")
L01 = mp.mpf("1.0507009873554804934193349852946")
A01 = mp.mpf("1.6732632423543772848170429916717")

def graded(centre, h, lo, hi):
    pts = set()
    w = h
    while w < 8:
        pts |= {centre - w, centre + w}; w *= 2
    return [p for p in pts if lo < p < hi]

# ---------- Phi2 ----------
def phi2(h, k, rho):
    """In x = h - t, t >= 0: the density falls like e^(-|h| t) from t = 0, so the breakpoints are
    graded on the scale 1/max(1, |h|) from t = 0 (and around the inner step at x = k/rho, width
    r/|rho|); Gauss-Legendre on each piece, checked against tanh-sinh."""
    h, k, rho = mp.mpf(h), mp.mpf(k), mp.mpf(rho)
    r = mp.sqrt((1 - rho) * (1 + rho))
    # Scaled by 1/phi(h) (mp.quad's tolerance is absolute): phi(h - t)/phi(h) = e^(h t - t^2/2).
    f = lambda t: mp.exp(h * t - t * t / 2) * mp.ncdf((k - rho * (h - t)) / r)
    scale = 1 / max(1, abs(h))
    pts = set([mp.mpf(0)])
    w = scale / 64
    while w < 80:
        pts.add(w); w *= 2
    if rho != 0:
        step = h - k / rho
        if step > 0:
            pts |= set(p for p in graded(step, r / abs(rho), 0, mp.inf) if p > 0)
            pts.add(step)
    pts = sorted(pts)
    pts = [p for p in pts if p < 100] + [mp.mpf(100)]   # beyond t = 100 the density is < e^-5000 of its value at t = 0
    a = mp.quad(f, pts, method="gauss-legendre")
    b = mp.quad(f, pts, method="tanh-sinh")
    if abs(a - b) > mp.mpf("1e-15") * abs(a):
        return None   # the two rules disagree: not resolved here, left out (listed in the raw table)
    return mp.npdf(h) * a

# ---------- elu family ----------
def params(name):
    if name == "elu:alpha=1": return (1, 1, 1)            # positive slope a, amplitude A, rate k
    if name == "elu:alpha=0.5": return (1, mp.mpf("0.5"), 1)
    if name == "selu": return (L01, L01 * A01, 1)
    if name == "celu:alpha=2": return (1, 2, mp.mpf("0.5"))
    if name == "celu:alpha=0.5": return (1, mp.mpf("0.5"), 2)
    raise ValueError(name)

def phi(name, order, x):
    a, A, k = params(name)
    if x >= 0: return [a * x, a, 0][order]
    return [A * mp.expm1(k * x), A * k * mp.exp(k * x), A * k * k * mp.exp(k * x)][order]

def inner(name, order, m, b):
    """E[phi^(order)(m + b Z)]."""
    a, A, k = params(name)
    t = m / b
    Pp, Pm = mp.ncdf(t), mp.ncdf(-t)
    J = mp.exp(k * m + k * k * b * b / 2) * mp.ncdf(-(m + k * b * b) / b)
    if order == 0: return a * (m * Pp + b * mp.npdf(t)) + A * (J - Pm)
    if order == 1: return a * Pp + A * k * J
    return A * k * k * J

def kernel(name, i, j, q1, q2, c):
    a, A, k = params(name)
    q1, q2, c = mp.mpf(q1), mp.mpf(q2), mp.mpf(c)
    s1, s2 = mp.sqrt(q1), mp.sqrt(q2)
    r = mp.sqrt((1 - c) * (1 + c))
    if r == 0:
        return mp.quad(lambda z: phi(name, i, s1 * z) * phi(name, j, c * s2 * z) * mp.npdf(z),
                       [-mp.inf] + sorted(set(graded(0, 1 / s1, -40, 40) + [-40, 0, 40])) + [mp.inf])
    Z = 40
    pts = set([-Z, 0, Z]) | set(graded(0, min(1, 1 / (k * s1)), -Z, Z))
    if c != 0:
        pts |= set(graded(0, r / abs(c), -Z, Z)) | set(graded(0, min(1, 1 / (k * s2 * abs(c))), -Z, Z))
    pts = sorted(pts)
    f = lambda z1: phi(name, i, s1 * z1) * inner(name, j, s2 * c * z1, s2 * r) * mp.npdf(z1)
    return mp.quad(f, [-mp.inf] + pts + [mp.inf], method=METHOD)

ACTS = ["elu:alpha=1", "elu:alpha=0.5", "selu", "celu:alpha=2"]
VARS = [(1e-6, 1e-6), (1e-2, 3e-2), (1.0, 1.0), (1.0, 4.0), (100.0, 100.0), (1e4, 1e4), (1e4, 25.0)]
CORRS = [-1 + 1e-12, -0.9, -0.3, 0.5, 0.99, 1 - 1e-12, -1.0]
ORDERS = [(0, 0), (1, 1), (0, 1)]
PHI2_H = [-37.0, -20.0, -5.0, -1.0, 0.0, 0.5, 3.0, 8.0]
PHI2_RHO = [-1 + 1e-12, -0.99, -0.5, 0.0, 0.3, 0.9, 1 - 1e-12]

def kernel_job(args):
    name, (i, j), (q1, q2), c0 = args
    q12 = c0 * math.sqrt(q1 * q2) if q1 != q2 else c0 * q1
    gm = q1 if q1 == q2 else math.sqrt(q1 * q2)
    c = max(-1.0, min(1.0, q12 / gm))
    return ("K", name, i, j, q1, q12, q2, c, kernel(name, i, j, q1, q2, c))

def phi2_job(args):
    h, k, rho = args
    # 45 digits: k - rho h cancels ~12 digits at rho = 1 - 1e-12.
    with mp.workdps(45):
        value = phi2(h, k, rho)
    return ("P", h, k, rho, value)

def main():
    jobs_p = [(h, k, rho) for h in PHI2_H for k in PHI2_H for rho in PHI2_RHO if h <= k]
    jobs_k = [(n, o, v, c) for n in ACTS for v in VARS for c in CORRS for o in ORDERS
              if not (v == (1e-2, 3e-2) and n != "celu:alpha=2")]
    jobs_k += [(n, (2, 2), (1.0, 4.0), c) for n in ACTS for c in [-0.3, 0.5]]
    raw_path = os.path.join(HERE, "bivariate_references.txt")
    with Pool(2) as pool:
        ps = pool.map(phi2_job, jobs_p, chunksize=4)
        if "--reuse-kernels" in sys.argv and os.path.exists(raw_path):
            # Kernel lines of a previous run (the slow part), unchanged.
            ks = []
            for line in open(raw_path):
                f = line.split()
                if f and f[0] == "K":
                    ks.append(("K", f[1], int(f[2]), int(f[3]), float(f[4]), float(f[5]), float(f[6]), float(f[7]), mp.mpf(f[8])))
        else:
            ks = pool.map(kernel_job, jobs_k, chunksize=4)
    order = [".value", ".first", ".second"]
    lines = ["// Generated by Tests/Generators/BivariateKernels/make_bivariate_references.py (mpmath %s, %d digits)." % (mp.__version__, mp.mp.dps),
             "// Phi2 by the conditional integral; kernels by 1D closed-form inner integrals. Do not edit.",
             "@testable import MeanField", "",
             "struct BivariateCDFReference: Sendable { let h: Double, k: Double, rho: Double, value: Double }",
             "struct ExponentialKernelReference: Sendable {",
             "    let spec: String, orders: (DerivativeOrder, DerivativeOrder)",
             "    let variance1: Double, covariance: Double, variance2: Double, correlation: Double, value: Double",
             "}", "",
             "let bivariateCDFReferences: [BivariateCDFReference] = ["]
    raw = []
    for _, h, k, rho, v in ps:
        if v is None:
            raw.append("P %r %r %r unresolved" % (h, k, rho)); continue
        if v < mp.mpf("1e-300"): continue
        lines.append("    .init(h: %r, k: %r, rho: %r, value: %s)," % (h, k, rho, mp.nstr(v, 20, min_fixed=1, max_fixed=0)))
        raw.append("P %r %r %r %s" % (h, k, rho, mp.nstr(v, 30)))
    lines += ["]", "", "let exponentialKernelReferences: [ExponentialKernelReference] = ["]
    for _, name, i, j, q1, q12, q2, c, v in ks:
        lines.append('    .init(spec: "%s", orders: (%s, %s), variance1: %r, covariance: %r, variance2: %r, correlation: %r, value: %s),'
                     % (name, order[i], order[j], q1, q12, q2, c, mp.nstr(v, 20, min_fixed=1, max_fixed=0)))
        raw.append("K %s %d %d %r %r %r %r %s" % (name, i, j, q1, q12, q2, c, mp.nstr(v, 30)))
    lines.append("]")
    open(OUT, "w").write("\n".join(lines) + "\n")
    open(os.path.join(HERE, "bivariate_references.txt"), "w").write("\n".join(raw) + "\n")

if __name__ == "__main__":
    main()

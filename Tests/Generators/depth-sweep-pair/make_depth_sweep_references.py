#!/usr/bin/env python3
"""32-digit mpmath references that arbitrate the depth sweep's kernel pair (issue #15 W2b): which of the
exponential family's two closed-form routes -- the tilted-orthant integrals
(PiecewiseForm.exponentialBivariateExpectations) or the five-Phi2 Drezner-Wesolowsky pair
(PiecewiseForm.exponentialKernelPair, KernelEvaluator.closedFormPair) -- is closer to the exact
(E[phi(u)phi(v)], E[phi'(u)phi'(v)]) at the points `depth-sweep --model gaussian --q0 1 --c0 0.5
--layers 200` visits, near c = 0 and elsewhere.

The values are the tilted-orthant identities (five Phi2, Stein's identity under the tilted measure;
the same algebra as the Swift pair, but each Phi2 as the Drezner integral done by mpmath at 32 digits, no
fixed rule), and every eighth point is recomputed by the independent whitened 1D-inner-integral form of
../BivariateKernels/make_bivariate_references.py (closed-form inner integral over z2, quadrature over z1
split at the kink), which must agree to 1e-25 of the kernel's scale (it does to ~1e-31). The activations' parameters
are the doubles mfsim uses (selu:lambda=1.0507009873554805,alpha=1.6732632423543772).

Writes
- references.txt, lines "T spec layer q q12 c chi_c K D": the exact trajectories (q_l, q12_l, c_l, chi_c,l) of Model B's recursion
  q_l = w2 E_q[phi^2] + b2, q12_l = w2 E[phi(u)phi(v)] + b2, c_l = q12_l/q_l, chi_c = w2 E[phi'(u)phi'(v)]
  from the double inputs (w2 the double mfsim prints in the JSON meta);
- references.txt, lines "P spec q c K D": K = E[phi phi] and D = E[phi' phi'] at double (q, c): every tenth layer of the
  trajectories (c rounded to the double nearest the exact c_l) and a grid near c = 0 and elsewhere;
- ../../MeanFieldTests/SignalPropagation/DepthSweepReferences.swift: both as Swift literals.
usage: python3 make_depth_sweep_references.py   (~3 minutes on 2 cores)
"""
import math, os, sys
from multiprocessing import Pool
import mpmath as mp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "BivariateKernels"))
import make_bivariate_references as base

DPS = 32
OUT = os.path.join(HERE, "..", "..", "MeanFieldTests", "SignalPropagation", "DepthSweepReferences.swift")

# (spec as mfsim prints it, positive slope, amplitude, rate), parameters as the doubles mfsim holds.
SELU_L, SELU_A = 1.0507009873554805, 1.6732632423543772
PARAMS = {
    "elu:alpha=1": (1, 1, 1),
    "selu": (mp.mpf(SELU_L), mp.mpf(SELU_L) * mp.mpf(SELU_A), 1),
    "celu:alpha=0.5": (1, mp.mpf("0.5"), 2),
}
base.params = lambda name: PARAMS[name]

# The W2b sweeps (w2 as printed in mfsim's JSON meta, sigma_b2 = 0, q0 = 1, c0 = 0.5, 200 layers), and one
# ordered sweep whose c crosses 0.
SWEEPS = [("elu:alpha=1", 1.5505188080679275, 0.0, 1.0, 0.5, 200),
          ("selu", 1.0000000000000002, 0.0, 1.0, 0.5, 200),
          # Ordered, q from 2 down to ~0.02, c through 0 near layer 9 (DepthSweepKernelPairTests).
          ("elu:alpha=1", 0.9, 0.001, 2.0, -0.4, 60)]
GRID_Q = [0.05, 0.3, 1.0, 4.0, 15.0]        # k*sqrt(q) from 0.22 to 3.9 (the Phi2 pair's box)
GRID_C = [-0.9, -0.5, -0.1, -0.01, -1e-3, -1e-6, 0.0, 1e-6, 1e-3, 0.002, 0.01, 0.03, 0.1, 0.3, 0.6, 0.9]

def second_moment(name, q):
    s = mp.sqrt(mp.mpf(q))
    f = lambda z: base.phi(name, 0, s * z) ** 2 * mp.npdf(z)
    return mp.quad(f, [-mp.inf, -40, -8, -2, 0]) + mp.quad(f, [0, 2, 8, 40, mp.inf])

def whitened(name, q, c, method="gauss-legendre"):
    """The independent form (make_bivariate_references.kernel): slow, ~1 s a pair."""
    base.METHOD = method
    return base.kernel(name, 0, 0, q, q, c), base.kernel(name, 1, 1, q, q, c)

def phi2(h, k, rho):
    """Phi2(h, k; rho) = Phi(h)Phi(k) + (1/2pi) int_0^asin(rho) exp(-(h^2 - 2hk sin t + k^2)/(2cos^2 t)) dt."""
    f = lambda t: mp.exp(-(h * h - 2 * h * k * mp.sin(t) + k * k) / (2 * mp.cos(t) ** 2))
    return mp.ncdf(h) * mp.ncdf(k) + mp.quad(f, [0, mp.asin(rho)]) / (2 * mp.pi)

def kernels(name, q, c):
    """(E[phi(u)phi(v)], E[phi'(u)phi'(v)]) at equal variances q by the tilted-orthant identities
    (Stein's identity under the tilted measure; five Phi2), evaluated at DPS digits; checked against
    the independent whitened form `whitened` on a subset of the points (main)."""
    a, A, k = base.params(name)
    q, c = mp.mpf(q), mp.mpf(c)
    s = mp.sqrt(q); t = k * s
    r = mp.sqrt((1 - c) * (1 + c))
    T0 = mp.exp(t * t * (1 + c)) * phi2(-t * (1 + c), -t * (1 + c), c)
    T1 = mp.exp(t * t / 2) * phi2(-t, -c * t, c)
    W1 = mp.exp(t * t / 2) * phi2(-t, c * t, -c)
    angle = mp.acos(-c)
    erfcx = lambda x: mp.exp(x * x) * mp.erfc(x)
    linear = s * (c * t * W1 + (erfcx(t * r / mp.sqrt(2)) - 1) / (2 * mp.sqrt(2 * mp.pi)))
    K = a * a * q * (mp.sin(angle) - angle * mp.cos(angle)) / (2 * mp.pi) + 2 * a * A * linear \
        + A * A * (T0 - 2 * T1 + angle / (2 * mp.pi))
    D = a * a * angle / (2 * mp.pi) + 2 * a * A * k * W1 + A * A * k * k * T0
    return K, D

def trajectory(args):
    name, w2, b2, q0, c0, layers = args
    mp.mp.dps = DPS
    w2, b2 = mp.mpf(w2), mp.mpf(b2)
    q, c = mp.mpf(q0), mp.mpf(c0)
    q12 = c * q
    rows = []
    for layer in range(layers + 1):
        if layer > 0:
            q, q12 = w2 * second_moment(name, q) + b2, w2 * K + b2
            c = q12 / q
        K, D = kernels(name, q, c)
        rows.append((layer, q, q12, c, w2 * D, K, D))
    return name, rows

def point(args):
    name, q, c = args
    mp.mp.dps = DPS
    K, D = kernels(name, q, c)
    return name, q, c, K, D

def check(args):
    """The independent whitened form at one point: must agree to 1e-25 of the scales E_q[phi^2] (K, which
    vanishes at c = 0 for selu) and |D|."""
    name, q, c, K, D = args
    mp.mp.dps = DPS
    K2, D2 = whitened(name, q, c)
    return max(abs(K2 - K) / second_moment(name, q), abs(D2 - D) / abs(D))

def main():
    mp.mp.dps = DPS
    with Pool(2) as pool:
        trajectories = pool.map(trajectory, SWEEPS, chunksize=1)
        jobs = []
        for name, rows in trajectories[:2]:
            for layer, q, q12, c, chic, K, D in rows:
                if layer % 10 == 0:
                    jobs.append((name, float(q), float(c)))
        jobs += [(n, q, c) for n in ["elu:alpha=1", "selu"] for q in GRID_Q for c in GRID_C]
        jobs += [("celu:alpha=0.5", q, c) for q in [0.05, 0.5] for c in [-0.01, 0.0, 1e-3, 0.01, 0.5]]
        points = pool.map(point, jobs, chunksize=2)
        worst = max(pool.map(check, points[::8], chunksize=1))
    assert worst < mp.mpf("1e-25"), worst
    fmt = lambda x: mp.nstr(x, 30, min_fixed=1, max_fixed=0)
    raw = ["# mpmath %s, %d digits; tilted-orthant form vs the whitened form on every eighth point: %s" % (mp.__version__, DPS, mp.nstr(worst, 3))]
    lines = ["// Generated by Tests/Generators/depth-sweep-pair/make_depth_sweep_references.py (mpmath %s, %d digits). Do not edit." % (mp.__version__, DPS),
             "// Exact Model B trajectories of the W2b depth sweep and exact (E[φφ], E[φ'φ']) at double (q, c).",
             "@testable import MeanField", "",
             "struct DepthSweepReferenceRow: Sendable { let layer: Int, q: Double, q12: Double, c: Double, chiC: Double }",
             "struct KernelPairReference: Sendable { let spec: String, variance: Double, correlation: Double, kernel: Double, derivative: Double }",
             "",
             "let depthSweepReferences: [(spec: String, sigmaW2: Double, sigmaB2: Double, q0: Double, c0: Double, rows: [DepthSweepReferenceRow])] = ["]
    for (name, rows), sweep in zip(trajectories, SWEEPS):
        lines.append('    ("%s", %r, %r, %r, %r, [' % (name, sweep[1], sweep[2], sweep[3], sweep[4]))
        for layer, q, q12, c, chic, K, D in rows:
            lines.append("        .init(layer: %d, q: %s, q12: %s, c: %s, chiC: %s)," % (layer, fmt(q), fmt(q12), fmt(c), fmt(chic)))
            raw.append("T %s %d %s %s %s %s %s %s" % (name, layer, fmt(q), fmt(q12), fmt(c), fmt(chic), fmt(K), fmt(D)))
        lines.append("    ]),")
    lines += ["]", "", "let kernelPairReferences: [KernelPairReference] = ["]
    for name, q, c, K, D in points:
        lines.append('    .init(spec: "%s", variance: %r, correlation: %r, kernel: %s, derivative: %s),' % (name, q, c, fmt(K), fmt(D)))
        raw.append("P %s %r %r %s %s" % (name, q, c, fmt(K), fmt(D)))
    lines.append("]")
    open(OUT, "w").write("\n".join(lines) + "\n")
    open(os.path.join(HERE, "references.txt"), "w").write("\n".join(raw) + "\n")

if __name__ == "__main__":
    main()

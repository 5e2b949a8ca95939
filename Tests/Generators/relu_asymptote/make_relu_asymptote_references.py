#!/usr/bin/env python3
"""References for the bivariate kernels E[phi(u)phi(v)] and E[phi'(u)phi'(v)] of the smooth activations
with a relu asymptote (silu, softplus, mish, gelu_tanh, logsigmoid) or a sign asymptote (tanh; tanhshrink =
x - tanh x), (u, v) zero-mean with variances
q1, q2 and covariance q12, at q in [1, 1e4] and c in [-1, 1] including +-(1 - 1e-12).

Independent of the Swift route (which splits phi = relu + residual): here the FULL phi is integrated,
in whitened coordinates u = s1 z1, v = s2 (c z1 + r z2), r = sqrt(1 - c^2),
    E[f(u) f(v)] = int dz1 N(z1) f(s1 z1) int dz2 N(z2) f(s2 c z1 + s2 r z2),
by composite 30-point Gauss-Legendre panels in x87 extended precision (numpy.longdouble, 64-bit
significand), graded towards the points where f(.) bends (z1 = 0 on the scale 1/s1 and 1/(s2|c|);
z2 = -c z1/r on the scale 1/(s2 r)), on [-13, 13] in each variable. Each value is computed twice
(panels halved) and kept only if the two agree to 1e-15 relative (or 1e-17 absolute); a few are
cross-checked against mpmath's mp.quad at 25 digits (printed; a mismatch above 1e-14 stops the script).
Every input is a double; c = q12/sqrt(q1 q2) with q12 = c*sqrt(q1 q2) formed in IEEE doubles exactly
as the Swift test forms it.
Writes Tests/MeanFieldTests/Kernels/ReluAsymptoteReferences.swift and relu_asymptote_references.txt.
usage: python3 make_relu_asymptote_references.py            (everything; numpy, mpmath; ~30 min of CPU)
       python3 make_relu_asymptote_references.py run NAME   (one activation's rows_NAME.txt; run in parallel)
       python3 make_relu_asymptote_references.py write      (the Swift file from the rows_*.txt present)
       python3 make_relu_asymptote_references.py check      (only the mpmath cross-checks; output in mpmath_check.txt)
       python3 make_relu_asymptote_references.py run-edges NAME  (rows_NAME.txt with the c = +-(1 - 1e-12) rows only,
                                                              by the 1D mpmath route of `edges`; tanh, tanhshrink)
       python3 make_relu_asymptote_references.py edges      (every row at c = +-(1 - 1e-12) against a 1D mpmath
                                                              value at c = +-1 plus its first-order term; edge_check.txt)
"""
import math, os, sys
import numpy as np
import mpmath as mp

L = np.longdouble
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "MeanFieldTests", "Kernels", "ReluAsymptoteReferences.swift")
X30, W30 = np.polynomial.legendre.leggauss(30)
X30, W30 = X30.astype(L), W30.astype(L)
K = L("0.79788456080286535587989211986876373695")  # sqrt(2/pi)
A = L("0.044715")
SQ2PI = L("2.50662827463100050241576528481104525301")

def sig(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))

def f(name, order, x):
    x = np.asarray(x, dtype=L)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        if name == "silu":
            s, t = sig(x), sig(-x)
            return x * s if order == 0 else s + x * s * t
        if name == "softplus":
            return (np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))) if order == 0 else sig(x)
        if name == "logsigmoid":
            return (np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))) if order == 0 else sig(-x)
        if name == "mish":
            sp = np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
            t = np.tanh(sp)
            if order == 0:
                return x * t
            ch = np.cosh(sp)
            return t + x * sig(x) / (ch * ch)
        if name == "gelu_tanh":
            u = K * (x + A * x * x * x)
            s, t = sig(2 * u), sig(-2 * u)
            if order == 0:
                return x * s
            return s + 2 * x * s * t * K * (1 + 3 * A * x * x)
        if name in ("tanh", "tanhshrink"):
            e = np.exp(-2 * np.abs(x))
            t = np.sign(x) * (1 - e) / (1 + e)
            if name == "tanh":
                return t if order == 0 else 4 * e / ((1 + e) * (1 + e))
            return x - t if order == 0 else t * t
    raise ValueError(name)

def graded(centre, finest, lo, hi):
    pts = {lo, hi}
    if lo < centre < hi:
        pts.add(centre)
    w = finest
    while w < hi - lo:
        for p in (centre - w, centre + w):
            if lo < p < hi:
                pts.add(p)
        w *= 2
    for p in range(int(lo), int(hi) + 1):
        if lo < p < hi:
            pts.add(L(p))
    return sorted(pts)

def nodes(pts, halve):
    xs, ws = [], []
    for a, b in zip(pts, pts[1:]):
        pieces = [(a, b)] if not halve else [(a, (a + b) / 2), ((a + b) / 2, b)]
        for lo, hi in pieces:
            h = (hi - lo) / 2
            xs.append(lo + h * (X30 + 1)); ws.append(h * W30)
    return np.concatenate(xs), np.concatenate(ws)

def kernel(name, order, q1, q12, q2, halve=False):
    s1, s2 = np.sqrt(L(q1)), np.sqrt(L(q2))
    c = L(q12) / (s1 * s2)
    c = min(max(c, L(-1)), L(1))
    r = np.sqrt((1 - c) * (1 + c))
    w1 = min(L(1), 1 / s1, 1 / (s2 * abs(c)) if c != 0 else L(1)) / 8
    z1, a1 = nodes(graded(L(0), w1, L(-13), L(13)), halve)
    total = L(0)
    outer = f(name, order, s1 * z1) * np.exp(-z1 * z1 / 2) / SQ2PI * a1
    for z, wt in zip(z1, outer):
        m = s2 * c * z
        if r == 0:
            inner = f(name, order, m)
        else:
            width = s2 * r
            z0 = -m / width
            finest = min(L(1), 1 / width) / 8
            zs, ws = nodes(graded(z0 if -13 < z0 < 13 else L(0), finest, L(-13), L(13)), halve)
            inner = np.sum(f(name, order, m + width * zs) * np.exp(-zs * zs / 2) * ws) / SQ2PI
        total += wt * inner
    return total

def mp_kernel(name, order, q1, q12, q2):
    mp.mp.dps = 25
    s1, s2 = mp.sqrt(q1), mp.sqrt(q2)
    c = mp.mpf(q12) / (s1 * s2)
    r = mp.sqrt((1 - c) * (1 + c))
    def g(x):
        x = mp.mpf(x)
        if name == "silu":
            s = 1 / (1 + mp.exp(-x)); return x * s if order == 0 else s + x * s * (1 - s)
        if name == "softplus":
            return mp.log1p(mp.exp(x)) if order == 0 else 1 / (1 + mp.exp(-x))
    def outer(z1):
        m, width = s2 * c * z1, s2 * r
        z0 = -m / width
        pts = sorted({mp.mpf(-13), mp.mpf(13)} | ({z0} if -13 < z0 < 13 else set()))
        inner = mp.quad(lambda z2: g(m + width * z2) * mp.npdf(z2), pts)
        return g(s1 * z1) * inner * mp.npdf(z1)
    return mp.quad(outer, [-13, -1, -0.1, 0, 0.1, 1, 13])

ACTS = ["silu", "softplus", "mish", "gelu_tanh", "logsigmoid", "tanh", "tanhshrink"]
# tanh and tanhshrink (x - tanh x) are served by the sign-asymptote split (SignAsymptoteKernels.swift):
# tanh = sgn + (tanh - sgn), tanhshrink's kernels from tanh's by Stein's identity.
PAIRS = [(2.5, 1.0), (100.0, 400.0), (1e4, 1e4), (1.0, 1e4)]
CORRS = [-1.0 + 1e-12, -0.5, 0.5, 1.0 - 1e-12]
# logsigmoid(x) = -softplus(-x) has exactly softplus's kernels; its rows are computed from its own
# formula all the same (an independent check of the identity the Swift route uses).

def run(name):
    rows = []
    for q1, q2 in PAIRS:
        for c in CORRS:
            q12 = c * math.sqrt(q1 * q2)
            vals = []
            for order in (0, 1):
                a, b = kernel(name, order, q1, q12, q2), kernel(name, order, q1, q12, q2, halve=True)
                if abs(a - b) > max(L(1e-15) * abs(b), L(1e-17)):
                    print(f"skip {name} {order} {q1} {c} {q2}: {a} vs {b}", file=sys.stderr)
                    vals = None; break
                vals.append(b)
            if vals:
                rows.append((name, q1, c, q2, vals[0], vals[1]))
    with open(os.path.join(HERE, f"rows_{name}.txt"), "w") as fh:
        for row in rows:
            fh.write(" ".join([row[0]] + [repr(x) for x in row[1:4]] + [np.format_float_scientific(x, precision=19) for x in row[4:]]) + "\n")

def main():
    # `make_relu_asymptote_references.py run NAME` computes one activation's rows (run them in parallel);
    # without arguments: the mpmath cross-checks, then every activation, then the Swift file.
    if len(sys.argv) == 3 and sys.argv[1] == "run":
        run(sys.argv[2]); return
    if len(sys.argv) == 2 and sys.argv[1] == "write":
        return write()
    if len(sys.argv) == 2 and sys.argv[1] == "edges":
        return check_edges()
    if len(sys.argv) == 3 and sys.argv[1] == "run-edges":
        return run_edges(sys.argv[2])
    check()
    for name in ACTS:
        run(name)
    check_edges()
    write()

def mp_phi(name, x):
    if name == "silu":
        return x / (1 + mp.exp(-x))
    if name == "softplus":
        return mp.log1p(mp.exp(x))
    if name == "logsigmoid":
        return -mp.log1p(mp.exp(-x))
    if name == "mish":
        return x * mp.tanh(mp.log1p(mp.exp(x)))
    if name == "gelu_tanh":
        return x / 2 * (1 + mp.tanh(mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x ** 3)))
    if name == "tanh":
        return mp.tanh(x)
    if name == "tanhshrink":
        return x - mp.tanh(x)
    raise ValueError(name)

def mp_edge(name, q1, c, q2):
    """Independent value of a row at c = +-(1 - eps): the 1D expectation at c = +-1 by mp.quad (30 digits)
    plus the first-order term eps * sqrt(q1 q2) E[phi^(k+1)(u) phi^(k+1)(v)] (dK/dc; needs only a few digits,
    it is ~1e-12 of the value), v = +-sqrt(q2/q1) u."""
    mp.mp.dps = 30
    q12 = c * math.sqrt(q1 * q2)                   # the double the Swift test forms
    s1, s2 = mp.sqrt(q1), mp.sqrt(q2)
    cc = mp.mpf(q12) / (s1 * s2)
    sign = 1 if cc > 0 else -1
    eps = 1 - abs(cc)
    fine = 1 / max(s1, s2)
    pts = {mp.mpf(0), mp.mpf(-14), mp.mpf(14)}
    w = fine
    while w < 14:
        pts |= {w, -w}; w *= 4
    pts = sorted(pts)
    d = lambda x, k: mp_phi(name, x) if k == 0 else mp.diff(lambda y: mp_phi(name, y), x, k)
    out = []
    for order in (0, 1):
        base = mp.quad(lambda z: d(s1 * z, order) * d(sign * s2 * z, order) * mp.npdf(z), pts)
        mp.mp.dps = 15
        slope = mp.quad(lambda z: d(s1 * z, order + 1) * d(sign * s2 * z, order + 1) * mp.npdf(z), pts)
        mp.mp.dps = 30
        out.append(base - sign * eps * s1 * s2 * slope)
    return out

def run_edges(name):
    """rows_NAME.txt with only the rows at c = +-(1 - 1e-12), from mp_edge (minutes instead of the
    nested quadrature's hour on a loaded machine; used for tanh and tanhshrink)."""
    rows = []
    for q1, q2 in PAIRS:
        for c in CORRS:
            if abs(c) < 0.9:
                continue
            k, d = mp_edge(name, q1, c, q2)
            rows.append(f"{name} {q1!r} {c!r} {q2!r} {mp.nstr(k, 20, min_fixed=1, max_fixed=0)} {mp.nstr(d, 20, min_fixed=1, max_fixed=0)}")
            print(rows[-1], flush=True)
    with open(os.path.join(HERE, f"rows_{name}.txt"), "w") as fh:
        fh.write("\n".join(rows) + "\n")

def check_edges():
    """Every row at c = +-(1 - 1e-12) against mp_edge; a mismatch above 1e-14 relative stops the script."""
    lines = []
    for name in ACTS:
        path = os.path.join(HERE, f"rows_{name}.txt")
        if not os.path.exists(path):
            continue
        for line in open(path):
            t = line.split()
            q1, c, q2 = float(t[1]), float(t[2]), float(t[3])
            if abs(c) < 0.9:
                continue
            ref = mp_edge(name, q1, c, q2)
            for k, (got, want) in enumerate(zip((mp.mpf(t[4]), mp.mpf(t[5])), ref)):
                rel = abs(got - want) / abs(want)
                lines.append(f"edge check {name} order {k} q1={q1} c={c} q2={q2}: {t[4 + k]} vs {mp.nstr(want, 20)} rel {mp.nstr(rel, 3)}")
                print(lines[-1], flush=True)
                if rel > 1e-14:
                    sys.exit("edge cross-check failed: " + lines[-1])
    with open(os.path.join(HERE, "edge_check.txt"), "w") as fh:
        fh.write("\n".join(lines) + "\n")

def check():
    # Spot checks against mpmath (full 25-digit adaptive quadrature; slow, so few).
    for name, order, q1, c, q2 in [("silu", 0, 2.5, -0.5, 1.0), ("softplus", 1, 1.0, 0.5, 1.0)]:
        q12 = c * math.sqrt(q1 * q2)
        a, b = kernel(name, order, q1, q12, q2), mp_kernel(name, order, q1, q12, q2)
        rel = abs(mp.mpf(str(a)) - b) / abs(b)
        print(f"mpmath check {name} order {order} q1={q1} c={c} q2={q2}: {a} vs {mp.nstr(b, 20)} rel {mp.nstr(rel, 3)}")
        if rel > 1e-14:
            sys.exit("mpmath cross-check failed")
    if len(sys.argv) == 2 and sys.argv[1] == "check":
        sys.exit(0)

def write():
    rows = []
    for name in ACTS:
        path = os.path.join(HERE, f"rows_{name}.txt")
        if not os.path.exists(path):
            print("missing", path, file=sys.stderr)
            continue
        for line in open(path):
            t = line.split()
            rows.append((t[0], float(t[1]), float(t[2]), float(t[3]), t[4], t[5]))
    with open(os.path.join(HERE, "relu_asymptote_references.txt"), "w") as fh:
        for row in rows:
            fh.write(" ".join([row[0]] + [repr(x) for x in row[1:4]] + list(row[4:])) + "\n")
    with open(OUT, "w") as fh:
        fh.write("// Generated by Tests/Generators/relu_asymptote/make_relu_asymptote_references.py — do not edit.\n")
        fh.write("// (activation, q1, c, q2, E[φ(u)φ(v)], E[φ'(u)φ'(v)]) with q12 = c·√(q1·q2); extended-precision\n")
        fh.write("// nested Gauss–Legendre of the full φ, self-checked by panel halving and against mpmath.\n\n")
        fh.write("let reluAsymptoteReferences: [(activation: String, q1: Double, c: Double, q2: Double, kernel: Double, derivative: Double)] = [\n")
        for row in rows:
            fh.write(f'    ("{row[0]}", {row[1]!r}, {row[2]!r}, {row[3]!r}, {row[4]}, {row[5]}),\n')
        fh.write("]\n")
    print(len(rows), "rows")

if __name__ == "__main__":
    main()

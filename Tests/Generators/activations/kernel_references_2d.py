"""2D references E[phi(u) phi(v)], E[phi'(u) phi'(v)], (u, v) ~ N(0, [[q1, c s1 s2], [c s1 s2, q2]]), for
the catalogue's new families and affine specs (issue #14), in 80-bit extended precision (numpy
longdouble, ~19 digits).

Nested mpmath tanh-sinh at 18 digits (gaussian_references.py's kernel2d) takes minutes per value,
so here: u = s1 z1, v = s2 (c z1 + r z2); the inner integral over z2 and the outer over z1 are
composite 40-point Gauss-Legendre rules (nodes and weights from mpmath at 30 digits) on panels of
width 1/4 over [-9.5, 9.5], split at every kink (inner: at (k - s2 c z1)/(s2 r), which moves with z1;
outer: at k/s1). Each panel is analytic, so each rule is exact to ~1e-19. The activations come from
gaussian_references.py (mpmath formulas), re-evaluated here in longdouble numpy.
With --check, two values are compared against the mpmath nested integral instead (slow).
usage: /tmp/venv14/bin/python Tests/Generators/activations/kernel_references_2d.py [--check]
Writes gaussian_references_2d.txt; then gaussian_references.py swift writes the Swift literals.
"""
import os, sys
import numpy as np
import mpmath as mp

HERE = os.path.dirname(os.path.abspath(__file__))
L = np.longdouble
mp.mp.dps = 30


def legendre(n):
    # Gauss-Legendre nodes/weights on [-1, 1] by Newton on P_n, in mpmath.
    xs, ws = [], []
    for i in range(1, n + 1):
        x = mp.cos(mp.pi * (i - mp.mpf(1) / 4) / (n + mp.mpf(1) / 2))
        for _ in range(100):
            p0, p1 = mp.mpf(1), x
            for k in range(2, n + 1):
                p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
            dp = n * (x * p1 - p0) / (x * x - 1)
            dx = p1 / dp
            x -= dx
            if abs(dx) < mp.mpf(10) ** -28:
                break
        xs.append(x); ws.append(2 / ((1 - x * x) * dp * dp))
    return np.array([L(str(x)) for x in xs]), np.array([L(str(w)) for w in ws])


X, W = legendre(40)
SQRT2PI = L(str(mp.sqrt(2 * mp.pi)))


def npdf(z):
    return np.exp(-z * z / 2) / SQRT2PI


def sig(x):
    return 1 / (1 + np.exp(-x))


def base(name, p):
    if name == "hardtanh":
        lo, hi = L(p.get("min", "-1")), L(p.get("max", "1"))
        return (lambda x: np.clip(x, lo, hi)), (lambda x: ((x >= lo) & (x < hi)).astype(L)), [lo, hi]
    if name == "relu6":
        return (lambda x: np.clip(x, L(0), L(6))), (lambda x: ((x >= 0) & (x < 6)).astype(L)), [L(0), L(6)]
    if name == "relu":
        return (lambda x: np.maximum(x, L(0))), (lambda x: (x >= 0).astype(L)), [L(0)]
    if name == "hardswish":
        return (lambda x: x * np.clip(x + 3, L(0), L(6)) / 6), (lambda x: np.where(x < -3, L(0), np.where(x < 3, (2 * x + 3) / 6, L(1)))), [L(-3), L(3)]
    if name == "softshrink":
        l = L(p.get("lambda", "0.5"))
        return (lambda x: np.where(x > l, x - l, np.where(x < -l, x + l, L(0)))), (lambda x: ((x >= l) | (x < -l)).astype(L)), [-l, l]
    if name == "gelu_tanh":
        k = L(str(mp.sqrt(2 / mp.pi))); a = L("0.044715")
        u = lambda x: k * (x + a * x ** 3)
        return (lambda x: x / 2 * (1 + np.tanh(u(x)))), (lambda x: (1 + np.tanh(u(x))) / 2 + x / 2 / np.cosh(u(x)) ** 2 * k * (1 + 3 * a * x * x)), []
    if name == "mish":
        sp = lambda x: np.log1p(np.exp(x))
        return (lambda x: x * np.tanh(sp(x))), (lambda x: np.tanh(sp(x)) + x / np.cosh(sp(x)) ** 2 * sig(x)), []
    if name == "softsign":
        return (lambda x: x / (1 + np.abs(x))), (lambda x: 1 / (1 + np.abs(x)) ** 2), [L(0)]
    if name == "sin":
        return np.sin, np.cos, []
    if name == "tanh":
        return np.tanh, (lambda x: 1 / np.cosh(x) ** 2), []
    raise KeyError(name)


def act(spec):
    name, _, rest = spec.partition(":")
    p = dict(kv.split("=") for kv in rest.split(",")) if rest else {}
    A = {k: L(p.pop(k, d)) for k, d in (("in_scale", "1"), ("in_shift", "0"), ("out_shift", "0"), ("out_scale", "1"))}
    f, f1, kinks = base(name, p)
    a, b, d, g = A["in_scale"], A["in_shift"], A["out_shift"], A["out_scale"]
    return (lambda x: g * (f(a * x + b) + d)), (lambda x: g * a * f1(a * x + b)), sorted((k - b) / a for k in kinks)


def panels(breaks, half=L("9.5"), width=L("0.25")):
    pts = set(np.arange(-half, half + width / 2, width).tolist())
    pts |= {k for k in breaks if -half < k < half}
    pts = np.array(sorted(pts), dtype=L)
    lo, hi = pts[:-1], pts[1:]
    keep = hi > lo
    lo, hi = lo[keep], hi[keep]
    mid, rad = (lo + hi) / 2, (hi - lo) / 2
    z = (mid[:, None] + rad[:, None] * X[None, :]).ravel()
    w = (rad[:, None] * W[None, :]).ravel()
    return z, w


def kernel(spec, order, q1, q2, c):
    phi, dphi, kinks = act(spec)
    h = phi if order == 0 else dphi
    q1, q2, c = L(q1), L(q2), L(c)
    s1, s2, r = np.sqrt(q1), np.sqrt(q2), np.sqrt(1 - c * c)
    z1, w1 = panels([k / s1 for k in kinks])
    total = L(0)
    for z, w in zip(z1, w1):
        a = s2 * c * z
        z2, w2 = panels([(k - a) / (s2 * r) for k in kinks])
        inner = np.sum(w2 * h(a + s2 * r * z2) * npdf(z2))
        total += w * h(np.array([s1 * z]))[0] * inner * npdf(z)
    return total


SPECS = ["hardtanh:min=-2,max=0.5", "relu6", "hardswish", "softshrink:lambda=0.5", "softsign", "mish", "gelu_tanh", "sin",
         "relu:in_scale=-2,in_shift=0.5", "tanh:in_scale=0.5,in_shift=0.3,out_shift=-0.1,out_scale=2"]
CASES = [("1", "1", "0.5"), ("2", "0.5", "-0.7"), ("0.3", "3", "0.95")]

if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.path.insert(0, HERE)
        import gaussian_references as g
        mp.mp.dps = 18
        for spec, order in (("relu6", 0), ("mish", 1)):
            print(spec, order, kernel(spec, order, "1", "1", "0.5"), g.kernel2d(spec, order, mp.mpf(1), mp.mpf(1), mp.mpf("0.5")))
        sys.exit()
    with open(os.path.join(HERE, "gaussian_references_2d.txt"), "w") as out:
        for spec in SPECS:
            for order in (0, 1):
                for q1, q2, c in CASES:
                    v = kernel(spec, order, q1, q2, c)
                    out.write("%s %d %s %s %s %s\n" % (spec, order, q1, q2, c, np.format_float_scientific(v, precision=18, unique=False)))
            print("2D", spec, file=sys.stderr)

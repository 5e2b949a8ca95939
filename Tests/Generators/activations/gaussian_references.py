"""mpmath references for the Gaussian moments and 2D kernels of the catalogue's new families
(issue #14) and of affine-transformed specs (issue #17 item 2).

Independent of the Swift code: each activation is written here in mpmath from its formula, the
affine transform phi_hat(x) = out_scale*(phi(in_scale*x + in_shift) + out_shift) is applied here,
and every expectation is a tanh-sinh integral (mp.quad) split at every kink and on a unit grid.
- 1D: E[phi], E[phi^2], E[phi'], E[phi'^2] of X ~ N(m, q), 25 digits.
- 2D: E[phi(u) phi(v)], E[phi'(u) phi'(v)], (u, v) ~ N(0, [[q1, c s1 s2], [c s1 s2, q2]]): the committed
  values come from kernel_references_2d.py (80-bit composite Gauss-Legendre, split at the moving
  kinks), because the nested mpmath integral here (`2d`, kernel2d) takes minutes per value.
Writes Tests/Generators/activations/gaussian_references_{1d,2d}.txt (raw) and
Tests/MeanFieldTests/Activation/CatalogueReferences.swift.
usage: /tmp/venv14/bin/python Tests/Generators/activations/gaussian_references.py [1d|2d|swift|all]
(1d and 2d can run in parallel, then `swift` writes the literals; tens of minutes in all)
"""
import os, sys
import mpmath as mp

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def base(name, p):
    """(phi, phi', kinks) of a family, in mpmath."""
    sig = lambda x: 1 / (1 + mp.exp(-x))
    if name == "hardtanh":
        lo, hi = mp.mpf(p.get("min", -1)), mp.mpf(p.get("max", 1))
        return (lambda x: lo if x < lo else (hi if x > hi else x)), (lambda x: 1 if lo <= x < hi else 0), [lo, hi]
    if name == "relu6":
        return (lambda x: min(max(x, 0), 6)), (lambda x: 1 if 0 <= x < 6 else 0), [mp.mpf(0), mp.mpf(6)]
    if name == "relu":
        return (lambda x: max(x, 0)), (lambda x: 1 if x >= 0 else 0), [mp.mpf(0)]
    if name == "leaky_relu":
        s = mp.mpf(p.get("slope", "0.01"))
        return (lambda x: x if x >= 0 else s * x), (lambda x: 1 if x >= 0 else s), [mp.mpf(0)]
    if name == "elu":
        a = mp.mpf(p.get("alpha", 1))
        return (lambda x: x if x > 0 else a * mp.expm1(x)), (lambda x: 1 if x >= 0 else a * mp.exp(x)), [mp.mpf(0)]
    if name == "hardsigmoid":
        return (lambda x: min(max(x + 3, 0), 6) / 6), (lambda x: mp.mpf(1) / 6 if -3 <= x < 3 else 0), [mp.mpf(-3), mp.mpf(3)]
    if name == "hardswish":
        return (lambda x: x * min(max(x + 3, 0), 6) / 6), (lambda x: 0 if x < -3 else ((2 * x + 3) / 6 if x < 3 else 1)), [mp.mpf(-3), mp.mpf(3)]
    if name == "softshrink":
        l = mp.mpf(p.get("lambda", "0.5"))
        return (lambda x: x - l if x > l else (x + l if x < -l else 0)), (lambda x: 1 if (x >= l or x < -l) else 0), [-l, l]
    if name == "abs":
        return (lambda x: abs(x)), (lambda x: 1 if x >= 0 else -1), [mp.mpf(0)]
    if name == "gelu_tanh":
        k = mp.sqrt(2 / mp.pi); a = mp.mpf("0.044715")
        u = lambda x: k * (x + a * x ** 3)
        f = lambda x: x / 2 * (1 + mp.tanh(u(x)))
        return f, (lambda x: (1 + mp.tanh(u(x))) / 2 + x / 2 * mp.sech(u(x)) ** 2 * k * (1 + 3 * a * x * x)), []
    if name == "mish":
        sp = lambda x: mp.log1p(mp.exp(x))
        return (lambda x: x * mp.tanh(sp(x))), (lambda x: mp.tanh(sp(x)) + x * mp.sech(sp(x)) ** 2 * sig(x)), []
    if name == "softsign":
        return (lambda x: x / (1 + abs(x))), (lambda x: 1 / (1 + abs(x)) ** 2), [mp.mpf(0)]
    if name == "logsigmoid":
        return (lambda x: -mp.log1p(mp.exp(-x))), (lambda x: sig(-x)), []
    if name == "tanhshrink":
        return (lambda x: x - mp.tanh(x)), (lambda x: mp.tanh(x) ** 2), []
    if name == "softplus":
        b = mp.mpf(p.get("beta", 1))
        return (lambda x: mp.log1p(mp.exp(b * x)) / b), (lambda x: sig(b * x)), []
    if name == "sin":
        return mp.sin, mp.cos, []
    if name == "tanh":
        return mp.tanh, (lambda x: mp.sech(x) ** 2), []
    raise KeyError(name)


def act(spec):
    name, _, rest = spec.partition(":")
    p = dict(kv.split("=") for kv in rest.split(",")) if rest else {}
    if name == "prelu":
        name, p = "leaky_relu", {"slope": "0.25", **p}
    A = {k: mp.mpf(p.pop(k, d)) for k, d in (("in_scale", 1), ("in_shift", 0), ("out_shift", 0), ("out_scale", 1))}
    f, f1, kinks = base(name, p)
    a, b, d, g = A["in_scale"], A["in_shift"], A["out_shift"], A["out_scale"]
    phi = lambda x: g * (f(a * x + b) + d)
    dphi = lambda x: g * a * f1(a * x + b)
    return phi, dphi, sorted((k - b) / a for k in kinks)


def split(points, lo=-12, hi=12, step=3):
    grid = [mp.mpf(x) for x in range(lo, hi + 1, step)]
    inside = sorted(set([p for p in points if lo < p < hi] + grid))
    return [-mp.inf] + inside + [mp.inf]


def moment1d(spec, which, m, q):
    phi, dphi, kinks = act(spec)
    s = mp.sqrt(q)
    g = {"mean": phi, "second": lambda x: phi(x) ** 2, "slope": dphi, "slope2": lambda x: dphi(x) ** 2}[which]
    return mp.quad(lambda z: g(m + s * z) * mp.npdf(z), split([(k - m) / s for k in kinks]))


def kernel2d(spec, order, q1, q2, c):
    phi, dphi, kinks = act(spec)
    h = phi if order == 0 else dphi
    s1, s2 = mp.sqrt(q1), mp.sqrt(q2)
    r = mp.sqrt(1 - c * c)

    def inner(z1):
        a = s2 * c * z1
        return mp.quad(lambda z2: h(a + s2 * r * z2) * mp.npdf(z2), split([(k - a) / (s2 * r) for k in kinks], -8, 8, 4))

    return mp.quad(lambda z1: h(s1 * z1) * inner(z1) * mp.npdf(z1), split([k / s1 for k in kinks], -8, 8, 4))


SPECS_1D = ["hardtanh", "hardtanh:min=-2,max=0.5", "relu6", "hardsigmoid", "hardswish", "gelu_tanh", "mish", "softsign",
            "logsigmoid", "tanhshrink", "softshrink:lambda=0.5", "softplus:beta=2", "abs", "sin", "prelu",
            "tanh:in_scale=0.5,in_shift=0.3,out_shift=-0.1,out_scale=2", "relu:in_scale=-2,in_shift=0.5",
            "elu:in_scale=1.5,in_shift=-0.4,out_shift=0.2,out_scale=0.7", "relu6:in_scale=2,in_shift=1"]
MOMENTS = {"mean": ".mean", "second": ".secondMoment", "slope": ".slope", "slope2": ".slopeSquared"}
MEANS = ["0", "0.7", "-1.3"]
VARIANCES = ["0.01", "1", "4", "25"]
SPECS_2D = SPECS_1D
CASES_2D = [("1", "1", "0.5"), ("2", "0.5", "-0.7"), ("0.3", "3", "0.95")]


def swift_spec(spec):
    # the Swift parser takes the same text
    return spec


def main():
    part = sys.argv[1] if len(sys.argv) > 1 else "all"
    one, two = [], []
    if part in ("1d", "all"):
        one = compute1d()
        with open(os.path.join(HERE, "gaussian_references_1d.txt"), "w") as out:
            for row in one: out.write(" ".join(map(str, row)) + "\n")
    if part in ("2d", "all"):
        two = compute2d()
        with open(os.path.join(HERE, "gaussian_references_2d.txt"), "w") as out:
            for row in two: out.write(" ".join(map(str, row)) + "\n")
    if part in ("swift", "all"):
        one = [tuple(l.split()) for l in open(os.path.join(HERE, "gaussian_references_1d.txt"))]
        two = [tuple(l.split()) for l in open(os.path.join(HERE, "gaussian_references_2d.txt"))]
        write_swift(one, two)


def compute1d():
    mp.mp.dps = 25
    one = []
    for spec in SPECS_1D:
        for which in MOMENTS:
            for m in MEANS:
                for q in VARIANCES:
                    v = moment1d(spec, which, mp.mpf(m), mp.mpf(q))
                    one.append((spec, which, m, q, mp.nstr(v, 20, min_fixed=-1, max_fixed=-1)))
        print("1D", spec, file=sys.stderr)
    return one


def compute2d():
    mp.mp.dps = 18
    two = []
    for spec in SPECS_2D:
        for order in (0, 1):
            for q1, q2, c in CASES_2D:
                v = kernel2d(spec, order, mp.mpf(q1), mp.mpf(q2), mp.mpf(c))
                two.append((spec, order, q1, q2, c, mp.nstr(v, 16, min_fixed=-1, max_fixed=-1)))
        print("2D", spec, file=sys.stderr)
    return two


def write_swift(one, two):
    path = os.path.join(ROOT, "Tests", "MeanFieldTests", "Activation", "CatalogueReferences.swift")
    with open(path, "w") as out:
        out.write("// Generated by Tests/Generators/activations/gaussian_references.py (mpmath %s); do not edit.\n" % mp.__version__)
        out.write("// 1D: 25-digit tanh-sinh split at the kinks (gaussian_references.py 1d); 2D: 80-bit composite Gauss-Legendre\n// split at the moving kinks (kernel_references_2d.py).\n@testable import MeanField\n\n")
        out.write("let catalogueReferences1D: [OneDimensionalReference] = [\n")
        for spec, which, m, q, v in one:
            out.write('    .init(spec: "%s", moment: %s, mean: %s, variance: %s, value: %s),\n' % (swift_spec(spec), MOMENTS[which], m, q, v))
        out.write("]\n\nlet catalogueReferences2D: [TwoDimensionalReference] = [\n")
        for spec, order, q1, q2, c, v in two:
            o = "(.value, .value)" if str(order) == "0" else "(.first, .first)"
            out.write('    .init(spec: "%s", orders: %s, variance1: %s, variance2: %s, correlation: %s, value: %s),\n' % (swift_spec(spec), o, q1, q2, c, v))
        out.write("]\n")


if __name__ == "__main__":
    main()

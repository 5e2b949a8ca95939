#!/usr/bin/env python3
"""High-precision references for MeanField's two-input finite-width recursion (FiniteWidth.twoInputSweep).

Independent of the Swift code: its own activations (mpmath, 24 significant digits), its own
Gaussian integrals, and the recursion written out directly (Roberts, Yaida & Hanin, arXiv 2106.10165,
section 4.3, for two inputs), in the coordinates (11, 22, 12) of the stochastic kernel:

  K_l = F(K_{l-1}),   F_ab = sw2 <phi_a phi_b> + sb2
  V_l = sw2^2 N + J V_{l-1} J^T,   V_0 = 0
  N_(ab)(cd) = <phi_a phi_b phi_c phi_d> - <phi_a phi_b><phi_c phi_d>
  J: dF_11/dK_11 = sw2 <phi1^2 (z1^2 - K11)>/(2 K11^2), dF_22/dK_22 likewise,
     dF_12/dK_12 = sw2 <phi1' phi2'>,
     dF_12/dK_11 = sw2 (<z1 phi1' phi2> - K12 <phi1' phi2'>)/(2 K11), dF_12/dK_22 likewise
  n Var(c) = (1 - c^2)^2 + g^T V g,   g = (-c/(2 K11), -c/(2 K22), 1/sqrt(K11 K22))

with <.> over (z1, z2) ~ N(0, K_{l-1}). Bivariate integrals: z1 = s1 u, z2 = s2 (c u + r w), u, w iid
N(0, 1), r = sqrt(1 - c^2); Gauss-Legendre panels on [-10, 10] in u (the tails beyond carry < 1e-22) (split at the kink u = 0) and, for
each outer node, in w (split at the kink w = -c u/r); every integral is computed twice (12 nodes on
panels of width 1, 14 nodes on panels of width 0.8) and the two must agree to 1e-18. 1D integrals by
mpmath's tanh-sinh split at 0, +-1, +-4 (in units of sqrt(K)), likewise twice.

Writes raw values to two_input_references.txt (next to this script) and the Swift literals to
Tests/MeanFieldTests/FiniteWidth/TwoInputReferences.swift.

usage: python3 make_two_input_references.py   (mpmath 1.3.0; about 40 minutes on one core)
   or: python3 make_two_input_references.py --case NAME > NAME.txt   (one case, to run them in parallel)
       python3 make_two_input_references.py --assemble *.txt
"""
import os
import sys
import mpmath as mp

mp.mp.dps = 24
L01 = mp.mpf("1.0507009873554804934193349852946")
A01 = mp.mpf("1.6732632423543772848170429916717")
T = mp.mpf(10)

def act(name):
    """(phi, phi') as functions of an mpf; right-hand derivative at the kink."""
    if name == "tanh":
        return (mp.tanh, lambda x: mp.sech(x) ** 2)
    if name in ("elu", "selu"):
        lam, a = (mp.mpf(1), mp.mpf(1)) if name == "elu" else (L01, A01)
        return (lambda x: lam * (x if x > 0 else a * mp.expm1(x)),
                lambda x: lam * (mp.mpf(1) if x >= 0 else a * mp.exp(x)))
    if name == "gelu":
        return (lambda x: x * mp.ncdf(x), lambda x: mp.ncdf(x) + x * mp.npdf(x))
    if name == "relu":
        return (lambda x: x if x > 0 else mp.mpf(0), lambda x: mp.mpf(1) if x >= 0 else mp.mpf(0))
    raise ValueError(name)

_GL = {}
def legendre_rule(m):
    """Gauss-Legendre nodes and weights on [-1, 1] (Newton on P_m)."""
    if m in _GL:
        return _GL[m]
    nodes, weights = [], []
    for i in range(1, m + 1):
        x = mp.cos(mp.pi * (i - mp.mpf(1) / 4) / (m + mp.mpf(1) / 2))
        for _ in range(100):
            p0, p1 = mp.mpf(1), x
            for k in range(2, m + 1):
                p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
            dp = m * (x * p1 - p0) / (x * x - 1)
            dx = p1 / dp
            x -= dx
            if abs(dx) < mp.mpf(10) ** (-mp.mp.dps - 5):
                break
        p0, p1 = mp.mpf(1), x
        for k in range(2, m + 1):
            p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
        dp = m * (x * p1 - p0) / (x * x - 1)
        nodes.append(x)
        weights.append(2 / ((1 - x * x) * dp * dp))
    _GL[m] = (nodes, weights)
    return _GL[m]

def panel_nodes(breaks, m):
    """Nodes and weights (times the standard normal density) on [-T, T], split at the breaks."""
    pts = sorted(set([-T, T] + [b for b in breaks if -T < b < T]))
    xs, ws = [], []
    nodes, weights = legendre_rule(m)
    for a, b in zip(pts[:-1], pts[1:]):
        h, mid = (b - a) / 2, (a + b) / 2
        for x, w in zip(nodes, weights):
            t = mid + h * x
            xs.append(t)
            ws.append(h * w * mp.npdf(t))
    return xs, ws

def grid(width):
    k = int(T / width) + 1
    return [i * width for i in range(-k, k + 1)]

def bivariate(phi, dphi, K11, K22, K12, m, width):
    """<phi1 phi2>, <phi1^2 phi2^2>, <phi1^3 phi2>, <phi1 phi2^3>, <phi1' phi2'>, <z1 phi1' phi2>, <phi1 z2 phi2'>."""
    s1, s2 = mp.sqrt(K11), mp.sqrt(K22)
    c = K12 / (s1 * s2)
    r = mp.sqrt((1 - c) * (1 + c))
    us, uw = panel_nodes(grid(width) + [mp.mpf(0)], m)
    sums = [mp.mpf(0)] * 7
    for u, wu in zip(us, uw):
        z1 = s1 * u
        p1, d1 = phi(z1), dphi(z1)
        ws, ww = panel_nodes(grid(width) + [-c * u / r], m)
        inner = [mp.mpf(0)] * 7
        for w, wv in zip(ws, ww):
            z2 = s2 * (c * u + r * w)
            p2, d2 = phi(z2), dphi(z2)
            vals = (p1 * p2, p1 * p1 * p2 * p2, p1 ** 3 * p2, p1 * p2 ** 3, d1 * d2, z1 * d1 * p2, p1 * z2 * d2)
            for i in range(7):
                inner[i] += wv * vals[i]
        for i in range(7):
            sums[i] += wu * inner[i]
    return sums

def gauss(f, K, mesh):
    s = mp.sqrt(K)
    pts = [-mp.inf] + [-m for m in reversed(mesh)] + [mp.mpf(0)] + list(mesh) + [mp.inf]
    return mp.quad(lambda z: f(s * z) * mp.npdf(z), pts)

def univariate(phi, K, mesh):
    return [gauss(lambda x: phi(x) ** 2, K, mesh), gauss(lambda x: phi(x) ** 4, K, mesh),
            gauss(lambda x: phi(x) ** 2 * (x * x - K), K, mesh)]

def agree(a, b, what, tolerance="1e-22"):
    for x, y in zip(a, b):
        assert abs(x - y) <= mp.mpf(tolerance) * max(1, abs(x)), (what, x, y)

def expectations(phi, dphi, K11, K22, K12):
    u1 = univariate(phi, K11, [mp.mpf(1), mp.mpf(4)])
    agree(u1, univariate(phi, K11, [mp.mpf("0.5"), mp.mpf(2), mp.mpf(6)]), "1D")
    u2 = univariate(phi, K22, [mp.mpf(1), mp.mpf(4)]) if K22 != K11 else u1
    b = bivariate(phi, dphi, K11, K22, K12, 12, mp.mpf(1))
    agree(b, bivariate(phi, dphi, K11, K22, K12, 14, mp.mpf("0.8")), "2D", "1e-18")
    return u1, u2, b

def sweep(name, sw2, sb2, q0, c0, layers):
    phi, dphi = act(name)
    sw2, sb2, q0, c0 = mp.mpf(sw2), mp.mpf(sb2), mp.mpf(q0), mp.mpf(c0)
    K11, K22, K12 = q0, q0, c0 * q0
    V = [[mp.mpf(0)] * 3 for _ in range(3)]
    rows = []
    for layer in range(layers + 1):
        if layer > 0:
            (m11, p11, d11), (m22, p22, d22), (m12, p1122, p1112, p2221, s12, t1, t2) = expectations(phi, dphi, K11, K22, K12)
            N = [[p11 - m11 * m11, p1122 - m11 * m22, p1112 - m11 * m12],
                 [p1122 - m11 * m22, p22 - m22 * m22, p2221 - m22 * m12],
                 [p1112 - m11 * m12, p2221 - m22 * m12, p1122 - m12 * m12]]
            J = [[sw2 * d11 / (2 * K11 * K11), 0, 0], [0, sw2 * d22 / (2 * K22 * K22), 0],
                 [sw2 * (t1 - K12 * s12) / (2 * K11), sw2 * (t2 - K12 * s12) / (2 * K22), sw2 * s12]]
            V = [[sw2 * sw2 * N[a][b] + sum(J[a][c] * V[c][d] * J[b][d] for c in range(3) for d in range(3))
                  for b in range(3)] for a in range(3)]
            K11, K22, K12 = sw2 * m11 + sb2, sw2 * m22 + sb2, sw2 * m12 + sb2
        c = K12 / mp.sqrt(K11 * K22)
        g = [-c / (2 * K11), -c / (2 * K22), 1 / mp.sqrt(K11 * K22)]
        coef = (1 - c * c) ** 2 + sum(g[a] * V[a][b] * g[b] for a in range(3) for b in range(3))
        rows.append((layer, K11, K12, c, V[0][0], V[0][1], V[0][2], V[2][2], V[1][2], coef))
    return rows

CASES = [("tanh", "1.5", "0.1", "1", "0.5", 3), ("elu", "1.5", "0.05", "1", "0.5", 3), ("selu", "1", "0", "1", "-0.3", 3),
         ("gelu", "2.25", "0.1", "0.5", "0.5", 3), ("relu", "2", "0", "1", "0.5", 3)]

def main():
    """No arguments: every case, then write both files. `--case NAME`: print that case's raw lines only
    (to run cases in parallel); `--assemble FILE...`: write both files from such raw lines."""
    here = os.path.dirname(os.path.abspath(__file__))
    swift = os.path.join(here, "..", "..", "MeanFieldTests", "FiniteWidth", "TwoInputReferences.swift")
    raw = []
    if len(sys.argv) > 2 and sys.argv[1] == "--assemble":
        for path in sys.argv[2:]:
            raw += [l.strip() for l in open(path) if l.strip() and not l.startswith("#")]
        order = [c[0] for c in CASES]
        raw.sort(key=lambda l: (order.index(l.split()[0]), int(l.split()[5])))
    else:
        only = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--case" else None
        for name, sw2, sb2, q0, c0, L in CASES:
            if only and name != only:
                continue
            for row in sweep(name, sw2, sb2, q0, c0, L):
                raw.append(" ".join([name, sw2, sb2, q0, c0, str(row[0])] + [mp.nstr(x, 22) for x in row[1:]]))
                print(raw[-1], flush=True)
        if only:
            return
    lines = []
    for line in raw:
        f = line.split()
        lines.append('    .init(activation: "%s", sigmaW2: %s, sigmaB2: %s, q0: %s, c0: %s, layer: %s, kernel11: %s, kernel12: %s, '
                     'correlation: %s, v11_11: %s, v11_22: %s, v11_12: %s, v12_12: %s, v22_12: %s, correlationVarianceCoefficient: %s),'
                     % tuple(f))
    with open(os.path.join(here, "two_input_references.txt"), "w") as f:
        f.write("# activation sigma_w2 sigma_b2 q0 c0 layer K11 K12 c V11_11 V11_22 V11_12 V12_12 V22_12 nVar(c)\n")
        f.write("\n".join(raw) + "\n")
    with open(swift, "w") as f:
        f.write("// Generated by Tests/Generators/finite_width/make_two_input_references.py (mpmath, 24 digits, Gauss-Legendre\n"
                "// panels split at the kinks; every integral on two meshes agreeing to 1e-18). Do not edit.\n\n"
                "struct TwoInputReference {\n"
                "    let activation: String\n"
                "    let sigmaW2: Double, sigmaB2: Double, q0: Double, c0: Double\n"
                "    let layer: Int\n"
                "    let kernel11: Double, kernel12: Double, correlation: Double\n"
                "    let v11_11: Double, v11_22: Double, v11_12: Double, v12_12: Double, v22_12: Double\n"
                "    let correlationVarianceCoefficient: Double\n"
                "}\n\n"
                "let twoInputReferences: [TwoInputReference] = [\n")
        f.write("\n".join(lines) + "\n]\n")

if __name__ == "__main__":
    main()

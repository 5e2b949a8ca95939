#!/usr/bin/env python3
"""High-precision references for MeanField's finite-width recursions (FiniteWidth.sweep).

Independent of the Swift code: its own activations (mpmath, 30 significant digits), its own
Gaussian integrals (mpmath tanh-sinh quadrature on (-inf, 0] and [0, inf), split at the kink 0 and
at +-1, +-4 in units of sqrt(K)), and the recursions of Roberts, Yaida & Hanin (arXiv 2106.10165,
ch. 4-5) written out directly:

  K_l  = sw2 <phi^2> + sb2
  V_l  = sw2^2 (<phi^4> - <phi^2>^2) + chi_par^2 V_{l-1},   chi_par = sw2 <phi^2 (z^2 - K)>/(2K^2)
  G1_l = chi_par G1_{l-1} + (sw2/8) <phi^2 (z^4 - 6 K z^2 + 3 K^2)>/K^4 V_{l-1}
  gradients (Jacobian-vector product along u orthogonal to x), chi_perp = sw2 <phi'^2>,
  alpha = sw2 <phi'^2 (z^2 - K)>/(2K^2)/chi_perp:
  r_zd,l = sw2^2 (<phi^2 phi'^2> - <phi^2><phi'^2>)/chi_perp + chi_par alpha V_{l-1} + chi_par r_zd,{l-1}
  r_dd,l = sw2^2 (3<phi'^4> - <phi'^2>^2)/chi_perp^2 + alpha^2 V_{l-1} + 2 alpha r_zd,{l-1} + r_dd,{l-1}

with <.> over z ~ N(0, K_{l-1}), V_0 = G1_0 = r_zd,0 = r_dd,0 = 0. Every integral is computed twice
(mpmath's tanh-sinh on two different meshes) and the two must agree to 1e-25.

Writes raw values to finite_width_references.txt (next to this script) and the Swift literals to
Tests/MeanFieldTests/FiniteWidth/FiniteWidthReferences.swift.

usage: python3 make_finite_width_references.py   (mpmath 1.3.0; about a minute)
"""
import os
import mpmath as mp

mp.mp.dps = 30
L01 = mp.mpf("1.0507009873554804934193349852946")
A01 = mp.mpf("1.6732632423543772848170429916717")

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
    raise ValueError(name)

def gauss(f, K, mesh):
    """E[f(x)], x ~ N(0, K), split at 0 and at the mesh points (in units of sqrt(K))."""
    s = mp.sqrt(K)
    pts = [-mp.inf] + [-m for m in reversed(mesh)] + [mp.mpf(0)] + list(mesh) + [mp.inf]
    return mp.quad(lambda z: f(s * z) * mp.npdf(z), pts)

def expectations(phi, dphi, K):
    out = []
    for mesh in ([mp.mpf(1), mp.mpf(4)], [mp.mpf("0.5"), mp.mpf(2), mp.mpf(6)]):
        fs = [lambda x: phi(x) ** 2, lambda x: phi(x) ** 4, lambda x: phi(x) ** 2 * (x * x - K),
              lambda x: phi(x) ** 2 * (x ** 4 - 6 * K * x * x + 3 * K * K), lambda x: dphi(x) ** 2,
              lambda x: dphi(x) ** 4, lambda x: dphi(x) ** 2 * (x * x - K), lambda x: phi(x) ** 2 * dphi(x) ** 2]
        out.append([gauss(f, K, mesh) for f in fs])
    for a, b in zip(*out):
        assert abs(a - b) <= mp.mpf("1e-25") * max(1, abs(a)), (a, b)
    return out[0]

def sweep(name, sw2, sb2, q0, layers):
    phi, dphi = act(name)
    sw2, sb2 = mp.mpf(sw2), mp.mpf(sb2)
    K, V, G1, rzd, rdd = mp.mpf(q0), mp.mpf(0), mp.mpf(0), mp.mpf(0), mp.mpf(0)
    rows = []
    for layer in range(layers + 1):
        e2, e4, d1, d2, s2, s4, sd1, m22 = expectations(phi, dphi, K)
        chi_par = sw2 * d1 / (2 * K * K)
        chi_perp = sw2 * s2
        rows.append((layer, K, V, chi_par, G1, chi_perp, rdd))
        curv = sw2 * d2 / (8 * K ** 4)
        alpha = sw2 * sd1 / (2 * K * K) / chi_perp
        nrzd = sw2 ** 2 * (m22 - e2 * s2) / chi_perp + chi_par * alpha * V + chi_par * rzd
        rdd = sw2 ** 2 * (3 * s4 - s2 * s2) / chi_perp ** 2 + alpha ** 2 * V + 2 * alpha * rzd + rdd
        rzd = nrzd
        K, V, G1 = sw2 * e2 + sb2, sw2 ** 2 * (e4 - e2 * e2) + chi_par ** 2 * V, chi_par * G1 + curv * V
    return rows

# (activation, sigma_w2, sigma_b2, q0, layers): critical or near-critical initializations.
CASES = [("tanh", "1.5", "0.1", "1", 4), ("elu", "1.5", "0.05", "1", 4), ("selu", "1", "0", "1", 4), ("gelu", "2.25", "0.1", "0.5", 4)]

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    swift = os.path.join(here, "..", "..", "MeanFieldTests", "FiniteWidth", "FiniteWidthReferences.swift")
    raw, lines = [], []
    for name, sw2, sb2, q0, L in CASES:
        for (layer, K, V, cp, G1, cperp, rdd) in sweep(name, sw2, sb2, q0, L):
            vals = [mp.nstr(x, 30) for x in (K, V, cp, G1, cperp, rdd)]
            raw.append(" ".join([name, sw2, sb2, q0, str(layer)] + vals))
            lines.append('    .init(activation: "%s", sigmaW2: %s, sigmaB2: %s, q0: %s, layer: %d, kernel: %s, vertex: %s, '
                         'chiParallel: %s, kernelCorrection: %s, chiPerpendicular: %s, gradientVertex: %s),'
                         % (name, sw2, sb2, q0, layer, *vals))
    with open(os.path.join(here, "finite_width_references.txt"), "w") as f:
        f.write("# activation sigma_w2 sigma_b2 q0 layer kernel vertex chi_parallel kernel_correction chi_perp grad_vertex\n")
        f.write("\n".join(raw) + "\n")
    os.makedirs(os.path.dirname(swift), exist_ok=True)
    with open(swift, "w") as f:
        f.write("// Generated by Tests/Generators/finite_width/make_finite_width_references.py (mpmath, 30 digits,\n"
                "// tanh-sinh quadrature split at the kink; every integral on two meshes agreeing to 1e-25). Do not edit.\n\n"
                "struct FiniteWidthReference {\n"
                "    let activation: String\n"
                "    let sigmaW2: Double, sigmaB2: Double, q0: Double\n"
                "    let layer: Int\n"
                "    let kernel: Double, vertex: Double, chiParallel: Double, kernelCorrection: Double\n"
                "    let chiPerpendicular: Double, gradientVertex: Double\n"
                "}\n\n"
                "let finiteWidthReferences: [FiniteWidthReference] = [\n")
        f.write("\n".join(lines) + "\n]\n")

if __name__ == "__main__":
    main()

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Where the DKS conditions `Q'(1) = q_slope`, `C(0) = 0`, `C'(1) = ξ` (SPEC §6) have no solution in
/// `(input_scale, input_shift)`, and why; checked before the solver runs, so that a hopeless solve
/// is refused at once with the mathematical reason instead of "no parameters found".
///
/// **Clip-type activations** (hardtanh with any min < max, relu6, hardsigmoid: one linear piece
/// between two constant ones). With `u = αx + β`, `φ(u)` is an affine image of
/// `ψ(x) = clip(x, a, b)`, `a, b = (φ's kinks − β)/α` (ordered), and the maps are those of ψ. With
/// `m = E[ψ]`, `V = Var ψ`, `P = Φ(b) − Φ(a)`, Stein's lemma and `E[ψ] = m` give exactly
/// ```
/// C'(1) = P / V
/// Q'(1) − 1 = [(m − a)·a·Φ(a) − (b − m)·b·Φ(−b)] / V
/// ```
/// (`m − a > 0`, `b − m > 0`). If `a ≤ 0 ≤ b` the bracket is negative, so `Q'(1) < 1`: `Q'(1) = 1`
/// needs the whole linear piece on one side of `x = 0`, i.e. the pre-activation mean β on a flat
/// piece. There `C'(1) > π/(π − 1)`, the value of a relu with its kink at the mean (the limit
/// `a → 0⁺, b → ∞`); this last inequality is verified numerically (a dense grid and mpmath
/// spot checks, `Tests/Generators/shaping/piecewise_linear_reference.py`), not proved. So with the
/// default `q_slope = 1`, DKS needs `ξ = ζ^(1/D) > π/(π − 1) = 1.4669…`: a plain network of depth
/// D needs `ζ > 1.4669^D` (depth 10 with ζ = 1.5 gives ξ = 1.0414: no solution). The deepmind
/// `dks` package, given these activations, also fails there after its random restarts.
///
/// **abs** is positively homogeneous: `|αx + β| = |α|·|x + t|`, `t = β/α`, so every map depends on
/// t alone and the two conditions over-determine one number. With `φ'² ≡ 1`,
/// `C'(1) = 1/Var|x + t| ≤ π/(π − 2)`, and (with `k = |t|`, `m = E|x + t|`)
/// ```
/// (Q'(1) − 1)·V = k·[2ϕ(k)(2Φ(k) − 1) − 4k·Φ(k)Φ(−k)]
/// ```
/// whose bracket is negative for every k > 0 (verified numerically, same script): `Q'(1) = 1` only
/// at `t = 0`, where `C'(1) = π/(π − 2) = 2.7519…`. With `q_slope = 1` DKS is solvable only for that
/// one ξ (solution `input_scale = 1, input_shift = 0`).
///
/// [Martens et al. 2021]: https://arxiv.org/abs/2110.01765
enum DKSObstruction {
    /// `π/(π − 1)`: C'(1) of a relu with its kink at the pre-activation mean.
    static let reluKinkSlope = Double.pi / (Double.pi - 1)
    /// `π/(π − 2)`: C'(1) of `|x|`, the only C'(1) abs reaches with `Q'(1) = 1`.
    static let absSlope = Double.pi / (Double.pi - 2)

    /// Whether φ is one linear piece between two constant ones (hardtanh, relu6, hardsigmoid).
    static func isClipType(_ activation: Activation) -> Bool {
        guard let form = activation.basePiecewisePolynomial, form.pieces.count == 3 else { return false }
        func isConstant(_ c: [Double]) -> Bool { c.dropFirst().allSatisfy { $0 == 0 } }
        let middle = form.pieces[1]
        return isConstant(form.pieces[0]) && isConstant(form.pieces[2]) && middle.count >= 2
            && middle[1] != 0 && middle.dropFirst(2).allSatisfy { $0 == 0 }
    }

    /// The reason DKS with local targets `Q'(1) = qSlope`, `C'(1) = localSlope` has no solution for
    /// `activation`, or nil when none is known (the solver then decides).
    static func reason(_ activation: Activation, localSlope xi: Double, qSlope: Double) -> String? {
        guard qSlope == 1 else { return nil }
        if isClipType(activation), xi <= reluKinkSlope {
            return "DKS cannot shape \(activation.spec) to C'(1) = \(formatNumber(xi)) (zeta^(1/depth)) with q_slope 1: "
                + "for a clip-type activation (one linear piece between two flat ones) Q'(1) - 1 = "
                + "[(m - a) a Phi(a) - (b - m) b Phi(-b)] / Var, with [a, b] the linear piece in x and m the mean, "
                + "is negative unless the linear piece lies on one side of x = 0, and there C'(1) > pi/(pi-1) = "
                + "\(formatNumber(reluKinkSlope)) (a relu with its kink at the mean); it needs zeta > \(formatNumber(reluKinkSlope))^depth "
                + "(or use leaky_relu or a smooth activation)"
        }
        if activation.family == .absolute, abs(xi - absSlope) > 1e-13 * absSlope {
            return "DKS cannot shape \(activation.spec) to C'(1) = \(formatNumber(xi)) (zeta^(1/depth)) with q_slope 1: "
                + "abs is positively homogeneous (|a x + b| = |a| |x + b/a|), so both conditions fix the one number b/a; "
                + "Q'(1) = 1 only at b = 0, where C'(1) = pi/(pi-2) = \(formatNumber(absSlope)) "
                + "(phi'^2 = 1, so C'(1) = 1/Var|x + b/a| <= pi/(pi-2)); use leaky_relu or a smooth activation"
        }
        return nil
    }
}

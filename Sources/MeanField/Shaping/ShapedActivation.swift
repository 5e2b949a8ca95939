#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// An activation transformed as in Deep Kernel Shaping and TAT,
///
/// ```
/// φ̂(x) = output_scale · (φ(input_scale · x + input_shift) + output_shift)
/// φ̂'(x) = output_scale · input_scale · φ'(u),   φ̂''(x) = output_scale · input_scale² · φ''(u),   u = input_scale · x + input_shift
/// ```
/// ([Martens et al. 2021], §4; [Zhang et al. 2022], §3), with the parameter names of the deepmind
/// `dks` package. Its kinks sit where `u` meets a kink of φ: `x = (k − input_shift)/input_scale`.
///
/// [Martens et al. 2021]: https://arxiv.org/abs/2110.01765
/// [Zhang et al. 2022]: https://openreview.net/forum?id=U0k7XNTiFEq
public struct ShapedActivation: Sendable, Hashable, CustomStringConvertible {
    /// φ, with its own parameters (for DKS/TAT of leaky_relu, `slope` is the solved negative slope).
    public let activation: Activation
    /// `input_scale` (α in the papers); never 0.
    public let inputScale: Double
    /// `input_shift` (β).
    public let inputShift: Double
    /// `output_shift` (δ).
    public let outputShift: Double
    /// `output_scale` (γ).
    public let outputScale: Double

    /// φ̂ with the given affine parameters (defaults: the identity transformation).
    public init(_ activation: Activation, inputScale: Double = 1, inputShift: Double = 0,
                outputShift: Double = 0, outputScale: Double = 1) {
        self.activation = activation
        self.inputScale = inputScale
        self.inputShift = inputShift
        self.outputShift = outputShift
        self.outputScale = outputScale
    }

    /// `φ̂(x)`, `φ̂'(x)` or `φ̂''(x)` (right-hand values at a kink, `φ̂''` without Dirac masses).
    public func evaluate(_ x: Double, _ order: DerivativeOrder) -> Double {
        let u = inputScale * x + inputShift
        switch order {
        case .value: return outputScale * (activation.evaluate(u, .value) + outputShift)
        case .first: return outputScale * inputScale * activation.evaluate(u, .first)
        case .second: return outputScale * inputScale * inputScale * activation.evaluate(u, .second)
        }
    }

    /// Where φ̂ has kinks, in its own input units: `(k − input_shift)/input_scale`.
    public var kinkLocations: [Double] {
        activation.kinks.map { ($0.location - inputShift) / inputScale }
    }

    /// `φ̂^(order)` as a ``KinkedFunction`` for the Gaussian expectation engine.
    public func kinkedFunction(_ order: DerivativeOrder) -> KinkedFunction {
        let shaped = self
        return KinkedFunction(kinks: kinkLocations, featureScale: activation.featureScale.map { $0 / abs(inputScale) }) { x in
            shaped.evaluate(x, order)
        }
    }

    /// The canonical spec: φ's spec with every activation parameter, then the affine ones that
    /// differ from their defaults (1, 0, 0, 1), in the order `in_scale, in_shift, out_shift,
    /// out_scale`, e.g. `tanh:in_scale=0.2,out_scale=4.9`.
    ///
    /// When φ itself already carries an affine transformation `φ₀(y) = s₀(φ(a₀y + b₀) + d₀)`, the two
    /// compose into one (so the spec names each affine parameter once):
    /// ```
    /// γ(φ₀(αx + β) + δ) = γs₀ · (φ(a₀α·x + a₀β + b₀) + d₀ + δ/s₀)
    /// ```
    public var spec: String {
        let a0 = activation.affine
        let composed = AffineTransform(inScale: a0.inScale * inputScale, inShift: a0.inScale * inputShift + a0.inShift,
                                       outShift: a0.outShift + outputShift / a0.outScale, outScale: outputScale * a0.outScale)
        let base = activation.base.spec
        let extra = zip(AffineTransform.names, zip(composed.values, AffineTransform.identity.values))
            .filter { $0.1.0 != $0.1.1 }.map { "\($0.0)=\(formatSpecNumber($0.1.0))" }
        guard !extra.isEmpty else { return base }
        return base + (base.contains(":") ? "," : ":") + extra.joined(separator: ",")
    }

    public var description: String { spec }
}

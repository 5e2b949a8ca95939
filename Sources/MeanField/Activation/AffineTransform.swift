#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The generic input/output transformation every activation spec accepts (SPEC §6; the deepmind
/// `dks` package's convention, [Martens et al. 2021], [Zhang et al. 2022]):
///
/// ```
/// φ̂(x) = out_scale · (φ(in_scale · x + in_shift) + out_shift)
/// φ̂'(x) = out_scale · in_scale · φ'(in_scale · x + in_shift)
/// φ̂''(x) = out_scale · in_scale² · φ''(in_scale · x + in_shift)
/// kinks:  x_k = (k − in_shift) / in_scale,  jump of φ̂' = out_scale · |in_scale| · jump of φ'
/// X ~ N(m, q)  ⇒  in_scale · X + in_shift ~ N(in_scale · m + in_shift, in_scale² · q)
/// ```
/// Defaults (1, 0, 0, 1) are the identity and are left out of the canonical spec. `in_scale` and
/// `out_scale` must be finite and nonzero; either may be negative (φ̂ is then φ mirrored or
/// flipped: at a kink of a mirrored φ the right-hand derivative of φ̂ is the left-hand one of φ).
///
/// [Martens et al. 2021]: https://arxiv.org/abs/2110.01765
/// [Zhang et al. 2022]: https://arxiv.org/abs/2203.08120
public struct AffineTransform: Sendable, Hashable {
    public let inScale: Double
    public let inShift: Double
    public let outShift: Double
    public let outScale: Double

    /// The spec names, in canonical order.
    public static let names = ["in_scale", "in_shift", "out_shift", "out_scale"]
    static let defaults: [Double] = [1, 0, 0, 1]

    public static let identity = AffineTransform(inScale: 1, inShift: 0, outShift: 0, outScale: 1)

    public init(inScale: Double = 1, inShift: Double = 0, outShift: Double = 0, outScale: Double = 1) {
        self.inScale = inScale
        self.inShift = inShift
        self.outShift = outShift
        self.outScale = outScale
    }

    /// The values in the order of ``names``.
    public var values: [Double] { [inScale, inShift, outShift, outScale] }

    /// True at (1, 0, 0, 1).
    public var isIdentity: Bool { inScale == 1 && inShift == 0 && outShift == 0 && outScale == 1 }

    /// The spec parameters that are not at their defaults, e.g. `in_scale=0.2,out_scale=4.9`.
    var specAssignments: [String] {
        zip(Self.names, zip(values, Self.defaults)).compactMap { name, pair in
            pair.0 == pair.1 ? nil : "\(name)=\(formatSpecNumber(pair.0))"
        }
    }

    /// The domain of each parameter, for messages.
    static func domain(_ name: String) -> String {
        name == "in_scale" || name == "out_scale" ? "\(name) finite and nonzero" : "a finite number"
    }

    static func validate(_ name: String, _ value: Double) throws(ActivationError) {
        let scale = name == "in_scale" || name == "out_scale"
        guard value.isFinite, !scale || value != 0 else {
            throw .parameterOutOfDomain(name: name, value: value, domain: domain(name))
        }
    }

    /// The mean and variance of `in_scale · X + in_shift` for `X ~ N(m, q)`.
    @inline(__always)
    func inner(mean m: Double, variance q: Double) -> (mean: Double, variance: Double) {
        (inScale * m + inShift, inScale * inScale * q)
    }

    /// The factor `out_scale · in_scale^order` of `φ̂^(order)`.
    @inline(__always)
    func factor(_ order: DerivativeOrder) -> Double {
        switch order {
        case .value: return outScale
        case .first: return outScale * inScale
        case .second: return outScale * inScale * inScale
        }
    }

    /// The additive term inside the parenthesis for `φ̂^(order)`: out_shift for the value, 0 else.
    @inline(__always)
    func shift(_ order: DerivativeOrder) -> Double { order == .value ? outShift : 0 }
}

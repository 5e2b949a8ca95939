#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Namespace of the family definitions (one file each in `Families/`).
enum Families {}

extension Activation {
    /// The activation families (SPEC §1.1 and PyTorch's elementwise activations, issue #14).
    ///
    /// Adding a family: a file in `Families/` with a caseless enum conforming to
    /// `ActivationDefinition`, a case here, and one line in each of ``definition`` and
    /// `Activation.baseEvaluate` below.
    public enum Family: String, Sendable, Hashable, CaseIterable {
        case linear, relu, leakyRelu = "leaky_relu", elu, selu, celu, gelu, silu, softplus, tanh, erf, sigmoid
        case hardtanh, relu6, hardsigmoid, hardswish, geluTanh = "gelu_tanh", mish, softsign, logsigmoid, tanhshrink
        case softshrink, absolute = "abs", sine = "sin"

        /// The twelve families of SPEC §1.1: what subcommands take when no `--activation` is given
        /// (so their default tables stay what they were before the catalogue grew).
        public static let standard: [Family] = [.linear, .relu, .leakyRelu, .elu, .selu, .celu, .gelu, .silu, .softplus, .tanh, .erf, .sigmoid]

        /// The definition that carries everything about this family.
        var definition: any ActivationDefinition.Type {
            switch self {
            case .linear: return Families.Linear.self
            case .relu: return Families.Relu.self
            case .leakyRelu: return Families.LeakyRelu.self
            case .elu: return Families.Elu.self
            case .selu: return Families.Selu.self
            case .celu: return Families.Celu.self
            case .gelu: return Families.Gelu.self
            case .silu: return Families.Silu.self
            case .softplus: return Families.Softplus.self
            case .tanh: return Families.Tanh.self
            case .erf: return Families.Erf.self
            case .sigmoid: return Families.Sigmoid.self
            case .hardtanh: return Families.Hardtanh.self
            case .relu6: return Families.Relu6.self
            case .hardsigmoid: return Families.Hardsigmoid.self
            case .hardswish: return Families.Hardswish.self
            case .geluTanh: return Families.GeluTanh.self
            case .mish: return Families.Mish.self
            case .softsign: return Families.Softsign.self
            case .logsigmoid: return Families.LogSigmoid.self
            case .tanhshrink: return Families.Tanhshrink.self
            case .softshrink: return Families.Softshrink.self
            case .absolute: return Families.Abs.self
            case .sine: return Families.Sin.self
            }
        }

        /// The parameters of this family, in canonical order, with defaults and domains (the
        /// affine `in_scale, in_shift, out_shift, out_scale` of every family are not listed here:
        /// see ``AffineTransform``).
        public var parameters: [Activation.Parameter] { definition.parameters }

        /// The formula, for the catalogue.
        public var formula: String { definition.formula }
    }

    /// Other names a spec may use: PyTorch's `prelu` is leaky_relu with PReLU's initial slope 0.25.
    static let aliases: [String: (family: Family, defaults: [String: Double])] = [
        "prelu": (.leakyRelu, ["slope": 0.25]),
    ]

    /// PyTorch activations that are refused, with the reason.
    static let refused: [String: String] = [
        "hardshrink": "hardshrink is discontinuous at ±lambda: phi' has a Dirac mass there, so E[phi'(u) phi'(v)] and the NTK are infinite",
        "threshold": "threshold is discontinuous at its threshold: phi' has a Dirac mass there, so E[phi'(u) phi'(v)] and the NTK are infinite",
    ]

    /// `φ^(order)(x)` of the family itself (no affine transformation): the hot path, with static
    /// dispatch so that each family's formula inlines into the quadrature loops.
    @inline(__always)
    func baseEvaluate(_ x: Double, _ order: DerivativeOrder) -> Double {
        let p = parameterValues
        switch family {
        case .linear: return Families.Linear.evaluate(x, order, p)
        case .relu: return Families.Relu.evaluate(x, order, p)
        case .leakyRelu: return Families.LeakyRelu.evaluate(x, order, p)
        case .elu: return Families.Elu.evaluate(x, order, p)
        case .selu: return Families.Selu.evaluate(x, order, p)
        case .celu: return Families.Celu.evaluate(x, order, p)
        case .gelu: return Families.Gelu.evaluate(x, order, p)
        case .silu: return Families.Silu.evaluate(x, order, p)
        case .softplus: return Families.Softplus.evaluate(x, order, p)
        case .tanh: return Families.Tanh.evaluate(x, order, p)
        case .erf: return Families.Erf.evaluate(x, order, p)
        case .sigmoid: return Families.Sigmoid.evaluate(x, order, p)
        case .hardtanh: return Families.Hardtanh.evaluate(x, order, p)
        case .relu6: return Families.Relu6.evaluate(x, order, p)
        case .hardsigmoid: return Families.Hardsigmoid.evaluate(x, order, p)
        case .hardswish: return Families.Hardswish.evaluate(x, order, p)
        case .geluTanh: return Families.GeluTanh.evaluate(x, order, p)
        case .mish: return Families.Mish.evaluate(x, order, p)
        case .softsign: return Families.Softsign.evaluate(x, order, p)
        case .logsigmoid: return Families.LogSigmoid.evaluate(x, order, p)
        case .tanhshrink: return Families.Tanhshrink.evaluate(x, order, p)
        case .softshrink: return Families.Softshrink.evaluate(x, order, p)
        case .absolute: return Families.Abs.evaluate(x, order, p)
        case .sine: return Families.Sin.evaluate(x, order, p)
        }
    }
}

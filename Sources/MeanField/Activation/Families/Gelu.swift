#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Families {
    /// `φ(x) = x·Φ(x)`, the exact GELU ([Hendrycks & Gimpel 2016]; PyTorch's default `approximate='none'`).
    ///
    /// ```
    /// φ = xΦ(x),  φ' = Φ(x) + xϕ(x),  φ'' = ϕ(x)(2 − x²)
    /// E[XΦ(X)] = m Φ(m/√(1+q)) + q ϕ(m/√(1+q))/√(1+q)      (Stein's lemma)
    /// ```
    ///
    /// [Hendrycks & Gimpel 2016]: https://arxiv.org/abs/1606.08415
    enum Gelu: ActivationDefinition {
        static let formula = "x*Phi(x)"
        static func evaluate(_ x: Double, _ order: DerivativeOrder, _ p: [Double]) -> Double {
            let density = standardNormalDensity(x)
            switch order {
            case .value: return x * standardNormalCDF(x)
            case .first: return standardNormalCDF(x) + x * density
            case .second: return density * (2 - x * x)
            }
        }
        static func closedFormExpectation(_ i: DerivativeOrder, _ j: DerivativeOrder?, mean m: Double, variance q: Double, _ p: [Double]) -> Double? {
            guard i == .value, j == nil else { return nil }
            let r = (1 + q).squareRoot()
            return m * standardNormalCDF(m / r) + q * standardNormalDensity(m / r) / r
        }
        static func closedFormSummary(_ p: [Double]) -> String { "1D: phi; 2D: phi*phi, phi'*phi' (neural-tangents' stax.Gelu form)" }
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A Gaussian expectation together with how it was obtained (in the spirit of QuadGK.jl).
public struct Expectation: Sendable, Hashable, CustomStringConvertible {
    /// How the value was computed.
    public enum Method: String, Sendable, Hashable {
        /// An exact formula (erfc, arc-cosine, arcsine kernels, ...); `errorEstimate` is 0.
        case closedForm = "closed form"
        /// Kink-aware adaptive Gauss–Kronrod quadrature.
        case quadrature
        /// A point mass (zero variance): the integrand evaluated once.
        case pointMass = "point mass"
    }

    /// The expectation.
    public let value: Double
    /// Estimated absolute error (QUADPACK's heuristic for quadrature; 0 for closed forms).
    public let errorEstimate: Double
    /// Integrand evaluations spent (0 for closed forms).
    public let evaluations: Int
    /// Closed form, quadrature or point mass.
    public let method: Method
    /// False when quadrature hit its panel budget before meeting its tolerance.
    public let converged: Bool

    public init(value: Double, errorEstimate: Double = 0, evaluations: Int = 0, method: Method, converged: Bool = true) {
        self.value = value
        self.errorEstimate = errorEstimate
        self.evaluations = evaluations
        self.method = method
        self.converged = converged
    }

    static func closedForm(_ value: Double) -> Expectation { Expectation(value: value, method: .closedForm) }

    public var description: String {
        switch method {
        case .closedForm, .pointMass: return "\(value) (\(method.rawValue))"
        case .quadrature:
            return "\(value) ± \(errorEstimate) (quadrature, \(evaluations) evaluations\(converged ? "" : ", NOT converged"))"
        }
    }
}

/// Global adaptive integration on a mesh of breakpoints with 21-point Gauss–Kronrod panels.
///
/// The mesh carries what is known about the integrand (kinks as breakpoints, graded panels towards
/// a near-singularity); the driver then bisects the panel with the largest error estimate until
/// the summed estimate is below `relativeTolerance · Σ∫|f|` (QUADPACK's `qag` strategy, with the
/// tolerance relative to the absolute integral so that cancelling integrands — E[selu(z)] = 0 —
/// still terminate). A 1e-13 target leaves a margin above the 50ε·∫|f| floor of each panel's
/// estimate; the realised error is near machine precision (see the tests against 40-digit
/// references).
enum AdaptiveQuadrature {
    struct Panel {
        var lower: Double, upper: Double, value: Double, error: Double, absolute: Double
    }

    static func integrate(
        _ f: (Double) -> Double, mesh: [Double],
        relativeTolerance: Double = 1e-13, maximumPanels: Int = 2000, refinement: Int = 0
    ) -> Expectation {
        var panels: [Panel] = []
        panels.reserveCapacity(mesh.count + 16)
        func panel(_ a: Double, _ b: Double) -> Panel {
            let r = GSL.gaussKronrod21(from: a, to: b, f)
            return Panel(lower: a, upper: b, value: r.value, error: r.error, absolute: r.absoluteIntegral)
        }
        // `refinement` splits every initial panel into 2^refinement (a much finer run, for tests).
        let pieces = 1 << refinement
        for (a, b) in zip(mesh, mesh.dropFirst()) where b > a {
            for k in 0..<pieces {
                let lo = a + (b - a) * Double(k) / Double(pieces)
                let hi = k == pieces - 1 ? b : a + (b - a) * Double(k + 1) / Double(pieces)
                panels.append(panel(lo, hi))
            }
        }
        var evaluations = 21 * panels.count
        var converged = true
        while true {
            var totalError = 0.0, totalAbsolute = 0.0, worst = 0
            for (i, p) in panels.enumerated() {
                totalError += p.error
                totalAbsolute += p.absolute
                if p.error > panels[worst].error { worst = i }
            }
            if panels.isEmpty || totalError <= relativeTolerance * totalAbsolute { break }
            // A non-finite integrand (an exploding sweep) cannot be refined into shape.
            guard totalError.isFinite else { converged = false; break }
            let p = panels[worst]
            let mid = 0.5 * (p.lower + p.upper)
            guard panels.count < maximumPanels, mid > p.lower, mid < p.upper else { converged = false; break }
            panels[worst] = panel(p.lower, mid)
            panels.append(panel(mid, p.upper))
            evaluations += 42
        }
        // Sum small panels first: a little less rounding.
        let ordered = panels.sorted { abs($0.value) < abs($1.value) }
        let value = ordered.reduce(0) { $0 + $1.value }
        let error = panels.reduce(0) { $0 + $1.error }
        let result = Expectation(value: value, errorEstimate: error, evaluations: evaluations,
                                 method: .quadrature, converged: converged)
        AccuracyLedger.current?.record(result)
        return result
    }
}

/// A function of one variable as quadrature needs to know it: its values, its kinks (any number,
/// anywhere), and the scale of its curvature around ``featureCentre`` (nil when it is piecewise linear).
public struct KinkedFunction: Sendable {
    /// The function.
    public let evaluate: @Sendable (Double) -> Double
    /// Where it is not smooth (integration breakpoints).
    public let kinks: [Double]
    /// The scale of its curvature around ``featureCentre``, or nil when it is piecewise linear.
    public let featureScale: Double?
    /// Where its curvature is centred (0 for every catalogued activation; `−in_shift/in_scale`
    /// for a shifted one).
    public let featureCentre: Double

    /// A function with its kinks and feature scale.
    public init(kinks: [Double] = [], featureScale: Double? = nil, featureCentre: Double = 0,
                _ evaluate: @escaping @Sendable (Double) -> Double) {
        self.evaluate = evaluate
        self.kinks = kinks
        self.featureScale = featureScale
        self.featureCentre = featureCentre
    }

    /// `x ↦ self(x) · other(x)`.
    public func times(_ other: KinkedFunction) -> KinkedFunction {
        let f = evaluate, g = other.evaluate
        let (scale, centre) = Self.finer(featureScale, featureCentre, other.featureScale, other.featureCentre)
        return KinkedFunction(kinks: Array(Set(kinks + other.kinks)).sorted(), featureScale: scale, featureCentre: centre) { x in f(x) * g(x) }
    }

    /// The smaller of two feature scales with its centre.
    static func finer(_ a: Double?, _ ca: Double, _ b: Double?, _ cb: Double) -> (Double?, Double) {
        switch (a, b) {
        case let (a?, b?): return b < a ? (b, cb) : (a, ca)
        case let (a?, nil): return (a, ca)
        case let (nil, b?): return (b, cb)
        case (nil, nil): return (nil, 0)
        }
    }
}

/// Meshes in the standard-normal variable z for integrands `g(m + √q z) ϕ(z)`.
enum GaussianMesh {
    /// Beyond |z| = 9.5 the standard normal density is below 3e-20: the window's truncation error
    /// (∫_{9.5}^∞ z² ϕ(z) dz ≈ 2e-19 relative for the fastest-growing integrands, products of two
    /// linearly growing activations) is negligible against 1e-13.
    static let halfWidth = 9.5

    /// Breakpoints for `∫ g(m + s z) ϕ(z) dz` over the window: a grid of width 3 for the Gaussian,
    /// the kinks of g, and panels graded geometrically (ratio 2) towards z = (centre − m)/s, down
    /// to the scale `featureScale / s` of g's curvature, so that a sharp-but-smooth transition
    /// (tanh at q = 1e4) or a kink is resolved without bisection. Every kink is a breakpoint; when g
    /// has curvature (featureScale) the panels are also graded towards each kink away from the centre.
    static func mesh(mean m: Double, scale s: Double, kinks: [Double], featureScale: Double?,
                     featureCentre centre: Double = 0, extra: [Double] = []) -> [Double] {
        var points: [Double] = [-7.5, -4.5, -1.5, 1.5, 4.5, 7.5]
        for k in kinks { points.append((k - m) / s) }
        if let h = featureScale.map({ $0 / s }) {
            addGraded(&points, centre: (centre - m) / s, finest: h)
            for k in kinks where k != centre { addGraded(&points, centre: (k - m) / s, finest: h) }
        } else if !kinks.isEmpty {
            points.append((centre - m) / s)
        }
        points += extra
        return finish(points)
    }

    /// Points `centre ± h·2^j` that fall inside the window, for `h·2^j < 2` (beyond that the
    /// Gaussian grid is about as fine).
    static func addGraded(_ points: inout [Double], centre: Double, finest h: Double) {
        guard h.isFinite, h > 0 else { points.append(centre); return }
        points.append(centre)
        var width = h
        while width < 2 {
            points.append(centre - width)
            points.append(centre + width)
            width *= 2
        }
    }

    static func finish(_ points: [Double]) -> [Double] {
        let z = halfWidth
        var inside = points.filter { $0.isFinite && $0 > -z && $0 < z }
        inside += [-z, z]
        inside.sort()
        var result: [Double] = []
        result.reserveCapacity(inside.count)
        for p in inside where result.last.map({ p > $0 }) ?? true { result.append(p) }
        return result
    }
}

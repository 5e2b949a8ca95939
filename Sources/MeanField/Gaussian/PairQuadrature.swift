#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Global adaptive 21-point Gauss–Kronrod quadrature of a pair of integrands evaluated together
/// (`x ↦ (f(x), g(x))` sharing their expensive parts), on a mesh of breakpoints.
///
/// The same strategy as ``AdaptiveQuadrature`` (QUADPACK's `qag` [Piessens et al. 1983]): bisect
/// the panel with the largest error estimate until, for each component k,
/// ```
/// Σ_panels error_k ≤ relativeTolerance · Σ_panels ∫|f_k|   (or below `absoluteFloor`)
/// ```
/// The error estimate of a panel is QUADPACK's `(200·|G10 − K21|)^1.5`-scaled form, floored at
/// 50ε·∫|f_k|, per component.
///
/// [Piessens et al. 1983]: https://doi.org/10.1007/978-3-642-61786-7
enum PairQuadrature {
    /// Kronrod nodes (positive half, descending; the last is the centre) and weights of QUADPACK's qk21.
    static let kronrodNodes: [Double] = [
        0.995657163025808080735527280689003, 0.973906528517171720077964012084452,
        0.930157491355708226001207180059508, 0.865063366688984510732096688423493,
        0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
        0.562757134668604683339000099272694, 0.433395394129247190799265943165784,
        0.294392862701460198131126603103866, 0.148874338981631210884826001129720, 0,
    ]
    static let kronrodWeights: [Double] = [
        0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
        0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
        0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
        0.123491976262065851077208067117137, 0.134709217311473325928054001771707,
        0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
        0.149445554002916905664936468389821,
    ]
    /// 10-point Gauss weights at the odd-indexed Kronrod nodes 1, 3, 5, 7, 9.
    static let gaussWeights: [Double] = [
        0.066671344308688137593568809893332, 0.149451349150580593145776339657697,
        0.219086362515982043995534934228163, 0.269266719309996355091226921569469,
        0.295524224714752870173892994651338,
    ]

    struct Panel {
        var lower: Double, upper: Double
        var value: SIMD2<Double>, error: SIMD2<Double>, absolute: SIMD2<Double>
    }

    /// One 21-point Gauss–Kronrod panel on [a, b].
    static func panel(_ a: Double, _ b: Double, _ f: (Double) -> SIMD2<Double>) -> Panel {
        let centre = 0.5 * (a + b), half = 0.5 * (b - a)
        let fc = f(centre)
        var kronrod = fc * kronrodWeights[10], absolute = magnitudes(fc) * kronrodWeights[10], gauss = SIMD2<Double>(0, 0)
        var values = [SIMD2<Double>](repeating: .zero, count: 20)
        for j in 0..<10 {
            let dx = half * kronrodNodes[j]
            let f1 = f(centre - dx), f2 = f(centre + dx)
            values[2 * j] = f1; values[2 * j + 1] = f2
            kronrod += (f1 + f2) * kronrodWeights[j]
            absolute += (magnitudes(f1) + magnitudes(f2)) * kronrodWeights[j]
            if j % 2 == 1 { gauss += (f1 + f2) * gaussWeights[j / 2] }
        }
        // QUADPACK's resasc: ∫|f − mean| for the error scaling.
        let mean = kronrod * 0.5
        var asc = magnitudes(fc - mean) * kronrodWeights[10]
        for j in 0..<10 { asc += (magnitudes(values[2 * j] - mean) + magnitudes(values[2 * j + 1] - mean)) * kronrodWeights[j] }
        var error = SIMD2<Double>(0, 0)
        for k in 0..<2 {
            var e = abs((kronrod[k] - gauss[k]) * half)
            let scale = asc[k] * abs(half)
            if scale != 0, e != 0 { e = scale * min(1, pow(200 * e / scale, 1.5)) }
            let floor = 50 * Double.ulpOfOne * absolute[k] * abs(half)
            error[k] = max(e, floor)
        }
        return Panel(lower: a, upper: b, value: kronrod * half, error: error, absolute: absolute * abs(half))
    }

    /// `(∫f, ∫g)` over the mesh, its summed error estimate, the evaluations spent and whether the
    /// tolerance was met within `maximumPanels`.
    static func integrate(_ f: (Double) -> SIMD2<Double>, mesh: [Double], relativeTolerance: Double = 1e-13,
                          absoluteFloor: SIMD2<Double> = .zero, maximumPanels: Int = 400)
        -> (value: SIMD2<Double>, error: SIMD2<Double>, evaluations: Int, converged: Bool) {
        var panels: [Panel] = []
        panels.reserveCapacity(mesh.count + 16)
        for (a, b) in zip(mesh, mesh.dropFirst()) where b > a { panels.append(panel(a, b, f)) }
        var evaluations = 21 * panels.count, converged = true
        while true {
            var error = SIMD2<Double>(0, 0), absolute = SIMD2<Double>(0, 0)
            for p in panels { error += p.error; absolute += p.absolute }
            let target = pointwiseMax(relativeTolerance * absolute, absoluteFloor)
            if panels.isEmpty || (error[0] <= target[0] && error[1] <= target[1]) { break }
            guard error[0].isFinite, error[1].isFinite else { converged = false; break }
            // The panel with the largest error relative to its component's target.
            var worst = 0, worstRatio = -1.0
            for (i, p) in panels.enumerated() {
                let ratio = max(target[0] > 0 ? p.error[0] / target[0] : p.error[0],
                                target[1] > 0 ? p.error[1] / target[1] : p.error[1])
                if ratio > worstRatio { worstRatio = ratio; worst = i }
            }
            let p = panels[worst], mid = 0.5 * (p.lower + p.upper)
            guard panels.count < maximumPanels, mid > p.lower, mid < p.upper else { converged = false; break }
            panels[worst] = panel(p.lower, mid, f)
            panels.append(panel(mid, p.upper, f))
            evaluations += 42
        }
        var value = SIMD2<Double>(0, 0), error = SIMD2<Double>(0, 0)
        for p in panels { value += p.value; error += p.error }
        return (value, error, evaluations, converged)
    }
}

/// `(|v.x|, |v.y|)`.
@inline(__always)
func magnitudes(_ v: SIMD2<Double>) -> SIMD2<Double> { SIMD2(abs(v.x), abs(v.y)) }

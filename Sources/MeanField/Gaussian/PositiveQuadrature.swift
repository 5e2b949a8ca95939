#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Globally adaptive 15-point Gauss–Kronrod integration of up to four *single-signed* integrands
/// at once (a `SIMD4<Double>`), to a relative tolerance on each component.
///
/// Because every component keeps one sign, `∫|fᵢ| = |∫fᵢ|` and a relative tolerance is a relative
/// error bound: the sums of positive terms that the tilted-orthant integrals of
/// ``TiltedOrthant`` and the Plackett form of ``bivariateNormalCDF(_:_:correlation:)`` are built
/// from keep full relative accuracy however small they are. The panels carry an integer tag (the
/// integration variable a panel is expressed in), so that a panel next to an endpoint keeps the
/// distance to it exactly (no `π − ψ` computed by subtraction).
///
/// ```
/// per panel: error = |K15 − G7| (componentwise);  stop when Σ error ≤ tolerance · |Σ K15|
/// ```
/// |K15 − G7| is the error of the 7-point rule; the 15-point value kept is far more accurate for
/// the analytic integrands used here (tests against 30-digit mpmath references).
enum PositiveQuadrature {
    struct Panel {
        var tag: Int, lower: Double, upper: Double
        var value: SIMD4<Double>, error: SIMD4<Double>
    }

    // Kronrod nodes (x ≥ 0, descending) and weights; the Gauss weights sit at the odd Kronrod indices.
    static let nodes: [Double] = [0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                                  0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                                  0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                                  0.207784955007898467600689403773245, 0]
    static let kronrodWeights: [Double] = [0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                                           0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                                           0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                                           0.204432940075298892414161999234649, 0.209482141084727828012999174891714]
    static let gaussWeights: [Double] = [0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                                         0.381830050505118944950369775488975, 0.417959183673469387755102040816327]

    static func panel(_ f: (Int, Double) -> SIMD4<Double>, tag: Int, _ a: Double, _ b: Double) -> Panel {
        let centre = 0.5 * (a + b), half = 0.5 * (b - a)
        var kronrod = SIMD4<Double>(repeating: 0), gauss = SIMD4<Double>(repeating: 0)
        let middle = f(tag, centre)
        kronrod += kronrodWeights[7] * middle
        gauss += gaussWeights[3] * middle
        for i in 0..<7 {
            let offset = half * nodes[i]
            let pair = f(tag, centre - offset) + f(tag, centre + offset)
            kronrod += kronrodWeights[i] * pair
            if i & 1 == 1 { gauss += gaussWeights[i >> 1] * pair }
        }
        kronrod *= half
        gauss *= half
        // QUADPACK's estimate |K|·min(1, (200|K − G|/|K|)^1.5) (|K| for its resasc: single-signed integrands).
        var error = SIMD4<Double>(repeating: 0)
        for i in 0..<4 {
            let scale = abs(kronrod[i]), difference = abs(kronrod[i] - gauss[i])
            guard scale > 0 else { error[i] = difference; continue }
            let ratio = 200 * difference / scale
            error[i] = scale * min(1, ratio * ratio.squareRoot())
        }
        return Panel(tag: tag, lower: a, upper: b, value: kronrod, error: error)
    }

    /// `Σ ∫ f(tag, x) dx` over the initial panels `(tag, lower, upper)`, bisecting the panel whose
    /// error is largest relative to its component's total until every component meets
    /// `relativeTolerance` (or 400 panels). Returns the integrals and whether they converged.
    static func integrate(_ f: (Int, Double) -> SIMD4<Double>, panels initial: [(Int, Double, Double)],
                          relativeTolerance: Double = 1e-15) -> (value: SIMD4<Double>, converged: Bool) {
        var panels = initial.filter { $0.2 > $0.1 }.map { panel(f, tag: $0.0, $0.1, $0.2) }
        while true {
            var total = SIMD4<Double>(repeating: 0), error = SIMD4<Double>(repeating: 0)
            for p in panels { total += p.value; error += p.error }
            let scale = SIMD4(abs(total[0]), abs(total[1]), abs(total[2]), abs(total[3]))
            var worst = 0.0
            for i in 0..<4 where error[i] > relativeTolerance * scale[i] {
                worst = max(worst, scale[i] > 0 ? error[i] / scale[i] : .infinity)
            }
            if worst == 0 { return (total, true) }
            if panels.count >= 400 { return (total, false) }
            // The panel contributing most to the worst relative error.
            var index = 0, largest = -1.0
            for (k, p) in panels.enumerated() {
                var contribution = 0.0
                for i in 0..<4 where scale[i] > 0 { contribution = max(contribution, p.error[i] / scale[i]) }
                if contribution > largest { largest = contribution; index = k }
            }
            let p = panels[index]
            let middle = 0.5 * (p.lower + p.upper)
            guard middle > p.lower, middle < p.upper else { return (total, false) }
            panels[index] = panel(f, tag: p.tag, p.lower, middle)
            panels.append(panel(f, tag: p.tag, middle, p.upper))
        }
    }
}

import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import MeanField

/// `mfsim finite-width`: leading 1/n corrections through depth (SPEC §7).
struct FiniteWidthCommand: TableCommand {
    static let standardConfiguration = CommandConfiguration(
        commandName: "finite-width",
        abstract: "Leading 1/n corrections: four-point vertex, kernel shift, fluctuations of q and of gradients.",
        discussion: """
            Roberts, Yaida & Hanin, "The Principles of Deep Learning Theory" (arXiv 2106.10165), ch. 4-5: a network of \
            equal widths n = --width with W_ij ~ N(0, sigma_w2/n), b_i ~ N(0, sigma_b2). Row 0 is the first layer's \
            pre-activations, exactly Gaussian with variance q0; row l = 1..L follows. <.> is over z ~ N(0, K_(l-1)).

            Columns:
              activation, layer
              kernel            K_l = sigma_w2 <phi^2> + sigma_b2 (the infinite-width q_l)
              vertex            V_l = sigma_w2^2 (<phi^4> - <phi^2>^2) + chi_parallel^2 V_(l-1), V_0 = 0: \
            Cov(z_i^2, z_j^2) = V/n for i != j, to leading order
              chi_parallel      sigma_w2 <phi^2 (z^2 - K)>/(2K^2) at this row's K (= sigma_w2 d<phi^2>/dK)
              kernel_correction G1_l = chi_parallel G1_(l-1) + (sigma_w2/8) <phi^2 (z^4 - 6Kz^2 + 3K^2)>/K^4 V_(l-1), \
            G1_0 = 0: E[z^2] = K + G1/n + O(1/n^2)
              mean_square       K + G1/n
              q_sd              sqrt((2K^2 + V)/n): the standard deviation across networks of q = |z|^2/n
              fourth_cumulant   3V/n = E[z^4] - 3 E[z^2]^2
              chi_perp          sigma_w2 <phi'^2> (mean-field gain of the squared Jacobian-vector product)
              grad_vertex       V_dd/T^2, the relative four-point vertex of the tangent kernel (see below)
              grad_rel_var      (grad_vertex + 2)/n: Var[Y]/E[Y]^2 across networks of Y = |J u|^2/n, J = dz^l/dx, \
            u an input direction orthogonal to x (relu at (2, 0): (5l + 2)/n, Hanin & Nica 2020's exp(5 sum 1/n) to \
            leading order)
              grad_rel_var_lognormal  exp(grad_rel_var) - 1: the log-normal resummation (log Y Gaussian, as for a \
            product of many independent layer factors; relu's exact (1 + 5/n)^l (1 + 2/n) - 1 ~ exp((5l + 2)/n) - 1). \
            Equal to grad_rel_var to leading order; closer to simulations at depth/width of order 1
              vertex_exact, q_sd_exact, fourth_cumulant_exact, kernel_correction_exact, grad_rel_var_exact: the exact \
            finite-width values for a positively homogeneous activation (linear, relu, leaky_relu) with sigma_b2 = 0, \
            where |z^l|^2 is K_0 times a product of l independent factors (sigma_w2/n) sum_j phi(g_j)^2 (relu: a \
            chi-square with Binomial(n, 1/2) degrees of freedom): E[X^2] = E[X]^2 (1 + kappa/n), kappa = A4/A2^2 - 1 \
            with A_k = E[phi(g)^k] (relu 5, linear 2); empty otherwise.

            Gradients (tangent) recursion, with T_l = chi_perp T_(l-1), alpha = sigma_w2 <phi'^2 (z^2 - K)>/(2K^2): \
            r_zd,l = sigma_w2^2 (<phi^2 phi'^2> - <phi^2><phi'^2>)/chi_perp + chi_parallel alpha V_(l-1)/chi_perp + \
            chi_parallel r_zd,(l-1); grad_vertex_l = sigma_w2^2 (3<phi'^4> - <phi'^2>^2)/chi_perp^2 + (alpha/chi_perp)^2 \
            V_(l-1) + 2 alpha r_zd,(l-1)/chi_perp + grad_vertex_(l-1). These are leading-order (1/n) results: they are \
            accurate while the products V/(n K^2), grad_rel_var stay well below 1 (depth/width small); the exact columns \
            show where 1/n is enough.

            Two inputs (--c0 C): both inputs' first-layer pre-activations have variance q0 and correlation C; six more \
            columns follow, with <.> over (z1, z2) ~ N(0, K_(l-1)) and the stochastic kernel G_ab = sigma_w2 (1/n) \
            sum_j phi(z_j;a) phi(z_j;b) + sigma_b2 (a, b = 1, 2):
              kernel_12         K_12 = sigma_w2 <phi1 phi2> + sigma_b2 (K_11 = K_22 = kernel)
              c                 K_12/K_11, the infinite-width correlation
              vertex_11_22      V_(11)(22): n Cov(G_11, G_22)
              vertex_11_12      V_(11)(12): n Cov(G_11, G_12) (= V_(22)(12), the inputs being symmetric)
              vertex_12_12      V_(12)(12): n Var(G_12)   (V_(11)(11) = V_(22)(22) is the vertex column)
              c_sd              sqrt(((1 - c^2)^2 + g.V.g)/n): the standard deviation across networks of \
            c = z1.z2/(|z1||z2|) over the layer's n units (delta method; (1 - c^2)^2 is the n-unit sampling part, \
            g = (-c/(2K_11), -c/(2K_22), 1/sqrt(K_11 K_22)) the gradient of c in (K_11, K_22, K_12)). Linear with \
            sigma_w2 = 1: (1 - c^2) sqrt((l + 1)/n) exactly.
            The vertex recursion in the coordinates (11, 22, 12): V_l = sigma_w2^2 N + J V_(l-1) J^T, N_(ab)(cd) = \
            <phi_a phi_b phi_c phi_d> - <phi_a phi_b><phi_c phi_d>, J the Jacobian of the kernel map: dF_11/dK_11 = \
            chi_parallel, dF_12/dK_12 = sigma_w2 <phi1' phi2'>, dF_12/dK_11 = sigma_w2 (<z1 phi1' phi2> - K_12 \
            <phi1' phi2'>)/(2 K_11), the rest 0 or by symmetry. The bivariate expectations are nested kink-aware \
            quadratures (about 10 per layer): --c0 costs far more time per layer than one input.

            Every expectation is a Gaussian integral by kink-aware adaptive quadrature (closed forms for <phi^2>, \
            <phi'^2> where they exist); meta.max_error_estimate is the largest quadrature error estimate behind \
            the rows (relative to each value, or to its natural scale where the value is smaller, e.g. K^2 <phi^2> \
            for <phi^2 (z^4 - 6Kz^2 + 3K^2)>; a bivariate one is the difference from a once-refined mesh), recorded \
            like every table's: a warning names it above 1e-10, above 1e-6 it is an error (exit 65).
            """)

    @OptionGroup var activations: ActivationOptions<ReluTanh>
    @OptionGroup var gaussianWeights: GaussianWeightOptions
    @Option(parsing: .unconditional, help: "Variance q0 > 0 of the first layer's pre-activations. (default: 1)")
    var q0: Real?
    @Option(parsing: .unconditional, help: "Correlation in [-1, 1] of two inputs: adds the two-input vertices and c_sd. (default: none, one input)")
    var c0: Real?
    @Option(help: "Number of layers L (1 to 100000); rows 0..L.")
    var layers = 20
    @Option(help: "Width n of every layer (1 to 1000000000).")
    var width = 128

    @OptionGroup var output: OutputOptions

    static let twoInputColumns = ["kernel_12", "c", "vertex_11_22", "vertex_11_12", "vertex_12_12", "c_sd"]
    static let columns = ["activation", "layer", "kernel", "vertex", "chi_parallel", "kernel_correction", "mean_square", "q_sd",
                          "fourth_cumulant", "chi_perp", "grad_vertex", "grad_rel_var", "grad_rel_var_lognormal", "vertex_exact", "q_sd_exact",
                          "fourth_cumulant_exact", "kernel_correction_exact", "grad_rel_var_exact"]

    func validate() throws {
        guard (1...100_000).contains(layers) else { throw ValidationError("--layers must be 1 to 100000 (got \(layers))") }
        guard (1...1_000_000_000).contains(width) else { throw ValidationError("--width must be 1 to 1000000000 (got \(width))") }
        try gaussianWeights.check()
        if let q0, q0.value <= 0 { throw ValidationError("--q0 must be > 0 (got \(q0))") }
        if let c0, !(abs(c0.value) <= 1) { throw ValidationError("--c0 must be in [-1, 1] (got \(c0))") }
        try activations.check()
    }

    func makeTable() throws -> Table {
        let activations = try self.activations.activations()
        // The sweeps' rows (~20 numbers each, twice with --c0) and the table's.
        try MemoryBudget.check(rows: MemoryBudget.times(activations.count, layers + 1), columns: Self.columns.count + (self.c0 == nil ? 0 : Self.twoInputColumns.count),
                               doubles: MemoryBudget.times(activations.count, (self.c0 == nil ? 24 : 48) * (self.layers + 1)),
                               "finite-width: \(activations.count) activations × \(self.layers + 1) rows")
        let weights = try gaussianWeights.resolvedWeights(for: activations)
        let q0 = self.q0?.value ?? 1, layers = self.layers, width = self.width
        let sweeps = concurrentMap(Array(zip(activations, weights))) { a, w in
            AccuracyLedger.about(a.spec, variance: q0) { FiniteWidth.sweep(a, q0: q0, weights: w, layers: layers, width: width) }
        }
        let c0 = self.c0?.value
        let pairs: [TwoInputFiniteWidthSweep?] = c0.map { c0 in
            concurrentMap(Array(zip(activations, weights))) { a, w in
                AccuracyLedger.about(a.spec, variance: q0, correlation: c0) {
                    FiniteWidth.twoInputSweep(a, q0: q0, c0: c0, weights: w, layers: layers, width: width)
                }
            }
        } ?? activations.map { _ in nil }
        var table = Table(columns: Self.columns + (c0 == nil ? [] : Self.twoInputColumns), meta: MeanFieldVersion.meta(subcommand: "finite-width", [
            ("activation", .text(activations.map(\.spec).joined(separator: " "))), ("layers", .integer(layers)),
            ("width", .integer(width))] + gaussianWeights.meta(activations, weights) + [
            ("q0", .number(q0))] + (c0.map { [("c0", .number($0))] } ?? []) + [
            ("kappa", .text(zip(activations, sweeps).map { "\($0.spec)=\($1.kappa.map(formatNumber) ?? "none")" }.joined(separator: " ")))]))
        for (a, (sweep, pair)) in zip(activations, zip(sweeps, pairs)) {
            let name = Cell.text(a.spec)
            let rowCount = min(sweep.rows.count, pair?.rows.count ?? sweep.rows.count)
            for r in sweep.rows.prefix(rowCount) {
                let optional: (Double?) -> Cell = { $0.map { .number($0) } ?? .missing }
                table.append([name, .integer(r.layer), .number(r.kernel), .number(r.vertex), .number(r.chiParallel),
                              .number(r.kernelCorrection), .number(r.meanSquare), .number(r.qStandardDeviation),
                              .number(r.fourthCumulant), .number(r.chiPerpendicular), optional(r.gradientVertex),
                              optional(r.gradientRelativeVariance), optional(r.gradientRelativeVarianceLogNormal), optional(r.exact?.vertex), optional(r.exact?.qStandardDeviation),
                              optional(r.exact?.fourthCumulant), optional(r.exact?.kernelCorrection),
                              optional(r.exact?.gradientRelativeVariance)]
                              + (pair.map { p in
                                  let t = p.rows[r.layer]
                                  return [.number(t.kernel12), .number(t.correlation), .number(t.vertex.v11_22), .number(t.vertex.v11_12),
                                          .number(t.vertex.v12_12), .number(t.correlationStandardDeviation)]
                              } ?? []))
            }
            if let bad = [sweep.firstNonFiniteLayer, pair?.firstNonFiniteLayer].compactMap({ $0 }).min() {
                warnOverflow(a.spec, layer: bad)
            }
        }
        return table
    }
}

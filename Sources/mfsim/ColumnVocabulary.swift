/// Every column name each table subcommand can print, whatever its options: `--columns` is checked
/// against it before any work (issue #13, "work before checks"), so a misspelt name costs nothing
/// instead of the whole computation. A name of another variant of the same subcommand (e.g. `i` without
/// `--gram`) passes this check and is refused after the work, by ``OutputOptions/select(_:)``, which
/// lists the columns of the table actually made. `ColumnVocabularyTests` runs every variant of every
/// subcommand and checks that its header stays inside the vocabulary.
extension TableCommand {
    /// `--columns` names outside ``columnVocabulary``: a usage error naming the subcommand's columns.
    func checkColumnsBeforeTheWork() throws {
        guard let names = try output.columns?.parsed.get() else { return }
        let vocabulary = Self.columnVocabulary
        if let unknown = names.first(where: { !vocabulary.contains($0) }) {
            throw CommandError.usage("--columns: unknown column '\(unknown)' (\(Self._commandName)'s tables have: \(vocabulary.joined(separator: ", ")))")
        }
    }
}

/// The vocabularies, one per subcommand, in the order of the subcommand's tables.
enum ColumnVocabulary {
    /// Names that are in several lists once, in first-seen order.
    static func union(_ lists: [String]...) -> [String] {
        var seen: Set<String> = []
        return lists.joined().filter { seen.insert($0).inserted }
    }

    /// `predicted`, `empirical`, `se`, `deviation` of each statistic (simulate).
    static func simulated(_ statistics: [String]) -> [String] {
        statistics.flatMap { ["\($0)_predicted", "\($0)_empirical", "\($0)_se", "\($0)_deviation"] }
    }
}

extension Activations {
    static let columnVocabulary = ColumnVocabulary.union(
        ["name", "spec", "parameters", "formula", "kinks", "smoothness", "closed_form_moments"],
        ["activation", "x", "value", "derivative", "second_derivative"])
}

extension FixedPoint {
    static let columnVocabulary = ColumnVocabulary.union(
        ["target_mean", "target_variance", "omega", "tau", "lambda", "alpha", "residual",
         "j11", "j12", "j21", "j22", "eig1_re", "eig1_im", "eig2_re", "eig2_im", "spectral_norm", "stable",
         "keep_prob", "alpha_prime", "dropout_a", "dropout_b"],
        ["lambda", "alpha", "max_spectral_norm", "mean_at_max", "omega_at_max", "variance_at_max", "tau_at_max",
         "mapped_mean_min", "mapped_mean_max", "mapped_variance_min", "mapped_variance_max", "points_evaluated"])
}

extension DepthSweep {
    static let columnVocabulary = ColumnVocabulary.union(
        ["activation", "layer", "mean", "variance"],
        ["activation", "layer", "q", "q12", "c", "act_mean", "act_var", "chi1", "chi_c"],
        ["block", "item", "q", "q12", "c", "grad_ratio"])
}

extension PhaseCommand {
    static let columnVocabulary = ["activation", "sigma_w2", "sigma_b2", "q_star", "q_unstable", "chi1", "c_star", "xi_q", "xi_c", "phase"]
}

extension Edge {
    static let columnVocabulary = ["activation", "sigma_b2", "sigma_w2", "q_star", "q_unstable"]
}

extension SlopesCommand {
    static let columnVocabulary = ["activation", "mean", "variance", "expected_slope", "slope_second_moment", "act_mean",
                                   "act_second_moment", "dead_fraction", "log_slope"]
}

extension RnnGain {
    static let columnVocabulary = ["activation", "variance", "norm", "expected_slope", "gain", "solved_param", "solved_value"]
}

extension Gain {
    static let columnVocabulary = ["activation", "variance", "second_moment", "weight_variance_factor", "std_gain", "nf_gamma",
                                   "critical_sigma_w2"]
}

extension Ntk {
    static let columnVocabulary = ColumnVocabulary.union(
        ["activation", "sigma_w2", "sigma_b2", "layer", "c0", "nngp_11", "nngp_12", "ntk_11", "ntk_12"],
        ["activation", "sigma_w2", "sigma_b2", "layer", "i", "j", "nngp", "ntk"],
        ["block", "item", "i", "j", "nngp", "ntk"],
        ["block", "item", "c0", "nngp_11", "nngp_12", "ntk_11", "ntk_12"])
}

extension Simulate {
    static let columnVocabulary = ColumnVocabulary.union(
        ["activation", "layer"] + ColumnVocabulary.simulated(["q", "c", "mean", "variance"]),
        ["activation", "layer", "i", "j"] + ColumnVocabulary.simulated(["nngp"]),
        ["activation", "layer"] + ColumnVocabulary.simulated(["q_sd", "vertex", "kernel_correction", "grad_rel_var",
                                                               "grad_rel_var_backward", "c_sd", "vertex_11_22", "vertex_11_12",
                                                               "vertex_12_12"]),
        ["block", "item", "i", "j"] + ColumnVocabulary.simulated(["nngp", "grad_ratio"]),
        ["block", "item"] + ColumnVocabulary.simulated(["q", "c", "grad_ratio"]))
}

extension FiniteWidthCommand {
    static let columnVocabulary = columns + twoInputColumns
}

extension Shape {
    static let columnVocabulary = ColumnVocabulary.union(
        ["activation", "method", "depth", "input_scale", "input_shift", "output_shift", "output_scale", "negative_slope",
         "q_slope", "c_zero", "c_slope", "c_curvature", "network_c_zero", "network_c_slope", "network_c_curvature", "spec"],
        ["activation", "method", "depth", "c_in", "c_out"])
}

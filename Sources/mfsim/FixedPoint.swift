import ArgumentParser
import MeanField

/// `mfsim fixedpoint`: the SNN fixed point (SPEC §1.2).
struct FixedPoint: TableCommand {
    static let standardConfiguration = CommandConfiguration(
        commandName: "fixedpoint",
        abstract: "Solve for the selu (lambda, alpha) that make (mean, variance) a fixed point of the SNN map.",
        discussion: """
            Klambauer et al. 2017, §3: activations with mean mu and variance nu feed z ~ N(mu*omega, nu*tau); \
            the map is g(mu, nu) = (E[selu(z)], Var[selu(z)]). Defaults give lambda01, alpha01. Reports the \
            residual, the Jacobian J[a][b] = dg_a/dx_b (x = (mu, nu)), its eigenvalues (largest modulus first) \
            and spectral norm; stable means spectral norm < 1. With --keep-prob, also the alpha-dropout \
            parameters. With --domain, the Theorem-1 check over a box of (mu, omega, nu, tau) instead.
            """)

    @Option(name: [.customLong("target-mean"), .customLong("mean")], parsing: .unconditional,
            help: "Target mean mu of the fixed point (--mean is the old name).")
    var mean: Real = Real(0)
    @Option(name: [.customLong("target-variance"), .customLong("variance")], parsing: .unconditional,
            help: "Target variance nu of the fixed point, > 0 (--variance is the old name).")
    var variance: Real = Real(1)
    @Option(parsing: .unconditional, help: "Sum of a unit's incoming weights, omega.")
    var omega: Real = Real(0)
    @Option(parsing: .unconditional, help: "Sum of a unit's squared incoming weights, tau (> 0).")
    var tau: Real = Real(1)
    @Option(name: .customLong("keep-prob"), parsing: .unconditional,
            help: "Alpha dropout keep probability p in (0, 1]: adds keep_prob, alpha_prime = -lambda*alpha, dropout_a, dropout_b. (default: none, no dropout columns)")
    var keepProb: Real?

    @Flag(help: "Theorem-1 check: max spectral norm of the Jacobian over the box of --box-mean, --box-omega, --box-variance and --box-tau, and the range of g there. (default: off)")
    var domain = false
    @Option(name: .customLong("box-mean"), parsing: .unconditional, help: ArgumentHelp("Range LO:HI of mu for --domain.", valueName: "LO:HI"))
    var boxMean = IntervalArgument(default: "-0.1:0.1")
    @Option(name: .customLong("box-omega"), parsing: .unconditional, help: ArgumentHelp("Range LO:HI of omega for --domain.", valueName: "LO:HI"))
    var boxOmega = IntervalArgument(default: "-0.1:0.1")
    @Option(name: .customLong("box-variance"), parsing: .unconditional, help: ArgumentHelp("Range LO:HI of nu for --domain.", valueName: "LO:HI"))
    var boxVariance = IntervalArgument(default: "0.8:1.5")
    @Option(name: .customLong("box-tau"), parsing: .unconditional, help: ArgumentHelp("Range LO:HI of tau for --domain.", valueName: "LO:HI"))
    var boxTau = IntervalArgument(default: "0.95:1.1")
    @Option(help: "Grid points per dimension for --domain (2 to 41); the maximum is then refined locally.")
    var grid = 11

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard variance.value > 0 else { throw ValidationError("--target-variance must be > 0 (got \(variance))") }
        guard tau.value > 0 else { throw ValidationError("--tau must be > 0 (got \(tau))") }
        if let p = keepProb?.value, !(p > 0 && p <= 1) { throw ValidationError("--keep-prob must be in (0, 1] (got \(formatNumber(p)))") }
        guard (2...41).contains(grid) else { throw ValidationError("--grid must be 2 to 41 (got \(grid))") }
        _ = try box()
    }

    /// The `--box-*` intervals (parsed when read; checked here).
    func box() throws -> DomainBox {
        DomainBox(mean: try boxMean.checked("--box-mean"), omega: try boxOmega.checked("--box-omega"),
                  variance: try boxVariance.checked("--box-variance", positive: true),
                  tau: try boxTau.checked("--box-tau", positive: true))
    }

    func makeTable() throws -> Table {
        let fixedPoint: SNNFixedPoint
        do {
            fixedPoint = try SelfNormalizing.snnFixedPoint(target: MeanVariance(mean: mean.value, variance: variance.value),
                                                           weights: WeightMoments(omega: omega.value, tau: tau.value))
        } catch {
            throw CommandError.noSolution(error.description)
        }
        var meta: [(String, Cell)] = [("mean", .number(mean.value)), ("variance", .number(variance.value)),
                                      ("omega", .number(omega.value)), ("tau", .number(tau.value))]
        if domain {
            let box = try box()
            meta += [("box_mean", .text(boxMean.text)), ("box_omega", .text(boxOmega.text)), ("box_variance", .text(boxVariance.text)),
                     ("box_tau", .text(boxTau.text)), ("grid", .integer(grid))]
            let check = SelfNormalizing.domainCheck(activation: fixedPoint.activation, box: box, gridPoints: grid)
            var table = Table(columns: ["lambda", "alpha", "max_spectral_norm", "mean_at_max", "omega_at_max", "variance_at_max",
                                        "tau_at_max", "mapped_mean_min", "mapped_mean_max", "mapped_variance_min",
                                        "mapped_variance_max", "points_evaluated"],
                              meta: MeanFieldVersion.meta(subcommand: "fixedpoint --domain", meta))
            table.append([.number(fixedPoint.lambda), .number(fixedPoint.alpha), .number(check.maximumSpectralNorm)]
                         + check.argmax.map { .number($0) }
                         + [.number(check.mappedMean.lowerBound), .number(check.mappedMean.upperBound),
                            .number(check.mappedVariance.lowerBound), .number(check.mappedVariance.upperBound),
                            .integer(check.evaluations)])
            return table
        }
        var columns = ["target_mean", "target_variance", "omega", "tau", "lambda", "alpha", "residual",
                       "j11", "j12", "j21", "j22", "eig1_re", "eig1_im", "eig2_re", "eig2_im", "spectral_norm", "stable"]
        let j = fixedPoint.jacobian
        let eigenvalues = j.eigenvalues
        var row: [Cell] = [.number(mean.value), .number(variance.value), .number(omega.value), .number(tau.value),
                           .number(fixedPoint.lambda), .number(fixedPoint.alpha), .number(fixedPoint.residual)]
        row += j.entries.joined().map { .number($0) }
        row += eigenvalues.flatMap { [Cell.number($0.re), .number($0.im)] }
        row += [.number(j.spectralNorm), .bool(fixedPoint.stable)]
        if let p = keepProb?.value {
            meta.append(("keep_prob", .number(p)))
            let dropout = AlphaDropout(lambda: fixedPoint.lambda, alpha: fixedPoint.alpha, fixedPoint: fixedPoint.target, keepProbability: p)
            columns += ["keep_prob", "alpha_prime", "dropout_a", "dropout_b"]
            row += [.number(p), .number(dropout.alphaPrime), .number(dropout.a), .number(dropout.b)]
        }
        var table = Table(columns: columns, meta: MeanFieldVersion.meta(subcommand: "fixedpoint", meta))
        table.append(row)
        return table
    }
}

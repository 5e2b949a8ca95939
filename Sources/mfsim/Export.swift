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

/// `mfsim export`: every standard table as CSV, with a manifest.
struct Export: Subcommand {
    static let standardConfiguration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every standard table as CSV into a folder, with manifest.json.",
        discussion: """
            Each table is what the command line listed for it in manifest.json prints (run in process, CSV, \
            written atomically); the manifest also holds the mfsim version and each file's row count. The output is \
            deterministic: a rerun rewrites the same bytes. notebooks-output/plot.py turns the tables into figures \
            (make figures). A progress line (one step per table) is drawn on stderr when it is a terminal.
            """)

    @Option(help: ArgumentHelp("Folder to write into (created if missing).", valueName: "DIR"))
    var dir = "notebooks-output"

    /// The standard tables: file name, what it holds, and the command line that prints it.
    static let tables: [(file: String, description: String, arguments: [String])] = [
        ("fixedpoint.csv", "SELU fixed point for (mean, variance) = (0, 1), omega = 0, tau = 1: lambda01, alpha01, Jacobian, stability",
         ["fixedpoint"]),
        ("depth_sweep_snn.csv", "Model A: mean and variance of elu, selu, relu activations through 200 layers from (0, 1)",
         ["depth-sweep", "--model", "snn", "--layers", "200"]),
        ("depth_sweep_gaussian.csv", "Model B: q, c, chi1, chi_c of elu, selu, relu through 200 layers at the variance-preserving sigma_w2 = k, from (q0, c0) = (1, 0.5)",
         ["depth-sweep", "--model", "gaussian", "--layers", "200"]),
        ("slopes.csv", "expected slope, slope second moment, dead fraction, log-slope of the whole catalogue over variance 0.05..5",
         ["slopes", "--variance", "0.05:5:100"]),
        ("gains.csv", "initialization gains of the whole catalogue: E[phi^2], k, std_gain, NFNets gamma",
         ["gain"]),
        ("ntk.csv", "NNGP and NTK of elu, selu, relu at sigma_w2 = k against c0 in [-1, 1], layers 50, 100, 150, 200",
         ["ntk", "--activation", "elu", "--activation", "selu", "--activation", "relu", "--c0", "-1:1:101", "--layers", "200", "--every", "50"]),
        ("phase_tanh.csv", "phase diagram of tanh over sigma_w2 in [0.5, 4] x sigma_b2 in [0, 0.5]",
         ["phase", "--activation", "tanh", "--sigma-w2", "0.5:4:71", "--sigma-b2", "0:0.5:51"]),
        ("phase_elu.csv", "phase diagram of elu over sigma_w2 in [0.5, 4] x sigma_b2 in [0, 0.5]",
         ["phase", "--activation", "elu", "--sigma-w2", "0.5:4:71", "--sigma-b2", "0:0.5:51"]),
        ("edge.csv", "edge-of-chaos sigma_w2 of tanh and elu for sigma_b2 in [0, 0.5]",
         ["edge", "--activation", "tanh", "--activation", "elu", "--sigma-b2", "0:0.5:51"]),
        ("simulate.csv", "finite-width networks (width 1000, 20 trials, seed 2017) beside the mean-field q and c, relu and tanh, 50 layers",
         ["simulate", "--activation", "relu", "--activation", "tanh", "--width", "1000", "--layers", "50", "--trials", "20", "--weights", "implicit"]),
        ("finite_width_gradients.csv", "1/n recursions (vertex, kernel shift, q_sd, gradient relative variance) of elu and gelu at sigma_w2 = k, sigma_b2 = 0, width 128, 100 layers",
         ["finite-width", "--activation", "elu", "--activation", "gelu", "--layers", "100", "--width", "128"]),
        ("finite_width_gradients_elu_edge.csv", "the same for elu at its edge of chaos sigma_b2 = 0.1 (sigma_w2 and q0 = q* from 'mfsim edge')",
         ["finite-width", "--activation", "elu", "--sigma-w2", "1.6067435579442473", "--sigma-b2", "0.1", "--q0", "2.2127784857726156",
          "--layers", "100", "--width", "128"]),
        ("simulate_fluctuations.csv", "across-network fluctuations of 2000 networks (width 128, 100 layers, seed 2017) beside the 1/n predictions, elu and gelu at sigma_w2 = k",
         ["simulate", "--fluctuations", "--activation", "elu", "--activation", "gelu", "--width", "128", "--layers", "100", "--trials", "2000",
          "--weights", "implicit"]),
        ("simulate_fluctuations_elu_edge.csv", "the same for elu at its edge of chaos sigma_b2 = 0.1",
         ["simulate", "--fluctuations", "--activation", "elu", "--sigma-w2", "1.6067435579442473", "--sigma-b2", "0.1", "--q0", "2.2127784857726156",
          "--width", "128", "--layers", "100", "--trials", "2000", "--weights", "implicit"]),
        ("shape_dks_c_map.csv", "kernel shaping: the C map C^50(c) of a 50-layer tanh network under DKS (zeta 1.5), c in [-1, 1]",
         ["shape", "--activation", "tanh", "--depth", "50", "--c-map", "21"]),
        ("shape_tat_c_map.csv", "kernel shaping: the C map C^50(c) of a 50-layer tanh network under TAT (tau 0.3), c in [-1, 1]",
         ["shape", "--method", "tat", "--activation", "tanh", "--depth", "50", "--c-map", "21"]),
        ("ntk_tanh_depth50.csv", "untransformed tanh at sigma_w2 = k (q stays 1): NNGP against c0 in [-1, 1] at layer 50, for the shaping figure",
         ["ntk", "--activation", "tanh", "--c0", "-1:1:21", "--layers", "50", "--every", "50"]),
    ] + resNetTables

    /// Pre- vs post-activation ResNets (README): 20 blocks of relu (sigma_w2 = 2) and elu (sigma_w2 = k), the
    /// pre-activation ResNet in mean field and simulation, the post-activation one simulated, the plain MLP.
    static let resNetTables: [(file: String, description: String, arguments: [String])] = [
        ("relu", "2"), ("elu", "1.5505188080679272"),
    ].flatMap { (name: String, w2: String) -> [(file: String, description: String, arguments: [String])] in
        let branch = "\(name) dense(sigma_w2=\(w2)) \(name) dense(sigma_w2=\(w2))"
        let pre = "dense residual[\(branch)]*20"
        let post = "dense \(name) [residual[dense(sigma_w2=\(w2)) \(name) dense(sigma_w2=\(w2))] \(name)]*20"
        let mlp = "dense [\(branch)]*20"
        let simulation = ["--width", "300", "--trials", "10", "--seed", "2017"]
        return [
            ("resnet_pre_\(name).csv", "mean field: q, c, grad_ratio of the 20-block pre-activation \(name) ResNet '\(pre)'",
             ["depth-sweep", "--model", "gaussian", "--network", pre]),
            ("resnet_pre_\(name)_simulate.csv", "simulation (width 300, 10 networks): the pre-activation \(name) ResNet beside its mean field",
             ["simulate", "--network", pre] + simulation),
            ("resnet_post_\(name)_simulate.csv", "simulation (width 300, 10 networks): the post-activation \(name) ResNet '\(post)' (no mean field)",
             ["simulate", "--network", post] + simulation),
            ("mlp_\(name).csv", "mean field: the plain \(name) MLP of the same 40 nonlinear layers '\(mlp)'",
             ["depth-sweep", "--model", "gaussian", "--network", mlp]),
        ]
    }

    /// All or nothing, checked before the work: the folder is created and every file's temporary
    /// name inside it is opened first (``OutputFile``: a directory in a table's place, an unwritable
    /// folder fail at once, exit 73); every table is then computed and written, and only when all
    /// of them and the manifest are written are they renamed into place; any failure removes every
    /// temporary file and leaves the folder's old files untouched.
    func run() throws {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw CommandError.cannotCreate("cannot create '\(dir)': \(fileErrorText(error))")
        }
        var staged: [OutputFile] = []
        defer { for file in staged { file.discard() } }
        for name in Self.tables.map(\.file) + ["manifest.json"] { staged.append(try OutputFile(dir + "/" + name)) }
        var files: [(name: String, text: String, rows: Int?)] = []
        var manifest: [String] = []
        let bar = ProgressBar(label: "export", total: Self.tables.count)
        defer { bar?.finish() }
        for (index, entry) in Self.tables.enumerated() {
            bar?.step(index, detail: entry.file)
            guard let command = try MFSim.parseAsRoot(entry.arguments) as? any TableCommand else {
                throw CommandError.usage("export: '\(entry.arguments.joined(separator: " "))' is not a table command")
            }
            let kind = type(of: command)
            let table = try kind.checkedTable(kind.measuredTable(command.makeTable))
            files.append((entry.file, table.csv(), table.rows.count))
            manifest.append("    {\"file\": \(Table.jsonString(entry.file)), \"command\": \(Table.jsonString((["mfsim"] + entry.arguments).joined(separator: " "))), "
                            + "\"rows\": \(table.rows.count), \"description\": \(Table.jsonString(entry.description))}")
        }
        let json = "{\n  \"mfsim_version\": \(Table.jsonString(MeanFieldVersion.string)),\n  \"tables\": [\n"
            + manifest.joined(separator: ",\n") + "\n  ]\n}\n"
        files.append(("manifest.json", json, nil))
        bar?.finish()
        for (output, file) in zip(staged, files) { try output.write(file.text) }
        for output in staged { try output.commit() }
        var report = ""
        for file in files {
            report += "wrote \(dir)/\(file.name)" + (file.rows.map { " (\($0) rows)" } ?? "") + "\n"
        }
        try StandardStreams.writeOutput(report)
    }

}

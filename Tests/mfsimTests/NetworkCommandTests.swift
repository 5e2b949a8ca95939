import Foundation
import Testing

/// `--network` and `--network-file` on ntk, depth-sweep and simulate (SPEC §5).
@Suite struct NetworkCommandTests {
    /// The old options and their network spelling print identical numbers (blocks 1..L = layers
    /// 1..L), two inputs and --gram.
    @Test(arguments: [("elu", "2", "0.1", "7"), ("relu", "2", "0", "5"), ("tanh", "1.3", "0.05", "6")])
    func oldOptionsAndNetworkAreIdentical(spec: String, w2: String, b2: String, layers: String) throws {
        let old = try MFSimProcess.run(["ntk", "--activation", spec, "--sigma-w2", w2, "--sigma-b2", b2, "--layers", layers, "--c0", "-1:1:11", "--q0", "1.7"])
        let text = "dense [\(spec) dense(sigma_w2=\(w2),sigma_b2=\(b2))]*\(layers)"
        let new = try MFSimProcess.run(["ntk", "--network", text, "--c0", "-1:1:11", "--q0", "1.7"])
        #expect(old.status == 0 && new.status == 0, "\(old.stderr) \(new.stderr)")
        let o = csvRows(old.stdout), n = csvRows(new.stdout).filter { $0["block"] != "0" }
        #expect(csvRecords(new.stdout)[0] == ["block", "item", "c0", "nngp_11", "nngp_12", "ntk_11", "ntk_12"])
        #expect(o.count == n.count && o.count == 11 * Int(layers)!)
        for (a, b) in zip(o, n) {
            #expect(a["layer"] == b["block"] && a["c0"] == b["c0"])
            for column in ["nngp_11", "nngp_12", "ntk_11", "ntk_12"] { #expect(a[column] == b[column], "\(column) layer \(a["layer"]!)") }
        }
        let dir = try temporaryDirectory()
        let vectors = dir.appendingPathComponent("x.csv")
        try "1,0.5\n-0.3,1.2\n0.8,-0.9\n".write(to: vectors, atomically: true, encoding: .utf8)
        let oldGram = try MFSimProcess.run(["ntk", "--activation", spec, "--sigma-w2", w2, "--sigma-b2", b2, "--layers", layers, "--gram", vectors.path])
        let newGram = try MFSimProcess.run(["ntk", "--network", text, "--gram", vectors.path])
        #expect(oldGram.status == 0 && newGram.status == 0, "\(oldGram.stderr) \(newGram.stderr)")
        let og = csvRows(oldGram.stdout), ng = csvRows(newGram.stdout)
        #expect(og.count == 6 && ng.count == 6 && ng.allSatisfy { $0["block"] == layers })
        for (a, b) in zip(og, ng) { #expect(a["i"] == b["i"] && a["j"] == b["j"] && a["nngp"] == b["nngp"] && a["ntk"] == b["ntk"]) }
    }

    /// --network-file: comments and line breaks; the same rows as --network.
    @Test func networkFile() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("resnet.net")
        try "# pre-activation ResNet\ndense\nresidual[ relu dense(sigma_w2=2)   # half\n  relu dense(sigma_w2=2) ]*3\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let a = try MFSimProcess.run(["ntk", "--network-file", file.path, "--c0", "0.5"])
        let b = try MFSimProcess.run(["ntk", "--network", "dense residual[relu dense(sigma_w2=2) relu dense(sigma_w2=2)]*3", "--c0", "0.5"])
        #expect(a.status == 0 && a.stdout == b.stdout, "\(a.stderr)")
        let rows = csvRows(a.stdout)
        #expect(rows.map { $0["item"]! } == ["dense(sigma_w2=1,sigma_b2=0)", "residual", "residual", "residual"])
        // q doubles per block (each block adds q: E[relu²] = q/2, times sigma_w2 = 2, twice).
        #expect(rows.map { $0["nngp_11"]! } == ["1.0", "2.0", "4.0", "8.0"])
        let missing = try MFSimProcess.run(["ntk", "--network-file", dir.appendingPathComponent("none.net").path])
        #expect(missing.status == 66 && missing.stderr.hasPrefix("mfsim: error: --network-file: cannot read"))
    }

    /// Each non-Gaussian case and each grammar error: exit 64, one error line naming the item.
    @Test(arguments: [
        (["ntk", "--network", "dense relu residual[relu dense]"], "'residual' (block 2): a post-activation residual"),
        (["ntk", "--network", "dense relu relu"], "'relu' (block 2): an activation of an activation"),
        (["ntk", "--network", "dense [elu tanh dense]"], "'tanh' (block 1, item 2): an activation of an activation"),
        (["ntk", "--network", "dense relu layernorm"], "'layernorm' (block 2): layernorm needs Gaussian"),
        (["ntk", "--network", "dense residual[relu]"], "'residual' (block 1): a residual branch must end in dense"),
        (["depth-sweep", "--model", "gaussian", "--network", "dense relu residual[relu dense]"], "'residual' (block 2)"),
        (["ntk", "--network", "dense residual[relu dense"], "at character 26: missing ']'"),
        (["ntk", "--network", "dense(sigma_w3=1)"], "at character 7: dense has no parameter 'sigma_w3'"),
        (["ntk", "--network", "dense", "--activation", "relu"], "--activation does not apply with --network"),
        (["ntk", "--network", "dense", "--layers", "3"], "--layers does not apply with --network"),
        (["ntk", "--network", "dense", "--network-file", "x"], "--network and --network-file are alternatives"),
        (["depth-sweep", "--network", "dense"], "--network applies to --model gaussian"),
        (["simulate", "--network", "dense relu", "--sigma-w2", "2"], "--sigma-w2 does not apply with --network"),
    ] as [([String], String)])
    func refusals(arguments: [String], message: String) throws {
        let r = try MFSimProcess.run(arguments)
        #expect(r.status == 64 && r.stdout.isEmpty, "\(arguments): \(r.stderr)")
        let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("mfsim: error: ") && first.contains(message), "\(arguments): \(r.stderr)")
    }

    /// depth-sweep --network: q, q12, c and grad_ratio per block; a relu ResNet doubles q per
    /// block and halves the gradient ratio towards the output.
    @Test func depthSweepNetwork() throws {
        let r = try MFSimProcess.run(["depth-sweep", "--model", "gaussian", "--network", "dense residual[relu dense(sigma_w2=2) relu dense(sigma_w2=2)]*4"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(csvRecords(r.stdout)[0] == ["block", "item", "q", "q12", "c", "grad_ratio"])
        let rows = csvRows(r.stdout)
        #expect(rows.map { $0["q"]! } == ["1.0", "2.0", "4.0", "8.0", "16.0"])
        #expect(rows.map { $0["grad_ratio"]! } == ["16.0", "8.0", "4.0", "2.0", "1.0"])
    }

    /// simulate --network at width 1000: a relu pre-activation ResNet's q, c and gradient ratio
    /// within 4 SE of the mean field; a post-activation ResNet runs with empty predictions.
    @Test func simulateNetwork() throws {
        let r = try MFSimProcess.run(["simulate", "--network", "dense residual[relu dense(sigma_w2=2) relu dense(sigma_w2=2)]*3",
                                      "--width", "1000", "--trials", "20"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = csvRows(r.stdout)
        #expect(rows.count == 4)
        for row in rows {
            for p in ["q", "c", "grad_ratio"] where !(row["\(p)_deviation"] ?? "").isEmpty {
                #expect(abs(Double(row["\(p)_deviation"]!)!) < 4, "\(p) block \(row["block"]!): \(row)")
            }
            #expect(!(row["q_deviation"] ?? "").isEmpty && !(row["c_deviation"] ?? "").isEmpty)
        }
        #expect(rows.map { $0["q_predicted"]! } == ["1.0", "2.0", "4.0", "8.0"])
        #expect(rows.map { $0["grad_ratio_predicted"]! } == ["8.0", "4.0", "2.0", "1.0"])
        let post = try MFSimProcess.run(["simulate", "--network", "dense relu [residual[dense(sigma_w2=2) relu dense(sigma_w2=2)] relu]*2",
                                         "--width", "200", "--trials", "3"])
        #expect(post.status == 0 && post.stderr.contains("no Gaussian kernel recursion"), "\(post.stderr)")
        let postRows = csvRows(post.stdout)
        #expect(postRows.count == 4 && postRows.allSatisfy { $0["q_predicted"] == "" && $0["q_deviation"] == "" && $0["q_empirical"] != "" })
        #expect(postRows.allSatisfy { $0["grad_ratio_empirical"] != "" })
    }
}

import Foundation
import Testing

/// `mfsim finite-width` and `mfsim simulate --fluctuations` through the real executable (issue #18).
@Suite struct FiniteWidthCommandTests {
    static func table(_ arguments: [String]) throws -> [[String: String]] {
        let r = try MFSimProcess.run(arguments)
        #expect(r.status == 0, "\(arguments): \(r.stderr)")
        let records = csvRecords(r.stdout)
        let header = try #require(records.first)
        return records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    /// relu's default σw² is its k = 2: V_l = 5l at q0 = 1, q_sd = √((2 + 5l)/n), exact columns filled;
    /// tanh's exact columns are empty.
    @Test func reluAndTanhColumns() throws {
        let rows = try Self.table(["finite-width", "--activation", "relu", "--activation", "tanh", "--layers", "3", "--width", "100"])
        #expect(rows.count == 8)
        let relu = rows.filter { $0["activation"] == "relu" }
        for (l, row) in relu.enumerated() {
            #expect(row["layer"] == String(l))
            let vertex = try #require(Double(row["vertex"] ?? ""))
            #expect(abs(vertex - 5 * Double(l)) < 1e-12 * max(1, 5 * Double(l)))
            let sd = try #require(Double(row["q_sd"] ?? ""))
            #expect(abs(sd - ((2 + 5 * Double(l)) / 100).squareRoot()) < 1e-14)
            let exact = try #require(Double(row["vertex_exact"] ?? ""))
            #expect(abs(exact - 100 * (pow(1.05, Double(l)) - 1)) < 1e-12 * max(1, exact))
        }
        for row in rows where row["activation"] == "tanh" {
            #expect(row["vertex_exact"] == "" && row["grad_rel_var_exact"] == "")
            #expect(Double(row["kernel_correction"] ?? "") != nil)
        }
    }

    @Test func helpDefinesEveryColumn() throws {
        let r = try MFSimProcess.run(["finite-width", "--help"])
        #expect(r.status == 0)
        for column in ["kernel", "vertex", "chi_parallel", "kernel_correction", "mean_square", "q_sd", "fourth_cumulant", "chi_perp",
                       "grad_vertex", "grad_rel_var", "grad_rel_var_lognormal", "vertex_exact", "q_sd_exact", "fourth_cumulant_exact", "kernel_correction_exact",
                       "grad_rel_var_exact", "--sigma-w2", "--sigma-b2", "--q0", "--width", "--layers"] {
            #expect(r.stdout.contains(column), "--help lacks \(column)")
        }
    }

    @Test(arguments: [["finite-width", "--width", "0"], ["finite-width", "--q0", "-1"], ["finite-width", "--q0", "nan"],
                      ["finite-width", "--layers", "0"], ["finite-width", "--sigma-w2", "-2"], ["finite-width", "--activation", "nope"],
                      ["simulate", "--fluctuations", "--model", "snn"], ["finite-width", "--c0", "1.5"], ["finite-width", "--c0", "nan"],
                      ["simulate", "--fluctuations", "--c0", "-1.2"]])
    func badInputIsAUsageError(arguments: [String]) throws {
        let r = try MFSimProcess.run(arguments)
        #expect(r.status == 64, "\(arguments): \(r.status) \(r.stderr)")
        #expect(r.stderr.hasPrefix("mfsim: error:"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    /// `simulate --fluctuations`: the statistics beside the predictions; deviations are finite numbers.
    @Test func simulateFluctuations() throws {
        let rows = try Self.table(["simulate", "--fluctuations", "--activation", "relu", "--width", "50", "--layers", "2", "--trials", "200",
                                   "--weights", "implicit"])
        #expect(rows.count == 2)
        for row in rows {
            for statistic in ["q_sd", "vertex", "kernel_correction", "grad_rel_var"] {
                #expect(Double(row["\(statistic)_predicted"] ?? "") != nil, "\(statistic)")
                #expect(Double(row["\(statistic)_empirical"] ?? "") != nil, "\(statistic)")
                #expect(Double(row["\(statistic)_se"] ?? "") != nil, "\(statistic)")
            }
            #expect(abs(Double(row["vertex_deviation"] ?? "") ?? 99) < 5)
        }
    }

    /// `finite-width --c0`: the six two-input columns; linear at σw² = 1 has the closed forms
    /// V_(11)(22) = 2K_12² l, V_(11)(12) = 2K K_12 l, V_(12)(12) = (K² + K_12²) l, c_sd = (1 − c²)√((l + 1)/n).
    @Test func twoInputColumns() throws {
        let rows = try Self.table(["finite-width", "--activation", "linear", "--sigma-w2", "1", "--sigma-b2", "0", "--q0", "2",
                                   "--c0", "0.5", "--layers", "4", "--width", "100"])
        #expect(rows.count == 5)
        for row in rows {
            let l = try #require(Double(row["layer"] ?? ""))
            let value = { (name: String) throws -> Double in try #require(Double(row[name] ?? ""), "\(name)") }
            let k12 = try value("kernel_12"), c = try value("c"), v1122 = try value("vertex_11_22")
            let v1112 = try value("vertex_11_12"), v1212 = try value("vertex_12_12"), sd = try value("c_sd")
            #expect(abs(k12 - 1) < 1e-13 && abs(c - 0.5) < 1e-13)
            #expect(abs(v1122 - 2 * l) < 1e-12 * max(1, l))
            #expect(abs(v1112 - 4 * l) < 1e-12 * max(1, l))
            #expect(abs(v1212 - 5 * l) < 1e-12 * max(1, l))
            #expect(abs(sd - 0.75 * ((l + 1) / 100).squareRoot()) < 1e-14)
        }
        let plain = try MFSimProcess.run(["finite-width", "--layers", "1"])
        #expect(!plain.stdout.contains("c_sd"), "one input: no two-input columns")
        let help = try MFSimProcess.run(["finite-width", "--help"])
        for column in ["--c0", "kernel_12", "vertex_11_22", "vertex_11_12", "vertex_12_12", "c_sd"] {
            #expect(help.stdout.contains(column), "--help lacks \(column)")
        }
    }

    /// `simulate --fluctuations --c0`: the sd of c and the two-input vertices beside their predictions.
    @Test func simulateTwoInputFluctuations() throws {
        let rows = try Self.table(["simulate", "--fluctuations", "--activation", "tanh", "--c0", "0.4", "--width", "40", "--layers", "2",
                                   "--trials", "400", "--weights", "implicit"])
        #expect(rows.count == 2)
        for row in rows {
            for statistic in ["q_sd", "c_sd", "vertex_11_22", "vertex_11_12", "vertex_12_12"] {
                for suffix in ["predicted", "empirical", "se", "deviation"] {
                    #expect(Double(row["\(statistic)_\(suffix)"] ?? "") != nil, "\(statistic)_\(suffix)")
                }
            }
            #expect(abs(Double(row["c_sd_deviation"] ?? "") ?? 99) < 5)
        }
    }
}

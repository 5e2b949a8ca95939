import MeanField
let clock = ContinuousClock()
let tanh = try! Activation(spec: "tanh")
let n = Int(CommandLine.arguments.dropFirst().first ?? "200")!
let ws = (0..<n).map { 0.5 + 3.5 * Double($0) / Double(n - 1) }, bs = (0..<n).map { 0.5 * Double($0) / Double(n - 1) }
let t0 = clock.now
let pts = try! SignalPropagation.phaseDiagram(tanh, sigmaW2s: ws, sigmaB2s: bs)
print("\(n)x\(n) tanh:", clock.now - t0, pts.filter { $0.phase == .chaotic }.count)

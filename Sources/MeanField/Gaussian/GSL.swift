// The only file of MeanField that imports CGSL. Everything above it sees Swift closures,
// Swift value types and Swift errors; every GSL status is checked here.
import CGSL

/// A GSL routine reported a failure (a non-zero `gsl_errno` status).
public struct GSLError: Error, CustomStringConvertible, Sendable {
    /// The routine that failed, e.g. `gsl_root_fsolver_iterate`.
    public let routine: String
    /// The GSL status code (`Int32(GSL_EBADFUNC)`, `GSL_ENOPROG`, ...).
    public let status: Int32
    /// `gsl_strerror(status)`.
    public let reason: String

    public var description: String { "\(routine) failed: \(reason) (GSL status \(status))" }
}

/// Thin Swift wrappers over the GSL routines MeanField uses.
///
/// GSL's default error handler calls `abort()`; it is switched off the first time any wrapper
/// runs, and every status is turned into a ``GSLError``.
enum GSL {
    /// Switched off once, lazily and thread-safely (a global `let` is initialised with
    /// `swift_once`).
    private static let errorHandlerOff: Void = { _ = gsl_set_error_handler_off() }()

    private static func check(_ status: Int32, _ routine: String) throws(GSLError) {
        guard status != Int32(GSL_SUCCESS) else { return }
        throw GSLError(routine: routine, status: status, reason: String(cString: gsl_strerror(status)))
    }

    /// Calls `body` with a `gsl_function` whose callback evaluates `f`. The closure is only
    /// borrowed for the duration of the call.
    private static func withGSLFunction<R>(
        _ f: (Double) -> Double, _ body: (UnsafeMutablePointer<gsl_function>) throws -> R
    ) rethrows -> R {
        try withoutActuallyEscaping(f) { f in
            var closure = f
            return try withUnsafeMutablePointer(to: &closure) { closurePointer in
                var function = gsl_function(
                    function: { x, params in
                        // GSL passes back the params pointer set below, never nil.
                        params!.assumingMemoryBound(to: ((Double) -> Double).self).pointee(x)
                    },
                    params: UnsafeMutableRawPointer(closurePointer))
                return try body(&function)
            }
        }
    }

    // MARK: Quadrature

    /// One 21-point Gauss–Kronrod panel (`gsl_integration_qk21`, QUADPACK's `qk21`).
    ///
    /// Returns the Kronrod estimate, QUADPACK's error estimate
    /// `resasc · min(1, (200·|K − G|/resasc)^1.5)` (at least `50 ε · resabs`), and `∫|f|`.
    static func gaussKronrod21(
        from lower: Double, to upper: Double, _ f: (Double) -> Double
    ) -> (value: Double, error: Double, absoluteIntegral: Double) {
        _ = errorHandlerOff
        return withGSLFunction(f) { function in
            var result = 0.0, abserr = 0.0, resabs = 0.0, resasc = 0.0
            gsl_integration_qk21(function, lower, upper, &result, &abserr, &resabs, &resasc)
            return (result, abserr, resabs)
        }
    }

    /// Nodes and weights of the M-point Gauss–Hermite rule for `∫ e^(−x²) f(x) dx`
    /// (`gsl_integration_fixed_hermite`, Golub–Welsch).
    static func gaussHermite(points m: Int) throws(GSLError) -> (nodes: [Double], weights: [Double]) {
        _ = errorHandlerOff
        guard let workspace = gsl_integration_fixed_alloc(mfsim_fixed_hermite(), m, 0, 1, 0, 0) else {
            throw GSLError(routine: "gsl_integration_fixed_alloc", status: Int32(GSL_ENOMEM), reason: "allocation failed")
        }
        defer { gsl_integration_fixed_free(workspace) }
        let n = gsl_integration_fixed_n(workspace)
        // A workspace that was allocated (checked above) always has its node and weight arrays.
        let nodes = gsl_integration_fixed_nodes(workspace)!, weights = gsl_integration_fixed_weights(workspace)!
        return ((0..<n).map { nodes[$0] }, (0..<n).map { weights[$0] })
    }

    // MARK: Root finding

    /// Brent's method (`gsl_root_fsolver_brent`) on a bracket `[lower, upper]` with a sign change.
    ///
    /// Stops when `gsl_root_test_interval(lower, upper, absoluteTolerance, relativeTolerance)`
    /// succeeds, or when `f` is exactly zero at the current estimate.
    static func brentRoot(
        bracket lower: Double, _ upper: Double,
        absoluteTolerance: Double, relativeTolerance: Double,
        maximumIterations: Int = 500,
        _ f: (Double) -> Double
    ) throws(GSLError) -> (root: Double, iterations: Int) {
        _ = errorHandlerOff
        let result: Result<(Double, Int), GSLError> = withGSLFunction(f) { function in
            guard let solver = gsl_root_fsolver_alloc(mfsim_root_brent()) else {
                return .failure(GSLError(routine: "gsl_root_fsolver_alloc", status: Int32(GSL_ENOMEM), reason: "out of memory"))
            }
            defer { gsl_root_fsolver_free(solver) }
            var status = gsl_root_fsolver_set(solver, function, lower, upper)
            guard status == Int32(GSL_SUCCESS) else {
                return .failure(GSLError(routine: "gsl_root_fsolver_set", status: status,
                                         reason: String(cString: gsl_strerror(status))))
            }
            for iteration in 1...maximumIterations {
                status = gsl_root_fsolver_iterate(solver)
                guard status == Int32(GSL_SUCCESS) else {
                    return .failure(GSLError(routine: "gsl_root_fsolver_iterate", status: status,
                                             reason: String(cString: gsl_strerror(status))))
                }
                let root = gsl_root_fsolver_root(solver)
                let lo = gsl_root_fsolver_x_lower(solver), hi = gsl_root_fsolver_x_upper(solver)
                if f(root) == 0 || gsl_root_test_interval(lo, hi, absoluteTolerance, relativeTolerance) == Int32(GSL_SUCCESS) {
                    return .success((root, iteration))
                }
            }
            return .failure(GSLError(routine: "gsl_root_fsolver_brent", status: Int32(GSL_EMAXITER),
                                     reason: "no convergence within \(maximumIterations) iterations"))
        }
        return try result.get()
    }


    private typealias System = ([Double]) -> (values: [Double], jacobian: [[Double]])

    /// The C callback behind ``multiroot``: `params` points at the Swift closure.
    private static func evaluateSystem(
        _ x: UnsafePointer<gsl_vector>?, _ params: UnsafeMutableRawPointer?,
        _ f: UnsafeMutablePointer<gsl_vector>?, _ jacobian: UnsafeMutablePointer<gsl_matrix>?
    ) -> Int32 {
        // GSL calls back with the params pointer ``multiroot`` set and its own non-nil x.
        let system = params!.assumingMemoryBound(to: System.self).pointee
        let size = Int(x!.pointee.size)
        let (values, matrix) = system((0..<size).map { gsl_vector_get(x, $0) })
        guard values.allSatisfy(\.isFinite), matrix.joined().allSatisfy(\.isFinite) else { return Int32(GSL_EBADFUNC) }
        if let f { for i in 0..<size { gsl_vector_set(f, i, values[i]) } }
        if let jacobian {
            for i in 0..<size { for j in 0..<size { gsl_matrix_set(jacobian, i, j, matrix[i][j]) } }
        }
        return Int32(GSL_SUCCESS)
    }

    /// Newton-type solution of `F(x) = 0` in n dimensions with an analytic Jacobian
    /// (`gsl_multiroot_fdfsolver_hybridsj`, Powell's hybrid method with scaling).
    ///
    /// `system(x)` returns `(F(x), J(x))` with `J[i][j] = ∂F_i/∂x_j`. Stops when
    /// `gsl_multiroot_test_residual(f, residualTolerance)` succeeds.
    static func multiroot(
        start: [Double], residualTolerance: Double, maximumIterations: Int = 200,
        _ system: ([Double]) -> (values: [Double], jacobian: [[Double]])
    ) throws(GSLError) -> (root: [Double], residual: [Double], iterations: Int) {
        _ = errorHandlerOff
        let n = start.count
        let outcome: Result<([Double], [Double], Int), GSLError> = withoutActuallyEscaping(system) { system in
            var closure: System = system
            return withUnsafeMutablePointer(to: &closure) { closurePointer in
                func read(_ v: UnsafePointer<gsl_vector>?) -> [Double] {
                    (0..<n).map { gsl_vector_get(v, $0) }
                }
                var function = gsl_multiroot_function_fdf(
                    f: { x, params, f in GSL.evaluateSystem(x, params, f, nil) },
                    df: { x, params, jacobian in GSL.evaluateSystem(x, params, nil, jacobian) },
                    fdf: { x, params, f, jacobian in GSL.evaluateSystem(x, params, f, jacobian) },
                    n: n, params: UnsafeMutableRawPointer(closurePointer))
                guard let solver = gsl_multiroot_fdfsolver_alloc(mfsim_multiroot_hybridsj(), n),
                      let x0 = gsl_vector_alloc(n) else {
                    return .failure(GSLError(routine: "gsl_multiroot_fdfsolver_alloc", status: Int32(GSL_ENOMEM), reason: "out of memory"))
                }
                defer { gsl_multiroot_fdfsolver_free(solver); gsl_vector_free(x0) }
                for i in 0..<n { gsl_vector_set(x0, i, start[i]) }
                var status = gsl_multiroot_fdfsolver_set(solver, &function, x0)
                guard status == Int32(GSL_SUCCESS) else {
                    return .failure(GSLError(routine: "gsl_multiroot_fdfsolver_set", status: status,
                                             reason: String(cString: gsl_strerror(status))))
                }
                for iteration in 0...maximumIterations {
                    if gsl_multiroot_test_residual(solver.pointee.f, residualTolerance) == Int32(GSL_SUCCESS) {
                        return .success((read(solver.pointee.x), read(solver.pointee.f), iteration))
                    }
                    guard iteration < maximumIterations else { break }
                    status = gsl_multiroot_fdfsolver_iterate(solver)
                    guard status == Int32(GSL_SUCCESS) else {
                        return .failure(GSLError(routine: "gsl_multiroot_fdfsolver_iterate", status: status,
                                                 reason: String(cString: gsl_strerror(status))))
                    }
                }
                return .failure(GSLError(routine: "gsl_multiroot_fdfsolver_hybridsj", status: Int32(GSL_EMAXITER),
                                         reason: "no convergence within \(maximumIterations) iterations"))
            }
        }
        return try outcome.get()
    }

    // MARK: Linear algebra

    /// The eigenvalues of a symmetric n × n matrix (row-major), ascending (`gsl_eigen_symm`,
    /// Householder tridiagonalization and implicit QL).
    static func symmetricEigenvalues(_ matrix: [Double], count n: Int) throws(GSLError) -> [Double] {
        _ = errorHandlerOff
        // Not reachable from the command line: the one caller, KernelError's checkedInputKernel,
        // has already refused n < 1 and a kernel that is not n × n.
        precondition(matrix.count == n * n && n >= 1)
        guard let a = gsl_matrix_alloc(n, n), let values = gsl_vector_alloc(n), let workspace = gsl_eigen_symm_alloc(n) else {
            throw GSLError(routine: "gsl_eigen_symm_alloc", status: Int32(GSL_ENOMEM), reason: "out of memory")
        }
        defer { gsl_matrix_free(a); gsl_vector_free(values); gsl_eigen_symm_free(workspace) }
        for i in 0..<n { for j in 0..<n { gsl_matrix_set(a, i, j, matrix[i * n + j]) } }
        try check(gsl_eigen_symm(a, values, workspace), "gsl_eigen_symm")
        return (0..<n).map { gsl_vector_get(values, $0) }.sorted()
    }

    // MARK: Random numbers and BLAS

    /// A GSL Mersenne Twister (`gsl_rng_mt19937`) drawing Gaussians by the ziggurat method
    /// (`gsl_ran_gaussian_ziggurat`, Marsaglia & Tsang 2000). Not shared between threads.
    final class RandomGenerator {
        private let rng: UnsafeMutablePointer<gsl_rng>

        /// Seeded with all 64 bits of `seed`: the state is filled by the reference MT19937's
        /// `init_by_array` (Matsumoto & Nishimura 2002, as NumPy seeds it) with the key
        /// `[low 32 bits, high 32 bits]`. (`gsl_rng_set` keeps only the low 32 bits of its seed, so
        /// seeds s and s + 2³² would give the same stream.)
        convenience init(seed: UInt64) throws(GSLError) {
            try self.init(key: [UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)])
        }

        /// Seeded by MT19937's `init_by_array(key)` (key not empty). Throws when GSL cannot
        /// allocate the generator (out of memory).
        init(key: [UInt32]) throws(GSLError) {
            _ = GSL.errorHandlerOff
            guard let rng = gsl_rng_alloc(mfsim_rng_mt19937()) else {
                throw GSLError(routine: "gsl_rng_alloc", status: Int32(GSL_ENOMEM), reason: "out of memory")
            }
            self.rng = rng
            gsl_rng_set(rng, 5489)
            // GSL's mt19937 state (gsl/rng/mt.c): { unsigned long mt[624]; int mti; }.
            let n = 624
            var mt = [UInt32](repeating: 0, count: n)
            mt[0] = 19_650_218
            for i in 1..<n { mt[i] = 1_812_433_253 &* (mt[i - 1] ^ (mt[i - 1] >> 30)) &+ UInt32(i) }
            let key = key.isEmpty ? [0] : key   // init_by_array needs a key of at least one word
            var i = 1, j = 0
            for _ in 0..<max(n, key.count) {
                mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) &* 1_664_525)) &+ key[j] &+ UInt32(j)
                i += 1; j += 1
                if i >= n { mt[0] = mt[n - 1]; i = 1 }
                if j >= key.count { j = 0 }
            }
            for _ in 0..<(n - 1) {
                mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) &* 1_566_083_941)) &- UInt32(i)
                i += 1
                if i >= n { mt[0] = mt[n - 1]; i = 1 }
            }
            mt[0] = 0x8000_0000
            let state = rng.pointee.state.assumingMemoryBound(to: UInt.self)
            for k in 0..<n { state[k] = UInt(mt[k]) }
            (UnsafeMutableRawPointer(state) + n * MemoryLayout<UInt>.stride).assumingMemoryBound(to: Int32.self).pointee = Int32(n)
        }

        /// The next raw 32-bit output (`gsl_rng_get`).
        func nextUInt32() -> UInt32 { UInt32(truncatingIfNeeded: gsl_rng_get(rng)) }

        deinit { gsl_rng_free(rng) }

        /// Fills `buffer` with independent N(0, sd²) draws.
        func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Double>, sd: Double) {
            for i in buffer.indices { buffer[i] = gsl_ran_gaussian_ziggurat(rng, sd) }
        }

        /// One N(0, sd²) draw.
        func gaussian(sd: Double) -> Double { gsl_ran_gaussian_ziggurat(rng, sd) }
    }

    /// `C = A·B` for row-major `A` (m × k), `B` (k × n), `C` (m × n) by `gsl_blas_dgemm` (the CBLAS
    /// linked with GSL: gslcblas).
    static func matrixProduct(_ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>, into c: UnsafeMutableBufferPointer<Double>,
                              m: Int, k: Int, n: Int) throws(GSLError) {
        _ = errorHandlerOff
        // Not reachable from the command line: the simulations size every buffer from the same
        // width and batch size they pass as m, k, n.
        precondition(a.count == m * k && b.count == k * n && c.count == m * n)
        var viewA = gsl_matrix_const_view_array(a.baseAddress, m, k)
        var viewB = gsl_matrix_const_view_array(b.baseAddress, k, n)
        var viewC = gsl_matrix_view_array(c.baseAddress, m, n)
        try check(gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &viewA.matrix, &viewB.matrix, 0.0, &viewC.matrix), "gsl_blas_dgemm")
    }
}

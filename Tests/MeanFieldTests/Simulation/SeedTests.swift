import Testing
@testable import MeanField

/// Issue #13, defect 6: every bit of a 64-bit seed reaches the generator.
@Suite("Random seeds")
struct SeedTests {
    /// The reference MT19937 (mt19937ar.c, Matsumoto & Nishimura 2002) seeded by
    /// init_by_array({0x123, 0x234, 0x345, 0x456}) prints these first outputs (mt19937ar.out).
    @Test func initByArrayMatchesTheReference() throws {
        let rng = try GSL.RandomGenerator(key: [0x123, 0x234, 0x345, 0x456])
        #expect((0..<5).map { _ in rng.nextUInt32() } == [1_067_595_299, 955_945_823, 477_289_528, 4_107_218_783, 4_228_976_476])
    }

    @Test func seedsThatDifferAbove32BitsGiveDifferentStreams() throws {
        for s: UInt64 in [0, 1, 2017, 0xFFFF_FFFF] {
            let a = try GSL.RandomGenerator(seed: s), b = try GSL.RandomGenerator(seed: s &+ (1 << 32))
            #expect((0..<4).map { _ in a.nextUInt32() } != (0..<4).map { _ in b.nextUInt32() }, "seed \(s)")
        }
    }

    @Test func simulationsWithSeedsSAndSPlus2To32Differ() throws {
        let weights = GaussianWeights(sigmaW2: 2, sigmaB2: 0)
        let runs = try [UInt64(7), 7 + (1 << 32)].map { seed in
            try Simulation.gaussian(Activation(.relu), q0: 1, c0: 0.5, weights: weights,
                                    settings: SimulationSettings(width: 8, layers: 2, trials: 3, seed: seed)).layers
        }
        #expect(runs[0] != runs[1])
    }
}

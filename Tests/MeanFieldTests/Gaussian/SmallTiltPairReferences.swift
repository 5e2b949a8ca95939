// PLACEHOLDER until make_small_tilt_references.py finishes (it overwrites this file).
@testable import MeanField

struct SmallTiltPairReference: Sendable {
    let reference: ExponentialKernelReference
    let scale: Double
}

let smallTiltPairReferences: [SmallTiltPairReference] = []

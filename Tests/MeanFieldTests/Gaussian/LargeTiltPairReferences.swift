// Placeholder until make_large_tilt_references.py finishes.
@testable import MeanField

let largeTiltPairReferences: [ExponentialKernelReference] = []

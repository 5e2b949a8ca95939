// The mfsim executable: everything is in the `mfsim` library target; this target exists so the
// binary alone is linked statically (Package.swift), which halves start-up (docs/BENCHMARKS.md).
import mfsim

Entry.main()

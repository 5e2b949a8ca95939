#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The text full Foundation's `localizedDescription` gives a file-system error thrown by
/// `FileManager` (a `CocoaError`), which FoundationEssentials does not provide; kept so `mfsim`'s
/// messages stay as they were when it linked full Foundation (issue #15: start-up). The reasons
/// are swift-corelibs-foundation's for the file-error codes; other codes read
/// `(NSCocoaErrorDomain error N.)`, as there.
func fileErrorText(_ error: any Error) -> String {
    guard let cocoa = error as? CocoaError else { return String(describing: error) }
    let code = cocoa.code.rawValue
    let prefix = "The operation could not be completed. "
    guard let reason = fileErrorReasons[code] else { return prefix + "(NSCocoaErrorDomain error \(code).)" }
    return prefix + reason
}

private let fileErrorReasons: [Int: String] = [
    4: "The file doesn’t exist.",
    255: "The file couldn’t be locked.",
    257: "You don’t have permission.",
    258: "The file name is invalid.",
    259: "The file isn’t in the correct format.",
    260: "The file doesn’t exist.",
    261: "The specified text encoding isn’t applicable.",
    262: "The specified URL type isn’t supported.",
    263: "The item is too large.",
    264: "The text encoding of the contents couldn’t be determined.",
    513: "You don’t have permission.",
    514: "The file name is invalid.",
    516: "A file with the same name already exists.",
    517: "The specified text encoding isn’t applicable.",
    518: "The specified URL type isn’t supported.",
    640: "There isn’t enough space.",
    642: "The volume is read only.",
]

import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `transform` applied to every element on every core (`DispatchQueue.concurrentPerform`), results
/// in input order, so output stays deterministic. `progress(done, total)` is called from the
/// worker threads as elements finish.
public func concurrentMap<T: Sendable, R: Sendable>(_ items: [T], progress: (@Sendable (Int, Int) -> Void)? = nil,
                                                   _ transform: @Sendable (T) -> R) -> [R] {
    let slots = ResultSlots<R>(count: items.count)
    // Task-local values do not reach Dispatch's worker threads by themselves.
    let ledger = AccuracyLedger.current, subject = AccuracyLedger.subject
    withoutActuallyEscaping(transform) { transform in
        let body: @Sendable (Int) -> Void = { [transform] index in
            let value = ledger == nil ? transform(items[index]) : AccuracyLedger.$current.withValue(ledger) {
                AccuracyLedger.$subject.withValue(subject) { transform(items[index]) }
            }
            let done = slots.store(value, at: index)
            progress?(done, items.count)
        }
        DispatchQueue.concurrentPerform(iterations: items.count, execute: body)
    }
    // concurrentPerform returns after every iteration ran, and each stored its slot.
    return slots.values.map { $0! }
}

/// Slots filled concurrently, each by exactly one worker, behind a lock.
final class ResultSlots<Element>: @unchecked Sendable {
    private var storage: [Element?]
    private var completed = 0
    private let lock = Lock()

    init(count: Int) { storage = Array(repeating: nil, count: count) }

    /// Stores `value` at `index`; returns how many slots are filled.
    func store(_ value: Element, at index: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        storage[index] = value
        completed += 1
        return completed
    }

    var values: [Element?] { lock.lock(); defer { lock.unlock() }; return storage }
}

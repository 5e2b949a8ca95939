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

/// `transform` applied to every element, in order, on every core only when that pays: the first element is
/// timed, and the rest run on the calling thread when they would take less than `serialBelow` (a dispatch
/// wakes, and in a fresh process creates, a worker thread: ~10–20 µs warm, a few hundred µs of system time
/// cold), else through ``concurrentMap(_:progress:_:)``. Only where the values are computed depends on the
/// clock, never what they are.
public func adaptiveMap<T: Sendable, R: Sendable>(_ items: [T], serialBelow: Duration,
                                                 _ transform: @Sendable (T) -> R) -> [R] {
    guard let first = items.first else { return [] }
    let clock = ContinuousClock(), start = clock.now
    var values = [transform(first)]
    let rest = Array(items.dropFirst())
    let perItem = start.duration(to: clock.now)
    values += perItem * rest.count < serialBelow || rest.count < 2 ? rest.map(transform) : concurrentMap(rest, transform)
    return values
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

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutual-exclusion lock: a POSIX `pthread_mutex_t`, with `NSLock`'s `lock()`/`unlock()`, so the
/// library and the command line need no Foundation for their few locks (issue #15: start-up).
public final class Lock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Waits until the lock is free, then holds it.
    public func lock() { pthread_mutex_lock(mutex) }

    /// Releases the lock (held by the calling thread).
    public func unlock() { pthread_mutex_unlock(mutex) }
}

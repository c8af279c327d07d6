/// One piece of scheduled work; `cancel()` keeps it from running.
public struct ScheduledWork: Sendable {
    private let onCancel: @Sendable () -> Void

    /// Work cancelled by calling `onCancel`.
    public init(onCancel: @escaping @Sendable () -> Void) {
        self.onCancel = onCancel
    }

    /// Keeps the work from running (no effect once it ran).
    public func cancel() { onCancel() }
}

/// Time for the view models: the current instant and one-shot wake-ups on
/// the main actor. The view models never poll: they ask to be woken when a
/// code changes, a countdown enters its last seconds, or a copied code must
/// be cleared.
@MainActor
public protocol Scheduler: AnyObject {
    /// Milliseconds on a clock that only moves forward (deadlines, countdowns).
    var nowMs: UInt64 { get }
    /// Runs `action` on the main actor after `delayMs` milliseconds.
    func schedule(afterMs delayMs: UInt64, _ action: @escaping @MainActor () -> Void) -> ScheduledWork
}

/// The scheduler of the running app: `ContinuousClock` and sleeping tasks.
@MainActor
public final class TaskScheduler: Scheduler {
    private let start = ContinuousClock.now

    /// A scheduler whose clock starts now.
    public init() {}

    /// Milliseconds since this scheduler was made.
    public var nowMs: UInt64 {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        return UInt64(max(0, seconds)) * 1000 + UInt64(max(0, attoseconds) / 1_000_000_000_000_000)
    }

    /// Sleeps in a task on the main actor, then runs `action` unless cancelled.
    public func schedule(afterMs delayMs: UInt64, _ action: @escaping @MainActor () -> Void) -> ScheduledWork {
        let task = Task { @MainActor in
            try? await Task.sleep(for: .milliseconds(Int64(clamping: delayMs)))
            guard !Task.isCancelled else { return }
            action()
        }
        return ScheduledWork { task.cancel() }
    }
}

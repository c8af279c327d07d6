import Foundation
import XCTest
@testable import IchieKit

/// A clock the tests move by hand, shared by the scheduler and the fake service.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var ms: UInt64 = 0
    /// The fake's wall clock at scheduler time 0: a multiple of 60 s, so that
    /// 30 s and 60 s steps both start there.
    static let wallBase: UInt64 = 1_700_000_040_000

    var nowMs: UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return ms
    }

    func set(_ value: UInt64) {
        lock.lock()
        ms = value
        lock.unlock()
    }

    var wallMs: @Sendable () -> UInt64 { { [self] in TestClock.wallBase + nowMs } }
}

/// A scheduler whose time moves only when the test says so; wake-ups run in due order.
@MainActor
final class ManualScheduler: Scheduler {
    private struct Entry {
        let serial: Int
        let due: UInt64
        let action: @MainActor () -> Void
    }

    let clock: TestClock
    private var entries: [Entry] = []
    private var serial = 0
    private let cancelled = CancelledSet()

    init(clock: TestClock) { self.clock = clock }

    var nowMs: UInt64 { clock.nowMs }

    /// The due times of the wake-ups still pending, earliest first.
    var pending: [UInt64] {
        entries.filter { !cancelled.contains($0.serial) }.map(\.due).sorted()
    }

    func schedule(afterMs delayMs: UInt64, _ action: @escaping @MainActor () -> Void) -> ScheduledWork {
        serial += 1
        let id = serial
        entries.append(Entry(serial: id, due: clock.nowMs + delayMs, action: action))
        let cancelled = self.cancelled
        return ScheduledWork { cancelled.insert(id) }
    }

    /// Moves time to `target`, running every wake-up due on the way at its own instant.
    func advance(to target: UInt64) {
        while true {
            let live = entries.filter { !cancelled.contains($0.serial) && $0.due <= target }
            guard let next = live.min(by: { ($0.due, $0.serial) < ($1.due, $1.serial) }) else { break }
            entries.removeAll { $0.serial == next.serial }
            clock.set(max(clock.nowMs, next.due))
            next.action()
        }
        clock.set(target)
    }
}

/// Serials of cancelled work (cancellation may come from any thread).
final class CancelledSet: @unchecked Sendable {
    private let lock = NSLock()
    private var set: Set<Int> = []
    func insert(_ id: Int) { lock.lock(); set.insert(id); lock.unlock() }
    func contains(_ id: Int) -> Bool { lock.lock(); defer { lock.unlock() }; return set.contains(id) }
}

/// Counts calls of a change callback.
@MainActor
final class ChangeCounter {
    private(set) var count = 0
    func bump() { count += 1 }
}

let english = Strings(.english)
let japanese = Strings(.japanese)

/// An activation link the fake knows, with its check.
func fakeLink(service: String = "demo-bank", user: String = "taro", known: String? = nil) -> (String, LinkCheck) {
    let link = "ichie://activate?v=2&url=https%3A%2F%2Fotp.example&service=\(service)&user=\(user)"
    let check = LinkCheck(
        serviceID: service, userID: user, host: "otp.example", fingerprint: "a1b2 c3d4 e5f6 0718 293a 4b5c 6d7e 8f90",
        knownServiceName: known)
    return (link, check)
}

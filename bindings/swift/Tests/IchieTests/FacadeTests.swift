import Foundation
import XCTest
@testable import Ichie

/// The offline facade: codes, adding, the vault round trip, and every offline error.
final class FacadeTests: XCTestCase {
    func testRfc6238VectorsThroughAScriptedClock() throws {
        let clock = ScriptedClock(59_000)
        let app = try IchieApp.create(path: tempVault(), key: generateVaultKey(), maxTokens: 10, clock: clock)
        _ = try app.addUri(uri: rfcURI)
        // RFC 6238 appendix B, SHA-1, 8 digits.
        let vectors: [(UInt64, String)] = [
            (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"), (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
        ]
        for (seconds, code) in vectors {
            clock.set(seconds * 1000)
            XCTAssertEqual(try app.list().first?.code, code, "T=\(seconds)")
        }
        clock.set(59_000)
        let view = try app.list()[0]
        XCTAssertEqual(view.msUntilNext, 1_000)
        XCTAssertEqual(view.kind, "totp")
        XCTAssertEqual(view.algorithm, .sha1)
    }

    func testAddFromUriAndByHand() throws {
        let app = try IchieApp.create(path: tempVault(), key: generateVaultKey(), maxTokens: 10, clock: nil)
        let report = try app.addUri(uri: "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example")
        XCTAssertEqual(report.added.count, 1)
        let hotp = try app.addManual(
            issuer: "Shop", account: "bob", secretBase32: "JBSW Y3DP EHPK 3PXQ",
            algorithm: .sha1, digits: 6, periodS: nil, hotpCounter: 0)
        let views = try app.list()
        XCTAssertEqual(views.map(\.name), ["Example (alice@example.com)", "Shop (bob)"])
        XCTAssertEqual(views[0].code?.count, 6)
        XCTAssertEqual(views[0].periodS, 30)
        XCTAssertNil(views[1].code)
        XCTAssertEqual(views[1].counter, 0)
        _ = try app.nextHotpCode(id: hotp)
        XCTAssertEqual(try app.view(id: hotp).counter, 1)
        XCTAssertEqual(try app.find(query: "shop").id, hotp)
    }

    func testVaultRoundTripAcrossTwoOpens() throws {
        let path = tempVault()
        let key = try generateVaultKey()
        let clock = ScriptedClock(1_111_111_109_000)
        var before: [TokenView] = []
        do {
            let app = try IchieApp.create(path: path, key: key, maxTokens: 10, clock: clock)
            _ = try app.addUri(uri: rfcURI)
            _ = try app.addUri(uri: "otpauth://totp/Example:bob?secret=JBSWY3DPEHPK3PXP&issuer=Example&period=60")
            try app.moveTo(id: try app.find(query: "bob").id, position: 0)
            try app.setClockCorrection(correctionMs: 1_500)
            before = try app.list()
        }
        let app = try IchieApp.open(path: path, key: key, maxTokens: 10, clock: clock)
        let after = try app.list()
        XCTAssertEqual(after.map(\.id), before.map(\.id))
        XCTAssertEqual(after.map(\.code), before.map(\.code))
        XCTAssertEqual(app.clockCorrectionMs(), 1_500)

        let passphrase = tempVault()
        _ = try IchieApp.createWithPassphrase(path: passphrase, passphrase: "correct horse", maxTokens: 10, clock: nil)
            .addUri(uri: rfcURI)
        XCTAssertEqual(try IchieApp.openWithPassphrase(path: passphrase, passphrase: "correct horse", maxTokens: 10, clock: nil).list().count, 1)
    }

    func testOfflineErrorsArriveAsTheirCases() async throws {
        let path = tempVault()
        let key = try generateVaultKey()
        await assertIchieError({ try IchieApp.create(path: path, key: Data(count: 31), maxTokens: 10, clock: nil) }, "InvalidInput") {
            if case .InvalidInput = $0 { return true } else { return false }
        }
        await assertIchieError({ try IchieApp.open(path: path, key: key, maxTokens: 10, clock: nil) }, "NoVault") {
            if case .NoVault = $0 { return true } else { return false }
        }
        let app = try IchieApp.create(path: path, key: key, maxTokens: 2, clock: nil)
        await assertIchieError({ try IchieApp.open(path: path, key: try generateVaultKey(), maxTokens: 2, clock: nil) }, "WrongKey") {
            if case .WrongKey = $0 { return true } else { return false }
        }
        let junk = path + ".junk"
        try "ICHIEVLT garbage".write(toFile: junk, atomically: true, encoding: .utf8)
        await assertIchieError({ try IchieApp.open(path: junk, key: key, maxTokens: 2, clock: nil) }, "CorruptVault") {
            if case .CorruptVault = $0 { return true } else { return false }
        }
        await assertIchieError({ try app.addUri(uri: "otpauth://totp/x?secret=!!!") }, "InvalidInput") {
            if case .InvalidInput = $0 { return true } else { return false }
        }
        let id = try app.addUri(uri: rfcURI).added[0]
        await assertIchieError({ try app.addUri(uri: rfcURI) }, "Duplicate") {
            if case .Duplicate(let name) = $0 { return name == "RFC 6238 (alice)" } else { return false }
        }
        _ = try app.addUri(uri: "otpauth://totp/Other:alice?secret=JBSWY3DPEHPK3PXP&issuer=Other")
        await assertIchieError({ try app.addUri(uri: "otpauth://totp/Third:carol?secret=KRSXG5CTMVRXEZLU&issuer=Third") }, "VaultFull") {
            if case .VaultFull(let limit) = $0 { return limit == 2 } else { return false }
        }
        await assertIchieError({ try app.delete(id: "no-such-id") }, "NoMatch") {
            if case .NoMatch = $0 { return true } else { return false }
        }
        await assertIchieError({ try app.find(query: "alice") }, "Ambiguous") {
            if case .Ambiguous(_, let names) = $0 { return names.count == 2 } else { return false }
        }
        await assertIchieError({ try app.moveTo(id: id, position: UInt64.max) }, "InvalidInput") {
            if case .InvalidInput = $0 { return true } else { return false }
        }
        let backup = try app.exportBackup(passphrase: "backup pass")
        await assertIchieError({ try app.importBackup(backup: backup, passphrase: "wrong") }, "WrongKey") {
            if case .WrongKey = $0 { return true } else { return false }
        }
        XCTAssertEqual(try app.importBackup(backup: backup, passphrase: "backup pass").added, [])
    }

    /// A throwing app clock reaches the caller as `IchieError.Internal`, not a Rust panic.
    func testAThrowingClockIsATypedError() async throws {
        struct NoTime: Error {}
        final class BrokenClock: WallClock, @unchecked Sendable {
            func nowMs() throws -> UInt64 { throw NoTime() }
        }
        let app = try IchieApp.create(path: tempVault(), key: generateVaultKey(), maxTokens: 10, clock: BrokenClock())
        _ = try app.addUri(uri: "otpauth://totp/X?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        await assertIchieError({ try app.list() }, "Internal") {
            if case .Internal = $0 { return true } else { return false }
        }
        XCTAssertEqual(app.clockCorrectionMs(), 0)
    }

    /// The observer hears this handle's changes and, through checkForChanges, another handle's.
    func testChangesAreObserved() throws {
        final class Counter: VaultObserver, @unchecked Sendable {
            private let lock = NSLock()
            private var count = 0
            var seen: Int { lock.lock(); defer { lock.unlock() }; return count }
            func vaultChanged() { lock.lock(); count += 1; lock.unlock() }
        }
        let path = tempVault()
        let key = try generateVaultKey()
        let app = try IchieApp.create(path: path, key: key, maxTokens: 10, clock: nil)
        let widget = try IchieApp.open(path: path, key: key, maxTokens: 10, clock: nil)
        let counter = Counter()
        app.setObserver(observer: counter)
        _ = try app.addUri(uri: "otpauth://totp/A:one?secret=JBSWY3DPEHPK3PXP")
        XCTAssertEqual(counter.seen, 1)
        _ = try widget.addUri(uri: "otpauth://totp/B:two?secret=GEZDGNBVGY3TQOJQ")
        XCTAssertTrue(try app.checkForChanges())
        XCTAssertEqual(counter.seen, 2)
        XCTAssertEqual(try app.list().count, 2)
    }
}

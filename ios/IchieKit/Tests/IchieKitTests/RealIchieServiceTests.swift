import Foundation
import XCTest
@testable import Ichie
@testable import IchieKit

/// `RealIchieService` against the real library (the host libichie_ffi) with a temporary vault.
final class RealIchieServiceTests: XCTestCase, @unchecked Sendable {
    /// RFC 6238's SHA-1 seed, `12345678901234567890`, in base32.
    static let rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    static let rfcURI = "otpauth://totp/RFC%206238:alice?secret=\(rfcSecret)&digits=8&issuer=RFC%206238"
    /// A link to a server nothing listens on (port 1).
    static let unreachableLink = "ichie://activate?v=2&url=https%3A%2F%2F127.0.0.1%3A1&service=demo&user=taro&kid=k1&pk="
        + String(repeating: "A", count: 43)

    func tempVault() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ichie-kit-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("vault.ichie").path
    }

    func open(_ path: String, key: Data, limit: Int = 10, directory: String? = nil) async throws -> RealIchieService {
        try await RealIchieService.openOrCreate(vaultPath: path, key: key, tokenLimit: limit, directoryJSON: directory)
    }

    func assertFails<T>(
        _ expected: IchieFailure, file: StaticString = #filePath, line: UInt = #line,
        _ body: () async throws -> T
    ) async {
        do {
            let value = try await body()
            XCTFail("expected \(expected), got \(value)", file: file, line: line)
        } catch {
            XCTAssertEqual(error as? IchieFailure, expected, file: file, line: line)
        }
    }

    func testAddFromURIListRenameMoveDelete() async throws {
        let service = try await open(tempVault(), key: try RealIchieService.newVaultKey())
        let value1 = try await service.listTokens()
        XCTAssertEqual(value1, [])
        let added = try await service.addFromURI(Self.rfcURI)
        XCTAssertEqual(added.added.count, 1)
        let other = try await service.addFromURI("otpauth://totp/Example:bob?secret=JBSWY3DPEHPK3PXP&issuer=Example&period=60")
        XCTAssertEqual(other.added.count, 1)

        var tokens = try await service.listTokens()
        XCTAssertEqual(tokens.map(\.name), ["RFC 6238 (alice)", "Example (bob)"])
        XCTAssertEqual(tokens[0].kind, .totp(periodSeconds: 30))
        XCTAssertEqual(tokens[0].digits, 8)
        XCTAssertEqual(tokens[0].code?.count, 8)
        XCTAssertEqual(tokens[0].nextCode?.count, 8)
        XCTAssert((1...30_000).contains(tokens[0].msUntilNext ?? 0))
        XCTAssertEqual(tokens[1].kind, .totp(periodSeconds: 60))
        let codes = try await service.currentCodes()
        XCTAssertEqual(codes.map(\.id), tokens.map(\.id))
        XCTAssertEqual(codes[0].code?.count, 8)
        XCTAssertFalse(tokens[0].revoked)
        XCTAssertNil(tokens[0].server)

        try await service.rename(id: added.added[0], issuer: "RFC", account: "alice2")
        try await service.move(id: added.added[0], to: 1)
        tokens = try await service.listTokens()
        XCTAssertEqual(tokens.map(\.name), ["Example (bob)", "RFC (alice2)"])
        try await service.delete(id: added.added[0])
        let value2 = try await service.listTokens().map(\.name)
        XCTAssertEqual(value2, ["Example (bob)"])
        await assertFails(.invalidInput(reason: "no match for \(added.added[0])")) {
            try await service.delete(id: added.added[0])
        }
        await assertFails(.invalidInput(reason: "negative position")) { try await service.move(id: other.added[0], to: -1) }
    }

    func testHOTPCodesAreRFC4226() async throws {
        let service = try await open(tempVault(), key: try RealIchieService.newVaultKey())
        let id = try await service.addManually(ManualEntry(
            issuer: "Shop", account: "bob", secret: Self.rfcSecret.lowercased(), hotpCounter: 0))
        // RFC 4226 appendix D: counters 0 and 1.
        let value3 = try await service.nextHOTPCode(id: id)
        XCTAssertEqual(value3, "755224")
        let value4 = try await service.nextHOTPCode(id: id)
        XCTAssertEqual(value4, "287082")
        let value5 = try await service.listTokens().first?.kind
        XCTAssertEqual(value5, .hotp(counter: 2))
        let totp = try await service.addFromURI(Self.rfcURI).added[0]
        do {
            _ = try await service.nextHOTPCode(id: totp)
            XCTFail("a TOTP token gave an HOTP code")
        } catch {
            guard case .invalidInput = error else { return XCTFail("\(error)") }
        }
    }

    func testTheVaultPersistsUnderItsKeyOnly() async throws {
        let path = tempVault()
        let key = try RealIchieService.newVaultKey()
        XCTAssertEqual(key.count, 32)
        _ = try await open(path, key: key).addFromURI(Self.rfcURI)
        let value6 = try await open(path, key: key).listTokens().map(\.name)
        XCTAssertEqual(value6, ["RFC 6238 (alice)"])
        await assertFails(.wrongKey) { try await self.open(path, key: try RealIchieService.newVaultKey()) }
        let junk = tempVault()
        try "ICHIEVLT garbage".write(toFile: junk, atomically: true, encoding: .utf8)
        do {
            _ = try await open(junk, key: key)
            XCTFail("a damaged vault opened")
        } catch {
            XCTAssertEqual(error as? IchieFailure, .corruptVault)
        }
    }

    func testOfflineFailuresArriveInAppTerms() async throws {
        let service = try await open(tempVault(), key: try RealIchieService.newVaultKey(), limit: 2)
        let added = try await service.addFromURI(Self.rfcURI)
        await assertFails(.duplicate(name: "RFC 6238 (alice)")) { try await service.addFromURI(Self.rfcURI) }
        await assertFails(.duplicate(name: "RFC 6238 (alice)")) {
            try await service.addManually(ManualEntry(issuer: "RFC 6238", account: "alice", secret: Self.rfcSecret, digits: 8))
        }
        _ = try await service.addFromURI("otpauth://totp/Other:alice?secret=JBSWY3DPEHPK3PXP&issuer=Other")
        await assertFails(.vaultFull(limit: 2)) {
            try await service.addFromURI("otpauth://totp/Third:carol?secret=KRSXG5CTMVRXEZLU&issuer=Third")
        }
        do {
            _ = try await service.addFromURI("otpauth://totp/x?secret=!!!")
            XCTFail("a bad URI was accepted")
        } catch {
            guard case .invalidInput = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(added.added.count, 1)

        // Clock corrections: an hour only when forced, two days never.
        let hour = IchieKit.ClockEstimate(offsetMs: 3_600_000, uncertaintyMs: 50, roundTripMs: 100, samples: 3)
        await assertFails(.correctionRefused(needsForce: true)) { try await service.applyClockEstimate(hour, force: false) }
        let value7 = try await service.applyClockEstimate(hour, force: true)
        XCTAssertEqual(value7, 3_600_000)
        let value8 = try await service.listTokens().first?.clockCorrectionMs
        XCTAssertEqual(value8, 3_600_000)
        let days = IchieKit.ClockEstimate(offsetMs: 2 * 86_400_000, uncertaintyMs: 50, roundTripMs: 100, samples: 3)
        await assertFails(.correctionRefused(needsForce: false)) { try await service.applyClockEstimate(days, force: true) }
    }

    func testActivationFailuresWithoutAServer() async throws {
        // RFC 8032's first test key: a real Ed25519 key, not the link's.
        let directory = #"{"services":[{"service_id":"demo","name":"Demo","base_url":"https://127.0.0.1:1","keys":[{"key_id":"k1","public_key":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}]}"#
        let plain = try await open(tempVault(), key: try RealIchieService.newVaultKey())
        let seen = try await plain.inspectActivationLink(Self.unreachableLink)
        XCTAssertEqual(seen.serviceID, "demo")
        XCTAssertEqual(seen.userID, "taro")
        XCTAssertEqual(seen.host, "127.0.0.1:1")
        XCTAssertEqual(seen.fingerprint.count, 39)
        XCTAssertNil(seen.knownServiceName)
        await assertFails(.unconfirmedService(host: "127.0.0.1:1", fingerprint: seen.fingerprint)) {
            try await plain.activate(link: Self.unreachableLink, password: "123456", userConfirmedUnknownService: false, correctClock: false)
        }
        await assertFails(.network) {
            try await plain.activate(link: Self.unreachableLink, password: "123456", userConfirmedUnknownService: true, correctClock: false)
        }
        await assertFails(.invalidInput(reason: "the app has no service directory")) {
            try await plain.activate(serviceID: "demo", userID: "taro", password: "123456", correctClock: false)
        }
        await assertFails(.network) { try await plain.checkClock(.ichieServer("https://127.0.0.1:1/")) }
        let value9 = try await plain.refreshStatus()
        XCTAssertEqual(value9, [])

        // The directory lists "demo" with another key: the link is forged.
        let guarded = try await open(tempVault(), key: try RealIchieService.newVaultKey(), directory: directory)
        await assertFails(.linkMismatch) { try await guarded.inspectActivationLink(Self.unreachableLink) }
        await assertFails(.linkMismatch) {
            try await guarded.activate(link: Self.unreachableLink, password: "123456", userConfirmedUnknownService: true, correctClock: false)
        }
        await assertFails(.invalidInput(reason: "no match for nobody")) {
            try await guarded.activate(serviceID: "nobody", userID: "taro", password: "123456", correctClock: false)
        }
        await assertFails(.network) {
            try await guarded.activate(serviceID: "demo", userID: "taro", password: "123456", correctClock: false)
        }
    }

    @MainActor
    func testBlockingCallsRunOffTheMainThread() async throws {
        let path = tempVault()
        let service = try await RealIchieService.openOrCreate(
            vaultPath: path, key: try RealIchieService.newVaultKey(), directoryJSON: nil)
        XCTAssertTrue(Thread.isMainThread)
        let onMain = try await service.blocking { _ in Thread.isMainThread }
        XCTAssertFalse(onMain)
    }

    func testEveryCoreErrorMapsToAFailure() {
        let cases: [(IchieError, IchieFailure)] = [
            (.WrongActivationPassword(attemptsLeft: 4), .wrongPassword(attemptsLeft: 4)),
            (.Locked, .locked),
            (.ExpiredOrUnknown, .expiredOrUnknown),
            (.Revoked, .revoked),
            (.RateLimited, .rateLimited),
            (.SignatureMismatch(reason: "bad signature"), .linkMismatch),
            (.LinkMismatch(serviceId: "demo", what: "signing key"), .linkMismatch),
            (.UnconfirmedService(host: "h:1", keyFingerprint: "f"), .unconfirmedService(host: "h:1", fingerprint: "f")),
            (.ClockOff(offsetMs: -42), .clockOff(offsetMs: -42)),
            (.CorrectionRefused(reason: "r", needsForce: true), .correctionRefused(needsForce: true)),
            (.CorrectionRefused(reason: "r", needsForce: false), .correctionRefused(needsForce: false)),
            (.VaultFull(limit: 10), .vaultFull(limit: 10)),
            (.WrongKey, .wrongKey),
            (.CorruptVault(reason: "r"), .corruptVault),
            (.Duplicate(name: "n"), .duplicate(name: "n")),
            (.NoMatch(query: "q"), .invalidInput(reason: "no match for q")),
            (.Ambiguous(query: "q", names: ["a", "b"]), .invalidInput(reason: "q matches several tokens")),
            (.InvalidInput(reason: "r"), .invalidInput(reason: "r")),
            (.Network(reason: "refused"), .network),
            (.Tls(reason: "unknown issuer"), .tls),
            (.Timeout, .timeout),
            (.Server(code: "503", reason: "HTTP status 503"), .server(code: "503")),
            (.NoVault(path: "/p"), .internal(reason: "no vault at /p")),
            (.VaultExists(path: "/p"), .internal(reason: "a file is already at /p")),
            (.Io(reason: "disk full"), .internal(reason: "disk full")),
            (.Internal(reason: "r"), .internal(reason: "r")),
        ]
        for (core, app) in cases {
            XCTAssertEqual(IchieFailure(core: core), app, "\(core)")
        }
        struct Panic: Error {}
        guard case .internal = IchieFailure(core: Panic()) else { return XCTFail("a foreign error must be internal") }
    }
}

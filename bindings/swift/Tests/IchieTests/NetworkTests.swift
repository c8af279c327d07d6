import Foundation
import XCTest
@testable import Ichie

/// Network errors that need no server, then everything against a real ichie-server.
final class NetworkTests: XCTestCase {
    let unreachableLink = "ichie://activate?v=2&url=https%3A%2F%2F127.0.0.1%3A1&service=demo&user=taro&kid=k1&pk="
        + String(repeating: "A", count: 43)

    func testOfflineNetworkErrors() async throws {
        let app = try IchieApp.create(path: tempVault(), key: generateVaultKey(), maxTokens: 10, clock: nil)
        await assertIchieError({ try await app.activateWithLink(link: "ichie://nonsense", password: "123456", directoryJson: nil, trustUnknownService: true, extraRootPem: nil, fixClock: false) }, "InvalidInput") {
            if case .InvalidInput = $0 { return true } else { return false }
        }
        await assertIchieError({ try await app.activateWithLink(link: self.unreachableLink, password: "12ab", directoryJson: nil, trustUnknownService: true, extraRootPem: nil, fixClock: false) }, "InvalidInput") {
            if case .InvalidInput = $0 { return true } else { return false }
        }
        let seen = try inspectActivationLink(link: unreachableLink, directoryJson: nil)
        XCTAssertFalse(seen.knownService)
        XCTAssertEqual(seen.host, "127.0.0.1:1")
        XCTAssertEqual(seen.keyFingerprint.count, 39)
        await assertIchieError({ try await app.activateWithLink(link: self.unreachableLink, password: "123456", directoryJson: nil, trustUnknownService: false, extraRootPem: nil, fixClock: false) }, "UnconfirmedService") {
            if case .UnconfirmedService = $0 { return true } else { return false }
        }
        await assertIchieError({ try await app.activateWithLink(link: self.unreachableLink, password: "123456", directoryJson: nil, trustUnknownService: true, extraRootPem: nil, fixClock: false) }, "Network") {
            if case .Network = $0 { return true } else { return false }
        }
        await assertIchieError({ try await app.activateWithService(directoryJson: #"{"services":[]}"#, serviceId: "demo", userId: "taro", password: "123456", extraRootPem: nil, fixClock: false) }, "NoMatch") {
            if case .NoMatch = $0 { return true } else { return false }
        }
        let outcomes = try await app.refreshStatus(extraRootPem: nil)
        XCTAssertEqual(outcomes, [])
    }

    func testClockCheckAgainstTheServer() async throws {
        let server = try Server.fromEnv()
        let app = try IchieApp.create(path: tempVault(), key: generateVaultKey(), maxTokens: 10, clock: nil)
        let report = try await app.checkClock(url: server.url + "/v1/time", extraRootPem: server.caPem, dateHeader: false)
        XCTAssertEqual(report.verdict, .fine, "\(report)")
        XCTAssertGreaterThanOrEqual(report.estimate.samples, 3)
        await assertIchieError({ try await app.checkClock(url: server.url + "/v1/time", extraRootPem: nil, dateHeader: false) }, "Tls") {
            if case .Tls = $0 { return true } else { return false }
        }
        let skewed = try IchieApp.create(path: tempVault(), key: generateVaultKey(), maxTokens: 10, clock: ScriptedClock(nowMs() - 3_600_000))
        let off = try await skewed.checkClock(url: server.url + "/v1/time", extraRootPem: server.caPem, dateHeader: false)
        XCTAssertEqual(off.verdict, .codesWrong)
        XCTAssert((3_590_000...3_610_000).contains(off.estimate.offsetMs), "\(off)")
        // "Correct automatically": an hour is beyond 5 minutes, so only when forced.
        XCTAssertThrowsError(try skewed.applyClockEstimate(estimate: off.estimate, force: false)) { error in
            guard case IchieError.CorrectionRefused(_, let needsForce) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue(needsForce)
        }
        XCTAssertEqual(skewed.clockCorrectionMs(), 0)
        let stored = try skewed.applyClockEstimate(estimate: off.estimate, force: true)
        XCTAssertEqual(stored, off.estimate.offsetMs)
        _ = try skewed.addUri(uri: "otpauth://totp/X?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        XCTAssertEqual(try skewed.list().first?.clockCorrectionMs, stored)
    }

    func testFullActivationVerifyRevoke() async throws {
        let server = try Server.fromEnv()
        let app = try IchieApp.create(path: tempVault(), key: generateVaultKey(), maxTokens: 10, clock: nil)
        // The app's service directory knows this service: its server and key.
        let directory = #"{"services":[{"service_id":"\#(field(server.link, "service"))","name":"Test Bank","base_url":"\#(server.url)","keys":[{"key_id":"\#(field(server.link, "kid"))","public_key":"\#(field(server.link, "pk"))"}]}]}"#
        let seen = try inspectActivationLink(link: server.link, directoryJson: directory)
        XCTAssertTrue(seen.knownService)
        XCTAssertEqual(seen.serviceName, "Test Bank")
        // A forged link for that service (phishing): refused before anything is sent.
        let forged = server.link.replacingOccurrences(
            of: #"pk=[A-Za-z0-9_-]+"#, with: "pk=" + String(repeating: "A", count: 43), options: .regularExpression)
        await assertIchieError({ try await app.activateWithLink(link: forged, password: server.password, directoryJson: directory, trustUnknownService: true, extraRootPem: server.caPem, fixClock: false) }, "LinkMismatch") {
            if case .LinkMismatch = $0 { return true } else { return false }
        }
        // Without a directory and trusted by the user, the forged key fails the signature.
        await assertIchieError({ try await app.activateWithLink(link: forged, password: server.password, directoryJson: nil, trustUnknownService: true, extraRootPem: server.caPem, fixClock: false) }, "SignatureMismatch") {
            if case .SignatureMismatch = $0 { return true } else { return false }
        }
        // A device clock an hour off is refused before the password is sent.
        let skewed = try IchieApp.create(path: tempVault(), key: generateVaultKey(), maxTokens: 10, clock: ScriptedClock(nowMs() - 3_600_000))
        await assertIchieError({ try await skewed.activateWithLink(link: server.link, password: server.password, directoryJson: directory, trustUnknownService: false, extraRootPem: server.caPem, fixClock: false) }, "ClockOff") {
            if case .ClockOff(let offset) = $0 { return offset > 3_000_000 } else { return false }
        }
        let wrong = server.password == "000000" ? "111111" : "000000"
        await assertIchieError({ try await app.activateWithLink(link: server.link, password: wrong, directoryJson: directory, trustUnknownService: false, extraRootPem: server.caPem, fixClock: false) }, "WrongActivationPassword") {
            if case .WrongActivationPassword(let left) = $0 { return left > 0 } else { return false }
        }

        let report = try await app.activateWithLink(link: server.link, password: server.password, directoryJson: directory, trustUnknownService: false, extraRootPem: server.caPem, fixClock: false)
        XCTAssertEqual(report.clock.verdict, .fine)
        let token = try app.view(id: report.id)
        XCTAssertEqual(token.server, server.url)
        let (status, body) = try server.post(
            "/v1/verify", bearer: server.verifierKey,
            json: #"{"user_id":"\#(server.user)","code":"\#(token.code ?? "")"}"#)
        XCTAssertEqual(status, 200, body)
        XCTAssert(body.replacingOccurrences(of: " ", with: "").contains(#""result":"accepted""#), body)

        // Used up: answered like any user without an issuance (a decoy), so users cannot be probed.
        await assertIchieError({ try await app.activateWithLink(link: server.link, password: server.password, directoryJson: directory, trustUnknownService: false, extraRootPem: server.caPem, fixClock: false) }, "WrongActivationPassword") {
            if case .WrongActivationPassword = $0 { return true } else { return false }
        }
        var outcomes = try await app.refreshStatus(extraRootPem: server.caPem)
        XCTAssertEqual(outcomes.map(\.state), [.active])

        let (revoked, revokeBody) = try server.post("/v1/admin/users/\(server.user)/revoke", bearer: server.adminKey, json: "{}")
        XCTAssert((200..<300).contains(revoked), revokeBody)
        outcomes = try await app.refreshStatus(extraRootPem: server.caPem)
        XCTAssertEqual(outcomes.map(\.state), [.revoked])
        XCTAssertEqual(try app.view(id: report.id).state, .revoked)
    }

    func testTooManyWrongPasswordsLock() async throws {
        let server = try Server.fromEnv()
        let app = try IchieApp.create(path: tempVault(), key: generateVaultKey(), maxTokens: 10, clock: nil)
        var locked = false
        for _ in 1...20 {
            do {
                _ = try await app.activateWithLink(link: server.lockLink, password: "99999999", directoryJson: nil, trustUnknownService: true, extraRootPem: server.caPem, fixClock: false)
                XCTFail("a wrong password was accepted")
                return
            } catch IchieError.WrongActivationPassword {
                continue
            } catch IchieError.Locked {
                locked = true
                break
            }
        }
        XCTAssert(locked, "never locked")
    }
}

/// A query field of an activation link, as it appears (still URL-encoded).
func field(_ link: String, _ name: String) -> String {
    let query = link.split(separator: "?", maxSplits: 1).last.map(String.init) ?? ""
    for pair in query.split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1)
        if parts.count == 2 && parts[0] == name { return String(parts[1]) }
    }
    return ""
}

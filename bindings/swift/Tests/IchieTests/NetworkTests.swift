import Foundation
import XCTest
@testable import Ichie

/// Network errors that need no server, then everything against a real ichie-server.
final class NetworkTests: XCTestCase {
    let unreachableLink = "ichie://activate?v=1&url=https%3A%2F%2F127.0.0.1%3A1&service=demo&user=taro&kid=k1&pk="
        + String(repeating: "A", count: 43)

    func testOfflineNetworkErrors() async throws {
        let app = try IchieApp.create(path: tempVault(), key: generateVaultKey(), maxTokens: 10, clock: nil)
        await assertIchieError({ try await app.activateWithLink(link: "ichie://nonsense", password: "123456", extraRootPem: nil, fixClock: false) }, "InvalidInput") {
            if case .InvalidInput = $0 { return true } else { return false }
        }
        await assertIchieError({ try await app.activateWithLink(link: self.unreachableLink, password: "12ab", extraRootPem: nil, fixClock: false) }, "InvalidInput") {
            if case .InvalidInput = $0 { return true } else { return false }
        }
        await assertIchieError({ try await app.activateWithLink(link: self.unreachableLink, password: "123456", extraRootPem: nil, fixClock: false) }, "Network") {
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
    }

    func testFullActivationVerifyRevoke() async throws {
        let server = try Server.fromEnv()
        let app = try IchieApp.create(path: tempVault(), key: generateVaultKey(), maxTokens: 10, clock: nil)
        // A forged pinned key: the signed challenge does not verify.
        let forged = server.link.replacingOccurrences(
            of: #"pk=[A-Za-z0-9_-]+"#, with: "pk=" + String(repeating: "A", count: 43), options: .regularExpression)
        await assertIchieError({ try await app.activateWithLink(link: forged, password: server.password, extraRootPem: server.caPem, fixClock: false) }, "SignatureMismatch") {
            if case .SignatureMismatch = $0 { return true } else { return false }
        }
        // A device clock an hour off is refused before the password is sent.
        let skewed = try IchieApp.create(path: tempVault(), key: generateVaultKey(), maxTokens: 10, clock: ScriptedClock(nowMs() - 3_600_000))
        await assertIchieError({ try await skewed.activateWithLink(link: server.link, password: server.password, extraRootPem: server.caPem, fixClock: false) }, "ClockOff") {
            if case .ClockOff(let offset) = $0 { return offset > 3_000_000 } else { return false }
        }
        let wrong = server.password == "000000" ? "111111" : "000000"
        await assertIchieError({ try await app.activateWithLink(link: server.link, password: wrong, extraRootPem: server.caPem, fixClock: false) }, "WrongActivationPassword") {
            if case .WrongActivationPassword(let left) = $0 { return left > 0 } else { return false }
        }

        let report = try await app.activateWithLink(link: server.link, password: server.password, extraRootPem: server.caPem, fixClock: false)
        XCTAssertEqual(report.clock.verdict, .fine)
        let token = try app.view(id: report.id)
        XCTAssertEqual(token.server, server.url)
        let (status, body) = try server.post(
            "/v1/verify", bearer: server.verifierKey,
            json: #"{"user_id":"\#(server.user)","code":"\#(token.code ?? "")"}"#)
        XCTAssertEqual(status, 200, body)
        XCTAssert(body.replacingOccurrences(of: " ", with: "").contains(#""result":"accepted""#), body)

        await assertIchieError({ try await app.activateWithLink(link: server.link, password: server.password, extraRootPem: server.caPem, fixClock: false) }, "ExpiredOrUnknown") {
            if case .ExpiredOrUnknown = $0 { return true } else { return false }
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
                _ = try await app.activateWithLink(link: server.lockLink, password: "99999999", extraRootPem: server.caPem, fixClock: false)
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

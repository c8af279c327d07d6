import Foundation
import XCTest
@testable import IchieKit

/// The real ichie-server scripts/bindings-test.sh starts (or a developer, the
/// same way), from the environment.
struct TestServer {
    let url, caPemPath, caPem, link, password, user, verifierKey: String

    /// The server, or a skip — unless ICHIE_REQUIRE_SERVER=1, which makes a missing server a failure.
    static func fromEnv() throws -> TestServer {
        let env = ProcessInfo.processInfo.environment
        func need(_ name: String) throws -> String {
            guard let value = env[name], !value.isEmpty else {
                if env["ICHIE_REQUIRE_SERVER"] == "1" {
                    XCTFail("ICHIE_REQUIRE_SERVER=1 but no \(name)")
                }
                throw XCTSkip("no ichie-server: \(name) is not set (run scripts/bindings-test.sh)")
            }
            return value
        }
        let url = try need("ICHIE_SERVER_URL")
        let caPemPath = try need("ICHIE_CA_PEM")
        return TestServer(
            url: url, caPemPath: caPemPath, caPem: try String(contentsOfFile: caPemPath, encoding: .utf8),
            link: try need("ICHIE_LINK"), password: try need("ICHIE_PASSWORD"), user: try need("ICHIE_USER"),
            verifierKey: try need("ICHIE_VERIFIER_KEY"))
    }

    /// POSTs JSON with a bearer key through curl (trusting the test CA); returns status and body.
    func post(_ path: String, bearer: String, json: String) throws -> (Int, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = [
            "-sS", "--cacert", caPemPath, "-H", "Authorization: Bearer \(bearer)",
            "-H", "Content-Type: application/json", "-d", json, "-w", "\n%{http_code}", url + path,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }
}

/// One activation against a real server over TLS, through the view models,
/// ending with a code the server's /v1/verify accepts.
@MainActor
final class ServerActivationTests: XCTestCase, @unchecked Sendable {
    func testActivationThroughTheViewModelEndsWithAnAcceptedCode() async throws {
        let server = try TestServer.fromEnv()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ichie-kit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // No service directory: the link's service is unknown and must be confirmed.
        let service = try await RealIchieService.openOrCreate(
            vaultPath: dir.appendingPathComponent("vault.ichie").path, key: try RealIchieService.newVaultKey(),
            directoryJSON: nil, extraRootPEM: server.caPem)

        let add = AddTokenViewModel(service: service, strings: english)
        await add.inspect(link: server.link)
        guard case .confirmUnknownService(let check) = add.phase else { return XCTFail("\(add.phase): \(add.message ?? "")") }
        XCTAssertEqual("https://" + check.host, server.url)
        XCTAssertEqual(check.userID, server.user)
        XCTAssertEqual(check.fingerprint.count, 39)
        XCTAssertTrue(add.confirmationText?.contains(check.fingerprint) ?? false)

        // Sent before the user confirmed: the core refuses, nothing reaches the server.
        await add.activate(password: server.password)
        XCTAssertEqual(add.phase, .confirmUnknownService(check))
        add.confirmUnknownService()
        await add.activate(password: server.password)
        guard case .activated(let activation) = add.phase else { return XCTFail("\(add.phase): \(add.message ?? "")") }
        XCTAssertEqual(activation.clock.verdict, .fine)
        XCTAssertFalse(activation.clockCorrected)

        let banner = ClockBannerViewModel(service: service, strings: english)
        await banner.check(.ichieServer(server.url))
        XCTAssertEqual(banner.state, .hidden, banner.message ?? "")

        let clock = TestClock()
        let list = TokenListViewModel(
            service: service, scheduler: ManualScheduler(clock: clock), pasteboard: MemoryPasteboard(), strings: english)
        await list.load()
        XCTAssertNil(list.message)
        let row = try XCTUnwrap(list.rows.first { $0.id == activation.tokenID })
        XCTAssertEqual(row.token.server, server.url)
        let grouped = try XCTUnwrap(row.code)
        XCTAssertEqual(grouped.count, 7, "6 digits, grouped: \(grouped)")
        list.copyCode(id: row.id)

        let code = CodeFormat.plain(grouped)
        let (status, body) = try server.post(
            "/v1/verify", bearer: server.verifierKey, json: #"{"user_id":"\#(server.user)","code":"\#(code)"}"#)
        XCTAssertEqual(status, 200, body)
        XCTAssert(body.replacingOccurrences(of: " ", with: "").contains(#""result":"accepted""#), body)
    }
}

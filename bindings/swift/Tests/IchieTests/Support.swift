import Foundation
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import Ichie

/// RFC 6238's SHA-1 seed, `12345678901234567890`, in base32.
let rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
let rfcURI = "otpauth://totp/RFC%206238:alice?secret=\(rfcSecret)&digits=8&issuer=RFC%206238"

/// A clock the test sets: the foreign `WallClock` protocol implemented in Swift.
final class ScriptedClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var ms: UInt64
    init(_ ms: UInt64) { self.ms = ms }
    func set(_ value: UInt64) { lock.lock(); ms = value; lock.unlock() }
    func nowMs() -> UInt64 { lock.lock(); defer { lock.unlock() }; return ms }
}

func tempVault() -> String {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("ichie-swift-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("vault.ichie").path
}

func nowMs() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

/// Asserts that `body` throws an `IchieError` matching `matches`.
func assertIchieError<T>(
    _ body: () async throws -> T, _ expected: String,
    file: StaticString = #filePath, line: UInt = #line,
    _ matches: (IchieError) -> Bool
) async {
    do {
        _ = try await body()
        XCTFail("expected \(expected), got a value", file: file, line: line)
    } catch let error as IchieError {
        XCTAssertTrue(matches(error), "expected \(expected), got \(error)", file: file, line: line)
    } catch {
        XCTFail("expected \(expected), got \(error)", file: file, line: line)
    }
}

/// The real ichie-server scripts/bindings-test.sh started.
struct Server {
    let url, caPem, link, password, user, lockLink, verifierKey, adminKey: String

    /// The server from the environment, or nil (the test is skipped) — unless
    /// ICHIE_REQUIRE_SERVER=1, which makes a missing server a failure.
    static func fromEnv() throws -> Server {
        let env = ProcessInfo.processInfo.environment
        guard let url = env["ICHIE_SERVER_URL"] else {
            if env["ICHIE_REQUIRE_SERVER"] == "1" {
                XCTFail("ICHIE_REQUIRE_SERVER=1 but no ICHIE_SERVER_URL")
            }
            throw XCTSkip("no ichie-server (run scripts/bindings-test.sh)")
        }
        func need(_ name: String) -> String { env[name] ?? "" }
        return Server(
            url: url,
            caPem: try String(contentsOfFile: need("ICHIE_CA_PEM"), encoding: .utf8),
            link: need("ICHIE_LINK"), password: need("ICHIE_PASSWORD"), user: need("ICHIE_USER"),
            lockLink: need("ICHIE_LOCK_LINK"), verifierKey: need("ICHIE_VERIFIER_KEY"),
            adminKey: need("ICHIE_ADMIN_KEY"))
    }

    /// POSTs JSON with a bearer key through curl (trusting the test CA); returns status and body.
    func post(_ path: String, bearer: String, json: String) throws -> (Int, String) {
        let ca = ProcessInfo.processInfo.environment["ICHIE_CA_PEM"] ?? ""
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = [
            "-sS", "--cacert", ca, "-H", "Authorization: Bearer \(bearer)",
            "-H", "Content-Type: application/json", "-d", json,
            "-w", "\n%{http_code}", url + path,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.last ?? "") ?? 0
        return (status, lines.dropLast().joined(separator: "\n"))
    }
}

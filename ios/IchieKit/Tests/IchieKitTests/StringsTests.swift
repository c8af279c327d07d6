import Foundation
import XCTest
@testable import IchieKit

final class StringsTests: XCTestCase, @unchecked Sendable {
    static let everyFailure: [IchieFailure] = [
        .wrongPassword(attemptsLeft: 3), .wrongPassword(attemptsLeft: 1), .locked, .expiredOrUnknown, .revoked,
        .linkMismatch, .unconfirmedService(host: "h", fingerprint: "f"), .clockOff(offsetMs: -90_000),
        .correctionRefused(needsForce: true), .correctionRefused(needsForce: false), .vaultFull(limit: 10),
        .wrongKey, .corruptVault, .duplicate(name: "n"), .rateLimited, .network, .tls, .timeout,
        .invalidInput(reason: "r"), .server(code: "c"), .internal(reason: "r"),
    ]

    func placeholders(_ text: String) -> Set<String> {
        var found: Set<String> = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            found.insert(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return found
    }

    func testEveryKeyInEveryLanguageWithTheSamePlaceholders() {
        for key in TextKey.allCases {
            let english = Strings.english[key], japanese = Strings.japanese[key]
            XCTAssertNotNil(english, "\(key) has no English text")
            XCTAssertNotNil(japanese, "\(key) has no Japanese text")
            XCTAssertEqual(placeholders(english ?? ""), placeholders(japanese ?? ""), "\(key)")
        }
        XCTAssertEqual(Strings.english.count, TextKey.allCases.count)
        XCTAssertEqual(Strings.japanese.count, TextKey.allCases.count)
    }

    func testEveryFailureHasItsOwnWordsInBothLanguages() {
        for strings in [Strings(.english), Strings(.japanese)] {
            var seen: Set<String> = []
            for failure in Self.everyFailure {
                let text = failure.message(strings)
                XCTAssertFalse(text.contains("{"), "unfilled placeholder: \(text)")
                XCTAssertTrue(seen.insert(text).inserted, "\(failure) shares its words with another failure")
            }
        }
        XCTAssertEqual(IchieFailure.clockOff(offsetMs: -90_000).message(Strings(.japanese)),
                       "端末の時計が1分30秒進んでいます。このままではコードが拒否されます。時計を補正してからやり直してください。")
    }

    func testLanguageFromLocale() {
        XCTAssertEqual(Language(locale: Locale(identifier: "ja_JP")), .japanese)
        XCTAssertEqual(Language(locale: Locale(identifier: "ja")), .japanese)
        XCTAssertEqual(Language(locale: Locale(identifier: "en_US")), .english)
        XCTAssertEqual(Language(locale: Locale(identifier: "jv_ID")), .english, "Javanese is not Japanese")
        XCTAssertEqual(Strings(locale: Locale(identifier: "ja_JP")).text(.revokedBadge), "無効")
    }

    func testDurations() {
        let en = Strings(.english), ja = Strings(.japanese)
        XCTAssertEqual(en.duration(ms: 4_400), "4 s")
        XCTAssertEqual(en.duration(ms: 200_000), "3 min 20 s")
        XCTAssertEqual(en.duration(ms: 3_900_000), "1 h 5 min")
        XCTAssertEqual(ja.duration(ms: 3_900_000), "1時間5分")
        XCTAssertEqual(en.clockOffset(ms: 61_000), "1 min 1 s behind")
        XCTAssertEqual(en.clockOffset(ms: -61_000), "1 min 1 s ahead")
    }

    func testCodeGrouping() {
        XCTAssertEqual(CodeFormat.grouped("123456"), "123 456")
        XCTAssertEqual(CodeFormat.grouped("1234567"), "123 4567")
        XCTAssertEqual(CodeFormat.grouped("12345678"), "1234 5678")
        XCTAssertEqual(CodeFormat.grouped("1234"), "1234")
        XCTAssertEqual(CodeFormat.grouped("12a456"), "12a456")
        XCTAssertEqual(CodeFormat.plain("1234 5678"), "12345678")
    }

    func testIncomingLinks() throws {
        let hosts: Set<String> = ["otp.example.com"]
        let query = "v=2&url=https%3A%2F%2Fotp.example.com&service=demo&user=taro&kid=k1&pk=AAAA"
        let custom = try XCTUnwrap(URL(string: "ichie://activate?" + query))
        XCTAssertEqual(IncomingLink.parse(custom, universalLinkHosts: hosts), .activation("ichie://activate?" + query))
        let universal = try XCTUnwrap(URL(string: "https://otp.example.com/activate?" + query))
        XCTAssertEqual(IncomingLink.parse(universal, universalLinkHosts: hosts), .activation("ichie://activate?" + query))
        let otherHost = try XCTUnwrap(URL(string: "https://evil.example/activate?" + query))
        XCTAssertNil(IncomingLink.parse(otherHost, universalLinkHosts: hosts))
        let otherPath = try XCTUnwrap(URL(string: "https://otp.example.com/login?" + query))
        XCTAssertNil(IncomingLink.parse(otherPath, universalLinkHosts: hosts))
        XCTAssertNil(IncomingLink.parse(try XCTUnwrap(URL(string: "ichie://settings")), universalLinkHosts: hosts))
        let otp = "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP"
        XCTAssertEqual(IncomingLink.parse(try XCTUnwrap(URL(string: otp)), universalLinkHosts: hosts), .otpauth(otp))
    }

    func testTimeSourceIsTheFirstActivatedServer() {
        let plain = Token(id: "1", issuer: nil, account: "a", name: "a", kind: .totp(periodSeconds: 30), digits: 6,
                          code: nil, nextCode: nil, msUntilNext: nil)
        var bound = plain
        bound.server = "https://otp.example"
        let fallback = TimeSource.dateHeader("https://www.apple.com")
        XCTAssertEqual(TimeSource.forTokens([plain, bound], fallback: fallback), .ichieServer("https://otp.example"))
        XCTAssertEqual(TimeSource.forTokens([plain], fallback: fallback), fallback)
    }
}

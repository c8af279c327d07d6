import XCTest
@testable import IchieKit

@MainActor
final class TokenListViewModelTests: XCTestCase, @unchecked Sendable {
    var clock: TestClock!
    var scheduler: ManualScheduler!
    var pasteboard: MemoryPasteboard!
    var fake: FakeIchieService!

    override func setUp() async throws {
        clock = TestClock()
        // 7 s into the 30 s step and 7 s into the 60 s step.
        clock.set(7_000)
        scheduler = ManualScheduler(clock: clock)
        pasteboard = MemoryPasteboard()
        fake = FakeIchieService(tokenLimit: 4, wallClockMs: clock.wallMs)
    }

    func makeList() -> TokenListViewModel {
        TokenListViewModel(service: fake, scheduler: scheduler, pasteboard: pasteboard, strings: english)
    }

    func testCodesAreGroupedWithTheNextCode() async throws {
        await fake.seedTOTP(issuer: "GitHub", account: "octocat")
        await fake.seedTOTP(issuer: "Cloud", account: "ops", periodSeconds: 60, digits: 8)
        await fake.seedHOTP(issuer: "VPN", account: "hanako")
        let list = makeList()
        let changes = ChangeCounter()
        list.onChange = { changes.bump() }
        await list.load()

        XCTAssertGreaterThan(changes.count, 0)
        let tokens = try await fake.listTokens()
        XCTAssertEqual(list.rows.map(\.name), ["GitHub (octocat)", "Cloud (ops)", "VPN (hanako)"])
        let six = try XCTUnwrap(tokens[0].code)
        XCTAssertEqual(list.rows[0].code, String(six.prefix(3)) + " " + String(six.suffix(3)))
        XCTAssertEqual(list.rows[0].nextCode, CodeFormat.grouped(try XCTUnwrap(tokens[0].nextCode)))
        XCTAssertNotEqual(list.rows[0].code, list.rows[0].nextCode)
        let eight = try XCTUnwrap(tokens[1].code)
        XCTAssertEqual(list.rows[1].code, String(eight.prefix(4)) + " " + String(eight.suffix(4)))
        XCTAssertTrue(list.rows[2].isHOTP)
        XCTAssertNil(list.rows[2].code, "an HOTP code appears only on a tap")
        XCTAssertNil(list.rows[2].countdown(atMs: clock.nowMs))
    }

    func testCountdownFollowsEachTokensOwnStep() async {
        await fake.seedTOTP(issuer: "A", account: "thirty")
        await fake.seedTOTP(issuer: "B", account: "sixty", periodSeconds: 60)
        let list = makeList()
        await list.load()

        let thirty = list.rows[0], sixty = list.rows[1]
        XCTAssertEqual(thirty.periodMs, 30_000)
        XCTAssertEqual(sixty.periodMs, 60_000)
        XCTAssertEqual(thirty.countdown(atMs: 7_000)?.secondsLeft, 23)
        XCTAssertEqual(thirty.countdown(atMs: 7_000)?.fraction ?? -1, 23.0 / 30.0, accuracy: 1e-9)
        XCTAssertEqual(sixty.countdown(atMs: 7_000)?.secondsLeft, 53)
        XCTAssertEqual(sixty.countdown(atMs: 7_000)?.fraction ?? -1, 53.0 / 60.0, accuracy: 1e-9)
        XCTAssertEqual(thirty.countdown(atMs: 29_500)?.secondsLeft, 1)
        XCTAssertEqual(thirty.countdown(atMs: 40_000)?.fraction, 0)
        XCTAssertFalse(thirty.isLastSeconds)
    }

    func testRefreshIsScheduledFromMsUntilNextNotPolled() async throws {
        await fake.seedTOTP(issuer: "A", account: "thirty")
        await fake.seedTOTP(issuer: "B", account: "sixty", periodSeconds: 60)
        let list = makeList()
        await list.load()
        let oldNext = list.rows[0].nextCode

        // One wake-up: the 30 s token enters its last 5 seconds at 23 s - 5 s.
        XCTAssertEqual(scheduler.pending, [25_000])
        XCTAssertEqual(list.nextWakeAtMs, 25_000)
        scheduler.advance(to: 25_000)
        XCTAssertTrue(list.rows[0].isLastSeconds)
        XCTAssertFalse(list.rows[1].isLastSeconds)
        let listed = await fake.count("listTokens")
        XCTAssertEqual(listed, 1, "entering the last seconds reads nothing")
        XCTAssertEqual(scheduler.pending, [30_000])

        // The code changes at 30 s: the known next code shows at once, then the codes are read again.
        scheduler.advance(to: 30_000)
        XCTAssertEqual(list.rows[0].code, oldNext)
        XCTAssertFalse(list.rows[0].isLastSeconds)
        await list.refreshTask?.value
        let relisted = await fake.count("listTokens"), codes = await fake.count("currentCodes")
        XCTAssertEqual(relisted, 1, "the labels did not change: only the codes are read")
        XCTAssertEqual(codes, 1)
        XCTAssertEqual(list.rows[0].code, oldNext, "the fresh list agrees with the promoted next code")
        XCTAssertEqual(list.rows[0].countdown(atMs: 30_000)?.secondsLeft, 30)
        // Next: both tokens enter their last seconds at 55 s (30 s token) and 55 s (60 s token: 60 - 5).
        XCTAssertEqual(scheduler.pending, [55_000])

        list.stop()
        XCTAssertEqual(scheduler.pending, [])
    }

    func testATokenAddedElsewhereMakesTheRefreshReadTheWholeList() async throws {
        await fake.seedTOTP(issuer: "A", account: "thirty")
        let list = makeList()
        await list.load()
        await fake.seedTOTP(issuer: "B", account: "new")
        scheduler.advance(to: 30_000)
        await list.refreshTask?.value
        let listed = await fake.count("listTokens")
        XCTAssertEqual(listed, 2)
        XCTAssertEqual(list.rows.map(\.account), ["thirty", "new"])
    }

    func testCopyPutsDigitsAndClearsAfter30SecondsIfUnchanged() async throws {
        let id = await fake.seedTOTP(issuer: "GitHub", account: "octocat")
        let list = makeList()
        await list.load()
        list.stop()
        let code = try XCTUnwrap(list.rows[0].code)

        XCTAssertEqual(list.copyCode(id: id), english.text(.copied))
        XCTAssertEqual(pasteboard.string, code.replacingOccurrences(of: " ", with: ""))
        XCTAssertEqual(pasteboard.string?.count, 6)
        XCTAssertEqual(list.copiedTokenID, id)
        XCTAssertEqual(scheduler.pending, [37_000])
        scheduler.advance(to: 36_999)
        XCTAssertNotNil(pasteboard.string)
        scheduler.advance(to: 37_000)
        XCTAssertNil(pasteboard.string)
        XCTAssertNil(list.copiedTokenID)

        // Copied again, then the user copies something else: that is left alone.
        list.copyCode(id: id)
        pasteboard.simulateOtherApp(copying: "a note")
        scheduler.advance(to: 67_000)
        XCTAssertEqual(pasteboard.string, "a note")
    }

    func testHOTPCodeOnTapKeptAcrossReloads() async throws {
        let id = await fake.seedHOTP(issuer: "VPN", account: "hanako")
        let list = makeList()
        await list.load()
        XCTAssertNil(list.copyCode(id: id), "nothing to copy before a tap")

        await list.generateHOTP(id: id)
        let first = try XCTUnwrap(list.rows[0].code)
        XCTAssertEqual(first.count, 7, "grouped: 3 + space + 3")
        XCTAssertEqual(list.rows[0].token.kind, .hotp(counter: 1))
        await list.load()
        XCTAssertEqual(list.rows[0].code, first)
        await list.generateHOTP(id: id)
        XCTAssertNotEqual(list.rows[0].code, first)
        XCTAssertEqual(list.rows[0].token.kind, .hotp(counter: 2))
        XCTAssertEqual(scheduler.pending, [], "an HOTP token needs no wake-up")
    }

    func testRevokedTokenShowsBadgeAndIsNotCopied() async {
        let id = await fake.seedTOTP(issuer: "Bank", account: "taro", server: "https://otp.example")
        await fake.seedTOTP(issuer: "GitHub", account: "octocat")
        let list = makeList()
        await list.load()
        XCTAssertFalse(list.rows[0].isRevoked)

        await fake.revokeOnServer(id: id)
        await list.refreshStatus()
        XCTAssertTrue(list.rows[0].isRevoked)
        XCTAssertNil(list.rows[0].code, "a revoked token shows no code")
        XCTAssertFalse(list.rows[1].isRevoked)
        XCTAssertNotNil(list.rows[1].code)
        XCTAssertEqual(list.revokedBadge, "Revoked")
        XCTAssertEqual(list.copyCode(id: id), english.text(.copyRevoked))
        XCTAssertNil(pasteboard.string)
    }

    func testSearchByIssuerOrAccountIgnoringCase() async {
        await fake.seedTOTP(issuer: "GitHub", account: "octocat")
        await fake.seedTOTP(issuer: "Café", account: "taro")
        await fake.seedTOTP(issuer: nil, account: "git-lab-admin")
        let list = makeList()
        await list.load()

        list.setSearch("GIT")
        XCTAssertEqual(list.rows.map(\.account), ["octocat", "git-lab-admin"])
        list.setSearch("cafe")
        XCTAssertEqual(list.rows.map(\.account), ["taro"])
        list.setSearch("zzz")
        XCTAssertEqual(list.rows, [])
        XCTAssertEqual(list.emptySearchMessage, "No token matches “zzz”.")
        list.setSearch("")
        XCTAssertEqual(list.rows.count, 3)
        XCTAssertNil(list.emptySearchMessage)
        // A reload keeps the search.
        list.setSearch("taro")
        await list.load()
        XCTAssertEqual(list.rows.map(\.account), ["taro"])
    }

    func testFullVaultMessage() async {
        let list = makeList()
        await list.load()
        XCTAssertFalse(list.isFull)
        for n in 0..<4 { await fake.seedTOTP(issuer: "S\(n)", account: "u") }
        await list.load()
        XCTAssertTrue(list.isFull)
        XCTAssertEqual(list.fullVaultMessage, "The list is full (4 tokens). Delete a token to add another.")
        XCTAssertEqual(TokenListViewModel(service: fake, scheduler: scheduler, pasteboard: pasteboard, strings: japanese).strings
            .text(.vaultFull, ["limit": "4"]), "登録数が上限（4個）に達しています。追加するにはトークンを削除してください。")
    }

    func testLoadFailureInPlainWords() async {
        await fake.failNext("listTokens", with: .corruptVault)
        let list = makeList()
        await list.load()
        XCTAssertEqual(list.failure, .corruptVault)
        XCTAssertEqual(list.message, "The token store is damaged and cannot be read. It was left untouched.")
        XCTAssertFalse(list.loaded)
        await list.load()
        XCTAssertNil(list.failure)
        XCTAssertNil(list.message)
        XCTAssertTrue(list.loaded)
    }
}

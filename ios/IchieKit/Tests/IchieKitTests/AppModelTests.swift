import Foundation
import XCTest
@testable import IchieKit

@MainActor
final class AppModelTests: XCTestCase, @unchecked Sendable {
    func makeModel(_ fake: FakeIchieService) -> AppModel {
        AppModel(
            service: fake, scheduler: ManualScheduler(clock: TestClock()), pasteboard: MemoryPasteboard(),
            strings: english, universalLinkHosts: ["otp.example"], fallbackTimeSource: .dateHeader("https://example.com"))
    }

    func testStartLoadsTheListChecksTheClockAndRefreshesActivatedTokens() async {
        let fake = FakeIchieService()
        let id = await fake.seedTOTP(issuer: "Bank", account: "taro", server: "https://otp.example")
        await fake.revokeOnServer(id: id)
        await fake.setDeviceClockError(ms: 90_000)
        let model = makeModel(fake)
        await model.start()
        XCTAssertEqual(model.list.rows.count, 1)
        XCTAssertTrue(model.list.rows[0].isRevoked)
        guard case .off = model.clock.state else { return XCTFail("\(model.clock.state)") }

        await model.clock.correctAutomatically()
        await model.reload?.value
        let lists = await fake.count("listTokens")
        XCTAssertEqual(lists, 3, "start, after the status refresh, after the correction")
        XCTAssertEqual(model.list.rows[0].clockCorrectionMs, 90_000)
    }

    func testWithoutActivatedTokensNoStatusIsAsked() async {
        let fake = FakeIchieService()
        await fake.seedTOTP(issuer: "GitHub", account: "octocat")
        await makeModel(fake).start()
        let refreshes = await fake.count("refreshStatus")
        XCTAssertEqual(refreshes, 0)
    }

    func testAnOpenedActivationLinkGoesToTheAddScreenAndTheListReloads() async throws {
        let fake = FakeIchieService()
        let (link, check) = fakeLink(known: "Demo Bank")
        await fake.addIssuance(link: link, .init(check: check, password: "123456", server: "https://otp.example"))
        let model = makeModel(fake)
        await model.start()
        XCTAssertFalse(model.showsAdd)

        let opened = await model.open(try XCTUnwrap(URL(string: link)))
        XCTAssertTrue(opened)
        XCTAssertTrue(model.showsAdd)
        XCTAssertEqual(model.add.phase, .readyToActivate(check))
        await model.add.activate(password: "123456")
        await model.reload?.value
        XCTAssertEqual(model.list.rows.map(\.name), ["Demo Bank (taro)"])

        let foreign = await model.open(try XCTUnwrap(URL(string: "https://evil.example/activate?v=2")))
        XCTAssertFalse(foreign)
    }

    func testDetailsChangesReloadTheList() async throws {
        let fake = FakeIchieService()
        await fake.seedTOTP(issuer: "GitHub", account: "octocat")
        let model = makeModel(fake)
        await model.start()
        let details = model.details(for: model.list.rows[0])
        await details.rename(issuer: "GitHub", account: "work")
        await model.reload?.value
        XCTAssertEqual(model.list.rows[0].name, "GitHub (work)")
    }
}

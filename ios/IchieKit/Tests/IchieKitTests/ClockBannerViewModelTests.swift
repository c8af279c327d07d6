import XCTest
@testable import IchieKit

@MainActor
final class ClockBannerViewModelTests: XCTestCase, @unchecked Sendable {
    var fake: FakeIchieService!
    var corrected: ChangeCounter!

    override func setUp() async throws {
        fake = FakeIchieService()
        corrected = ChangeCounter()
    }

    func makeBanner(_ strings: Strings = english) -> ClockBannerViewModel {
        let banner = ClockBannerViewModel(service: fake, strings: strings)
        let corrected = self.corrected!
        banner.onCorrected = { corrected.bump() }
        return banner
    }

    let source = TimeSource.ichieServer("https://otp.example")

    func testFineClockShowsNoBanner() async {
        await fake.setDeviceClockError(ms: 1_200)
        let banner = makeBanner()
        await banner.check(source)
        XCTAssertEqual(banner.state, .hidden)
        XCTAssertNil(banner.message)
        XCTAssertNil(banner.actionTitle)
    }

    func testWarnInPlainWords() async {
        await fake.setDeviceClockError(ms: -12_000)
        let banner = makeBanner()
        await banner.check(source)
        guard case .off(let check) = banner.state else { return XCTFail("\(banner.state)") }
        XCTAssertEqual(check.verdict, .warn)
        XCTAssertEqual(banner.message, "Your clock may be off (12 s ahead). Codes could be refused.")
        XCTAssertEqual(banner.actionTitle, "Correct automatically")
    }

    func testCorrectAutomaticallyWithinFiveMinutes() async {
        await fake.setDeviceClockError(ms: 125_000)
        let banner = makeBanner()
        await banner.check(source)
        XCTAssertEqual(banner.message, "Your clock is 2 min 5 s behind. Codes will be refused until it is corrected.")
        await banner.correctAutomatically()
        XCTAssertEqual(banner.state, .corrected(125_000))
        XCTAssertEqual(banner.message, "Codes are now corrected by 2 min 5 s.")
        XCTAssertEqual(corrected.count, 1)
        let stored = await fake.clockCorrectionMs
        XCTAssertEqual(stored, 125_000)
        let forced = await fake.count("applyClockEstimate")
        XCTAssertEqual(forced, 1)
        // Checked again, the corrected clock is fine.
        await banner.check(source)
        XCTAssertEqual(banner.state, .hidden)
    }

    func testAnHourNeedsASecondConfirmation() async {
        await fake.setDeviceClockError(ms: -3_600_000)
        let banner = makeBanner(japanese)
        await banner.check(source)
        XCTAssertEqual(banner.message, "端末の時計が1時間0分進んでいます。補正するまでコードは拒否されます。")
        await banner.correctAutomatically()
        guard case .confirmForce = banner.state else { return XCTFail("\(banner.state)") }
        XCTAssertEqual(banner.message, "端末の時計が1時間0分進んでいます（5分以上）。それでもこの分だけコードを補正しますか？")
        XCTAssertEqual(corrected.count, 0)
        let before = await fake.clockCorrectionMs
        XCTAssertEqual(before, 0, "nothing stored before the second confirmation")

        await banner.confirmForce()
        XCTAssertEqual(banner.state, .corrected(-3_600_000))
        XCTAssertEqual(corrected.count, 1)
        let after = await fake.clockCorrectionMs
        XCTAssertEqual(after, -3_600_000)
    }

    func testDeclinedSecondConfirmationStoresNothing() async {
        await fake.setDeviceClockError(ms: 3_600_000)
        let banner = makeBanner()
        await banner.check(source)
        await banner.correctAutomatically()
        banner.dismiss()
        await banner.confirmForce()
        XCTAssertEqual(banner.state, .hidden)
        let stored = await fake.clockCorrectionMs
        XCTAssertEqual(stored, 0)
    }

    func testBeyondADayIsRefusedEvenForced() async {
        await fake.setDeviceClockError(ms: 2 * 86_400_000)
        let banner = makeBanner()
        await banner.check(source)
        await banner.correctAutomatically()
        XCTAssertEqual(banner.state, .failed(.correctionRefused(needsForce: false)))
        XCTAssertEqual(banner.message, "The clock could not be corrected automatically. Set the date and time in the device settings.")
    }

    func testCheckFailure() async {
        await fake.failNext("checkClock", with: .tls)
        let banner = makeBanner()
        await banner.check(source)
        XCTAssertEqual(banner.state, .failed(.tls))
        XCTAssertEqual(banner.message, "A secure connection to the service could not be made.")
    }
}

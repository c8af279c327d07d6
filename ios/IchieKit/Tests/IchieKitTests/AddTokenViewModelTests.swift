import XCTest
@testable import IchieKit

@MainActor
final class AddTokenViewModelTests: XCTestCase, @unchecked Sendable {
    var fake: FakeIchieService!
    var added: ChangeCounter!

    override func setUp() async throws {
        fake = FakeIchieService(tokenLimit: 3)
        added = ChangeCounter()
    }

    func makeAdd(_ strings: Strings = english) -> AddTokenViewModel {
        let add = AddTokenViewModel(service: fake, strings: strings)
        let added = self.added!
        add.onTokenAdded = { added.bump() }
        return add
    }

    func testUnknownServiceShowsHostAndFingerprintAndNeedsConfirmation() async {
        let (link, check) = fakeLink()
        await fake.addIssuance(link: link, .init(check: check, password: "123456", server: "https://otp.example"))
        let add = makeAdd()
        await add.inspect(link: link)
        XCTAssertEqual(add.phase, .confirmUnknownService(check))
        XCTAssertEqual(add.confirmationText,
            "Unknown service at otp.example. Key fingerprint: a1b2 c3d4 e5f6 0718 293a 4b5c 6d7e 8f90. Continue only if the service gave you this fingerprint.")
        XCTAssertFalse(add.canActivate)

        // Sent without the confirmation, the service refuses and the question comes back.
        await add.activate(password: "123456")
        XCTAssertEqual(add.phase, .confirmUnknownService(check))
        let noTokens = try? await fake.listTokens()
        XCTAssertEqual(noTokens?.count, 0)

        add.confirmUnknownService()
        XCTAssertTrue(add.userConfirmedUnknownService)
        XCTAssertEqual(add.phase, .readyToActivate(check))
        XCTAssertTrue(add.canActivate)
        await add.activate(password: "123456")
        guard case .activated(let activation) = add.phase else { return XCTFail("\(add.phase)") }
        XCTAssertEqual(activation.name, "demo-bank (taro)")
        XCTAssertEqual(add.message, "demo-bank (taro) is ready.")
        XCTAssertEqual(added.count, 1)
        let tokens = try? await fake.listTokens()
        XCTAssertEqual(tokens?.first?.server, "https://otp.example")
    }

    func testRejectingTheUnknownServiceDropsTheLink() async {
        let (link, check) = fakeLink()
        await fake.addIssuance(link: link, .init(check: check, password: "123456", server: "https://otp.example"))
        let add = makeAdd()
        await add.inspect(link: link)
        add.rejectUnknownService()
        XCTAssertEqual(add.phase, .idle)
        XCTAssertNil(add.link)
        await add.activate(password: "123456")
        XCTAssertEqual(add.phase, .idle, "nothing to activate")
        let activations = await fake.count("activate(link)")
        XCTAssertEqual(activations, 0)
    }

    func testKnownServiceIsNamedAndWrongPasswordsCountDownToLocked() async {
        let (link, check) = fakeLink(known: "Demo Bank")
        await fake.addIssuance(link: link, .init(check: check, password: "123456", server: "https://otp.example"))
        let add = makeAdd()
        await add.inspect(link: link)
        XCTAssertEqual(add.phase, .readyToActivate(check))
        XCTAssertEqual(add.message, "Activate a token for Demo Bank (user taro).")

        await add.activate(password: "000000")
        XCTAssertEqual(add.phase, .failed(.wrongPassword(attemptsLeft: 2)))
        XCTAssertEqual(add.message, "Wrong activation password. 2 tries left.")
        XCTAssertTrue(add.canActivate, "the user may try again")
        await add.activate(password: "000001")
        XCTAssertEqual(add.message, "Wrong activation password. One try left: after another wrong one the service must unlock it.")
        await add.activate(password: "000002")
        XCTAssertEqual(add.phase, .failed(.locked))
        XCTAssertEqual(add.message, "Too many wrong passwords: this activation is locked. Ask the service to unlock it.")
        XCTAssertFalse(add.canActivate)
        XCTAssertEqual(added.count, 0)
    }

    func testForgedLinkIsRefusedInPlainWords() async {
        await fake.failNext("inspectActivationLink", with: .linkMismatch)
        let add = makeAdd(japanese)
        await add.inspect(link: fakeLink().0)
        XCTAssertEqual(add.phase, .failed(.linkMismatch))
        XCTAssertEqual(add.message, "このリンクは記載されたサービスのものではありません。フィッシングの恐れがあるため使わないでください。")
        XCTAssertFalse(add.canActivate)
    }

    func testClockOffThenActivateCorrectingTheClock() async {
        let (link, check) = fakeLink(known: "Demo Bank")
        await fake.addIssuance(link: link, .init(check: check, password: "123456", server: "https://otp.example"))
        await fake.setDeviceClockError(ms: 3_600_000)
        let add = makeAdd()
        await add.inspect(link: link)
        await add.activate(password: "123456")
        XCTAssertEqual(add.phase, .failed(.clockOff(offsetMs: 3_600_000)))
        XCTAssertEqual(add.message, "Your clock is 1 h 0 min behind: codes would be refused. Correct the clock and try again.")
        XCTAssertTrue(add.canRetryCorrectingClock)

        await add.activate(password: "123456", correctClock: true)
        guard case .activated(let activation) = add.phase else { return XCTFail("\(add.phase)") }
        XCTAssertTrue(activation.clockCorrected)
        XCTAssertEqual(add.message, "Demo Bank (taro) is ready. Your clock was 1 h 0 min behind; codes are corrected.")
        let correction = await fake.clockCorrectionMs
        XCTAssertEqual(correction, 3_600_000)
    }

    func testActivateWithServiceIDAndUserIDAndUsedOnce() async {
        let (link, check) = fakeLink(known: "Demo Bank")
        await fake.addIssuance(link: link, .init(check: check, password: "123456", server: "https://otp.example"))
        let add = makeAdd()
        await add.activate(serviceID: "nobody", userID: "taro", password: "123456")
        XCTAssertEqual(add.message, "This is not valid. Check what you entered and try again.")
        await add.activate(serviceID: "demo-bank", userID: "taro", password: "123456")
        guard case .activated = add.phase else { return XCTFail("\(add.phase)") }
        await add.activate(serviceID: "demo-bank", userID: "taro", password: "123456")
        XCTAssertEqual(add.phase, .failed(.expiredOrUnknown))
        XCTAssertEqual(add.message, "There is no activation waiting for this account: it expired or was already used. Ask the service for a new one.")
        XCTAssertEqual(added.count, 1)
    }

    func testAddFromURIDuplicatesInvalidAndFull() async {
        let add = makeAdd()
        await add.add(uri: "  otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub\n")
        guard case .added(let result) = add.phase else { return XCTFail("\(add.phase)") }
        XCTAssertEqual(result.added.count, 1)
        XCTAssertEqual(add.message, "Added 1.")
        await add.add(uri: "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub")
        XCTAssertEqual(add.message, "Nothing added: already in the list: GitHub (octocat).")
        XCTAssertEqual(added.count, 1, "nothing new: the list need not reload")
        await add.add(uri: "https://example.com")
        XCTAssertEqual(add.phase, .failed(.invalidInput(reason: "not an otpauth URI")))
        XCTAssertEqual(add.message, "This is not valid. Check what you entered and try again.")

        await fake.seedTOTP(issuer: "A", account: "a")
        await fake.seedTOTP(issuer: "B", account: "b")
        await add.add(uri: "otpauth://totp/C:c?secret=JBSWY3DPEHPK3PXP&issuer=C")
        XCTAssertEqual(add.phase, .failed(.vaultFull(limit: 3)))
        XCTAssertEqual(add.message, "This app holds at most 3 tokens. Delete one to add another.")
    }

    func testAddManually() async {
        let add = makeAdd()
        await add.add(manual: ManualEntry(issuer: "Shop", account: "bob", secret: "jbsw y3dp ehpk 3pxp", digits: 8, hotpCounter: 5))
        guard case .addedManually(let id) = add.phase else { return XCTFail("\(add.phase)") }
        let tokens = try? await fake.listTokens()
        XCTAssertEqual(tokens?.first?.id, id)
        XCTAssertEqual(tokens?.first?.kind, .hotp(counter: 5))
        XCTAssertEqual(tokens?.first?.digits, 8)
        await add.add(manual: ManualEntry(issuer: "Shop", account: "bob", secret: "JBSWY3DPEHPK3PXQ"))
        XCTAssertEqual(add.phase, .failed(.duplicate(name: "Shop (bob)")))
        XCTAssertEqual(add.message, "Shop (bob) is already in the list.")
        await add.add(manual: ManualEntry(issuer: nil, account: "x", secret: "not base32!"))
        XCTAssertEqual(add.message, english.text(.failureInvalidInput))
    }

    func testNetworkFailuresAllowARetry() async {
        let (link, check) = fakeLink(known: "Demo Bank")
        await fake.addIssuance(link: link, .init(check: check, password: "123456", server: "https://otp.example"))
        let add = makeAdd()
        await add.inspect(link: link)
        for failure: IchieFailure in [.network, .timeout, .tls, .rateLimited, .server(code: "503")] {
            await fake.failNext("activate(link)", with: failure)
            await add.activate(password: "123456")
            XCTAssertEqual(add.phase, .failed(failure))
            XCTAssertEqual(add.message, failure.message(english))
            XCTAssertTrue(add.canActivate, "\(failure)")
        }
        await add.activate(password: "123456")
        guard case .activated = add.phase else { return XCTFail("\(add.phase)") }
    }
}

import XCTest
@testable import IchieKit

@MainActor
final class TokenDetailsViewModelTests: XCTestCase, @unchecked Sendable {
    var fake: FakeIchieService!
    var vaultChanged: ChangeCounter!

    override func setUp() async throws {
        fake = FakeIchieService()
        vaultChanged = ChangeCounter()
    }

    func details(for index: Int) async throws -> TokenDetailsViewModel {
        let token = try await fake.listTokens()[index]
        let details = TokenDetailsViewModel(token: token, service: fake, strings: english)
        let vaultChanged = self.vaultChanged!
        details.onVaultChanged = { vaultChanged.bump() }
        return details
    }

    func testRename() async throws {
        await fake.seedTOTP(issuer: "GitHub", account: "octocat")
        let details = try await details(for: 0)
        let saved = await details.rename(issuer: "  GitHub Work ", account: "octocat2")
        XCTAssertTrue(saved)
        XCTAssertEqual(details.token.name, "GitHub Work (octocat2)")
        let listed1 = try await fake.listTokens()
        XCTAssertEqual(listed1[0].name, "GitHub Work (octocat2)")
        XCTAssertEqual(vaultChanged.count, 1)

        await details.rename(issuer: "", account: "solo")
        let listed2 = try await fake.listTokens()
        XCTAssertEqual(listed2[0].name, "solo")
        XCTAssertNil(details.token.issuer)

        let refused = await details.rename(issuer: "X", account: "   ")
        XCTAssertFalse(refused)
        XCTAssertEqual(details.failure, .invalidInput(reason: "empty account"))
        XCTAssertEqual(details.message, english.text(.failureInvalidInput))
        XCTAssertEqual(details.token.name, "solo")
        XCTAssertEqual(vaultChanged.count, 2)
    }

    func testMove() async throws {
        await fake.seedTOTP(issuer: "A", account: "a")
        await fake.seedTOTP(issuer: "B", account: "b")
        await fake.seedTOTP(issuer: "C", account: "c")
        let details = try await details(for: 2)
        await details.move(to: 0)
        let listed3 = try await fake.listTokens()
        XCTAssertEqual(listed3.map(\.account), ["c", "a", "b"])
        let refused = await details.move(to: 7)
        XCTAssertFalse(refused)
        let listed4 = try await fake.listTokens()
        XCTAssertEqual(listed4.map(\.account), ["c", "a", "b"])
    }

    func testDeleteOnlyAfterConfirmation() async throws {
        await fake.seedTOTP(issuer: "GitHub", account: "octocat")
        let details = try await details(for: 0)
        await details.confirmDelete()
        var deletes = await fake.count("delete")
        XCTAssertEqual(deletes, 0, "no confirmation was asked for")

        details.requestDelete()
        XCTAssertTrue(details.isConfirmingDelete)
        XCTAssertEqual(details.deleteConfirmationText, "Delete GitHub (octocat)? You cannot sign in with it afterwards.")
        details.cancelDelete()
        await details.confirmDelete()
        deletes = await fake.count("delete")
        XCTAssertEqual(deletes, 0, "the user kept it")

        details.requestDelete()
        await details.confirmDelete()
        XCTAssertTrue(details.isDeleted)
        XCTAssertFalse(details.isConfirmingDelete)
        let listed5 = try await fake.listTokens()
        XCTAssertEqual(listed5.count, 0)
        XCTAssertEqual(vaultChanged.count, 1)
    }

    func testDeleteFailureKeepsTheScreen() async throws {
        await fake.seedTOTP(issuer: "GitHub", account: "octocat")
        let details = try await details(for: 0)
        await fake.failNext("delete", with: .internal(reason: "disk full"))
        details.requestDelete()
        await details.confirmDelete()
        XCTAssertFalse(details.isDeleted)
        XCTAssertEqual(details.message, "Something went wrong inside the app. Try again.")
        let listed6 = try await fake.listTokens()
        XCTAssertEqual(listed6.count, 1)
    }
}

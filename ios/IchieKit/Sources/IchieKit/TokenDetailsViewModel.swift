/// One token's details: rename, move, and delete after a confirmation.
@MainActor
public final class TokenDetailsViewModel {
    /// The token as shown (updated after a rename).
    public private(set) var token: Token
    /// Whether the delete confirmation is showing.
    public private(set) var isConfirmingDelete = false
    /// Whether the token was deleted (the screen closes).
    public private(set) var isDeleted = false
    /// Whether a call is running.
    public private(set) var isWorking = false
    /// The last failure in plain words (cleared by the next success).
    public private(set) var message: String?
    /// The last failure, for a screen that switches on it.
    public private(set) var failure: IchieFailure?
    /// Called on the main actor after every change of the state above.
    public var onChange: (@MainActor () -> Void)?
    /// Called after the vault changed (the list reloads).
    public var onVaultChanged: (@MainActor () -> Void)?

    private let service: any IchieService
    /// The texts this screen shows.
    public let strings: Strings

    /// Details of `token`, changed through `service`.
    public init(token: Token, service: any IchieService, strings: Strings) {
        self.token = token
        self.service = service
        self.strings = strings
    }

    /// The question the delete confirmation asks.
    public var deleteConfirmationText: String {
        strings.text(.deleteConfirm, ["name": token.name])
    }

    /// Shows the token under another issuer and account; returns whether it was saved.
    @discardableResult
    public func rename(issuer: String?, account: String) async -> Bool {
        let issuer = issuer?.trimmingCharacters(in: .whitespaces)
        let account = account.trimmingCharacters(in: .whitespaces)
        let cleanIssuer = issuer?.isEmpty == false ? issuer : nil
        return await run { () async throws(IchieFailure) in
            try await self.service.rename(id: self.token.id, issuer: cleanIssuer, account: account)
            self.token.issuer = cleanIssuer
            self.token.account = account
            self.token.name = cleanIssuer.map { "\($0) (\(account))" } ?? account
        }
    }

    /// Moves the token to `position` (0-based) in the list.
    @discardableResult
    public func move(to position: Int) async -> Bool {
        await run { () async throws(IchieFailure) in try await self.service.move(id: self.token.id, to: position) }
    }

    /// Asks for the delete confirmation.
    public func requestDelete() {
        isConfirmingDelete = true
        onChange?()
    }

    /// The user kept the token.
    public func cancelDelete() {
        isConfirmingDelete = false
        onChange?()
    }

    /// The user confirmed: deletes the token for good. Does nothing unless
    /// the confirmation was asked for.
    public func confirmDelete() async {
        guard isConfirmingDelete else { return }
        isConfirmingDelete = false
        if await run({ () async throws(IchieFailure) in try await self.service.delete(id: self.token.id) }) {
            isDeleted = true
            onChange?()
        }
    }

    private func run(_ body: @MainActor () async throws(IchieFailure) -> Void) async -> Bool {
        isWorking = true
        onChange?()
        defer {
            isWorking = false
            onChange?()
        }
        do {
            try await body()
            failure = nil
            message = nil
            onVaultChanged?()
            return true
        } catch {
            failure = error
            message = error.message(strings)
            return false
        }
    }
}

/// The token list: codes grouped for reading, the next code, a countdown per
/// token following its own step, copy with clearing, HOTP on tap, revoked
/// badges, search and the full-vault message.
///
/// It never polls: after every load it asks its `Scheduler` to wake it when
/// the first countdown enters its last seconds or the first code changes
/// (from each token's `msUntilNext`); a view draws the countdown from
/// `Row.countdown(atMs:)`, which is arithmetic on the stored deadline.
@MainActor
public final class TokenListViewModel {
    /// One line of the list.
    public struct Row: Sendable, Equatable, Identifiable {
        /// Token id.
        public let id: String
        /// `Issuer (account)`.
        public let name: String
        /// Issuer, if known.
        public let issuer: String?
        /// Account at the issuer.
        public let account: String
        /// Whether a code is generated on tap (HOTP) rather than by time (TOTP).
        public let isHOTP: Bool
        /// The code, grouped (`123 456`): TOTP now, HOTP the last one generated (`nil` before a tap).
        public internal(set) var code: String?
        /// The next TOTP code, grouped.
        public internal(set) var nextCode: String?
        /// The TOTP step in milliseconds.
        public let periodMs: UInt64?
        /// When (scheduler time, ms) `code` stops being valid.
        public internal(set) var expiresAtMs: UInt64?
        /// Whether the countdown is in its last seconds (`lastSecondsMs`).
        public internal(set) var isLastSeconds: Bool
        /// Whether the service revoked the token.
        public let isRevoked: Bool
        /// The clock correction the codes were computed with (ms; 0 for none).
        public let clockCorrectionMs: Int64
        /// The token as read.
        public let token: Token

        /// The countdown at `nowMs`: the fraction of the step left (1 → 0) and the whole seconds left.
        public func countdown(atMs nowMs: UInt64) -> (fraction: Double, secondsLeft: Int)? {
            guard let periodMs, let expiresAtMs, periodMs > 0 else { return nil }
            let left = expiresAtMs > nowMs ? expiresAtMs - nowMs : 0
            return (min(1, Double(left) / Double(periodMs)), Int((left + 999) / 1000))
        }
    }

    /// The countdown turns to "last seconds" this long before the code changes.
    public static let lastSecondsMs: UInt64 = 5_000
    /// A copied code is cleared after this long if the pasteboard was not changed since.
    public static let clipboardClearMs: UInt64 = 30_000

    /// The rows matching the search, in list order.
    public private(set) var rows: [Row] = []
    /// Every row, in list order.
    public private(set) var allRows: [Row] = []
    /// The search text.
    public private(set) var searchText = ""
    /// The last failure, in plain words (cleared by the next success).
    public private(set) var message: String?
    /// The last failure, for a screen that switches on it.
    public private(set) var failure: IchieFailure?
    /// The token whose code was copied last, while it may still be on the pasteboard.
    public private(set) var copiedTokenID: String?
    /// Whether the list was loaded at least once.
    public private(set) var loaded = false
    /// Called on the main actor after every change of the state above.
    public var onChange: (@MainActor () -> Void)?

    private let service: any IchieService
    private let scheduler: any Scheduler
    private let pasteboard: any Pasteboard
    /// The texts this list shows.
    public let strings: Strings
    private var hotpCodes: [String: String] = [:]
    private var wake: ScheduledWork?
    private var clearCopy: ScheduledWork?
    private var loading = false
    private var reloadAgain = false
    /// The load a wake-up started (tests await it).
    private(set) var refreshTask: Task<Void, Never>?

    /// A list over `service`; `scheduler` wakes it, `pasteboard` receives copies.
    public init(service: any IchieService, scheduler: any Scheduler, pasteboard: any Pasteboard, strings: Strings) {
        self.service = service
        self.scheduler = scheduler
        self.pasteboard = pasteboard
        self.strings = strings
    }

    /// The scheduler's time (ms): what `Row.countdown(atMs:)` is drawn at.
    public var nowMs: UInt64 { scheduler.nowMs }

    /// When the next wake-up is due (scheduler ms), if one is scheduled.
    public private(set) var nextWakeAtMs: UInt64?

    /// Whether the vault holds as many tokens as it may.
    public var isFull: Bool { loaded && allRows.count >= service.tokenLimit }

    /// "The list is full…" when it is, for the list and the add button.
    public var fullVaultMessage: String? {
        isFull ? strings.text(.vaultFull, ["limit": "\(service.tokenLimit)"]) : nil
    }

    /// "No token matches…" when a search finds nothing.
    public var emptySearchMessage: String? {
        !searchText.isEmpty && rows.isEmpty && !allRows.isEmpty ? strings.text(.noMatches, ["query": searchText]) : nil
    }

    /// The badge of a revoked token.
    public var revokedBadge: String { strings.text(.revokedBadge) }

    /// Reads the tokens and schedules the next wake-up. A load asked for while
    /// one runs is done once it ends.
    public func load() async {
        if loading {
            reloadAgain = true
            return
        }
        loading = true
        defer { loading = false }
        repeat {
            reloadAgain = false
            do {
                let tokens = try await service.listTokens()
                let now = scheduler.nowMs
                allRows = tokens.map { row($0, now: now) }
                loaded = true
                clearFailure()
            } catch {
                show(error)
            }
            applySearch()
            scheduleWake()
            changed()
        } while reloadAgain
    }

    /// Filters the rows by issuer, account or name (case and accents ignored).
    public func setSearch(_ text: String) {
        searchText = text
        applySearch()
        changed()
    }

    /// Copies a token's code (digits only) and clears it after 30 s unless the
    /// pasteboard changed since. Returns the confirmation to show, or nil when
    /// there is nothing to copy.
    @discardableResult
    public func copyCode(id: String) -> String? {
        guard let row = allRows.first(where: { $0.id == id }) else { return nil }
        if row.isRevoked {
            message = strings.text(.copyRevoked)
            changed()
            return message
        }
        guard let code = row.code else { return nil }
        pasteboard.copy(CodeFormat.plain(code))
        let copiedAt = pasteboard.changeCount
        copiedTokenID = id
        clearCopy?.cancel()
        clearCopy = scheduler.schedule(afterMs: Self.clipboardClearMs) { [weak self] in
            guard let self else { return }
            if self.pasteboard.changeCount == copiedAt { self.pasteboard.clear() }
            self.copiedTokenID = nil
            self.changed()
        }
        changed()
        return strings.text(.copied)
    }

    /// Generates the next code of an HOTP token (a tap on its row).
    public func generateHOTP(id: String) async {
        do {
            let code = try await service.nextHOTPCode(id: id)
            hotpCodes[id] = CodeFormat.grouped(code)
            clearFailure()
        } catch {
            show(error)
        }
        await load()
    }

    /// Asks the servers for the tokens' states, then reloads (revoked badges).
    public func refreshStatus() async {
        do {
            _ = try await service.refreshStatus()
            clearFailure()
        } catch {
            show(error)
        }
        await load()
    }

    /// Cancels the scheduled wake-ups (the list left the screen). `load()` starts them again.
    public func stop() {
        wake?.cancel()
        wake = nil
        nextWakeAtMs = nil
    }

    // MARK: Inside

    private func row(_ token: Token, now: UInt64) -> Row {
        var periodMs: UInt64?
        var isHOTP = false
        switch token.kind {
        case .totp(let seconds): periodMs = UInt64(seconds) * 1000
        case .hotp: isHOTP = true
        }
        let expires = token.msUntilNext.map { now + $0 }
        return Row(
            id: token.id, name: token.name, issuer: token.issuer, account: token.account, isHOTP: isHOTP,
            code: isHOTP ? hotpCodes[token.id] : token.code.map(CodeFormat.grouped),
            nextCode: token.nextCode.map(CodeFormat.grouped), periodMs: periodMs, expiresAtMs: expires,
            isLastSeconds: expires.map { $0 <= now + Self.lastSecondsMs } ?? false,
            isRevoked: token.revoked, clockCorrectionMs: token.clockCorrectionMs, token: token)
    }

    private func applySearch() {
        let query = searchText.trimmingCharacters(in: .whitespaces)
        guard !query.isEmpty else {
            rows = allRows
            return
        }
        rows = allRows.filter { row in
            [row.name, row.issuer ?? "", row.account].contains {
                $0.range(of: query, options: [.caseInsensitive, .diacriticInsensitive]) != nil
            }
        }
    }

    /// The earliest future moment something on screen changes: a countdown
    /// entering its last seconds, or a code expiring.
    private func scheduleWake() {
        wake?.cancel()
        wake = nil
        nextWakeAtMs = nil
        let now = scheduler.nowMs
        var due: UInt64?
        for row in allRows {
            guard let expires = row.expiresAtMs else { continue }
            let lastSeconds = expires > Self.lastSecondsMs ? expires - Self.lastSecondsMs : 0
            let next = !row.isLastSeconds && lastSeconds > now ? lastSeconds : expires
            due = min(due ?? next, next)
        }
        guard let due else { return }
        nextWakeAtMs = due
        wake = scheduler.schedule(afterMs: due > now ? due - now : 0) { [weak self] in
            self?.wokeUp()
        }
    }

    private func wokeUp() {
        wake = nil
        let now = scheduler.nowMs
        var expired = false
        for index in allRows.indices {
            guard let expires = allRows[index].expiresAtMs else { continue }
            if expires <= now {
                // The next code is known: show it at once, then read the list again.
                expired = true
                allRows[index].code = allRows[index].nextCode
                allRows[index].nextCode = nil
                allRows[index].expiresAtMs = expires + (allRows[index].periodMs ?? 0)
                allRows[index].isLastSeconds = false
            } else if expires <= now + Self.lastSecondsMs {
                allRows[index].isLastSeconds = true
            }
        }
        applySearch()
        changed()
        if expired {
            refreshTask = Task { [weak self] in await self?.refreshCodes() }
        } else {
            scheduleWake()
        }
    }

    /// After a code expired: only the codes are read again (`currentCodes`);
    /// the whole list when the tokens are not the ones shown (changed elsewhere).
    func refreshCodes() async {
        if loading {
            reloadAgain = true
            return
        }
        do {
            let updates = try await service.currentCodes()
            guard updates.map(\.id) == allRows.map(\.id) else {
                await load()
                return
            }
            let now = scheduler.nowMs
            for (index, update) in updates.enumerated() {
                var token = allRows[index].token
                token.code = update.code
                token.nextCode = update.nextCode
                token.msUntilNext = update.msUntilNext
                allRows[index] = row(token, now: now)
            }
            clearFailure()
        } catch {
            show(error)
        }
        applySearch()
        scheduleWake()
        changed()
    }

    private func show(_ error: IchieFailure) {
        failure = error
        message = error.message(strings)
    }

    private func clearFailure() {
        failure = nil
        message = nil
    }

    private func changed() { onChange?() }
}

import Foundation

/// An `IchieService` in memory, for tests and previews: tokens, activation
/// links, a service directory and a device clock error the test sets up,
/// with the same rules the core applies (token limit, duplicates, three
/// wrong passwords then locked, an activation used once, clock correction
/// bounds). Its codes are NOT RFC 6238 codes: they are digits derived from
/// the token and the time step, so that they change with the step exactly
/// as real codes do.
public actor FakeIchieService: IchieService {
    /// A pending activation the fake accepts.
    public struct Issuance: Sendable {
        /// What inspecting the link shows.
        public var check: LinkCheck
        /// The activation password.
        public var password: String
        /// Wrong passwords left before it locks.
        public var attemptsLeft: Int
        /// The server URL the activated token is bound to.
        public var server: String

        /// An issuance with three tries.
        public init(check: LinkCheck, password: String, attemptsLeft: Int = 3, server: String) {
            self.check = check
            self.password = password
            self.attemptsLeft = attemptsLeft
            self.server = server
        }
    }

    private struct Stored {
        var id: String
        var issuer: String?
        var account: String
        var digits: Int
        var algorithm: HashAlgorithm
        var periodSeconds: Int?
        var counter: UInt64
        var seed: UInt64
        var revoked = false
        var server: String?
    }

    /// The most tokens the fake holds.
    public nonisolated let tokenLimit: Int
    private let wallClockMs: @Sendable () -> UInt64
    private var tokens: [Stored] = []
    private var nextSerial = 1
    private var issuances: [String: Issuance] = [:]
    private var used: Set<String> = []
    private var correctionMs: Int64 = 0
    private var deviceClockErrorMs: Int64 = 0
    private var revokedOnServer: Set<String> = []
    private var scripted: [String: [IchieFailure]] = [:]
    /// Every call received, by name (`"listTokens"`, `"activate(link)"`…), in order.
    public private(set) var calls: [String] = []

    /// An empty fake; `wallClockMs` is the device time its codes are computed at.
    public init(tokenLimit: Int = 10, wallClockMs: @escaping @Sendable () -> UInt64 = {
        UInt64(Date().timeIntervalSince1970 * 1000)
    }) {
        self.tokenLimit = tokenLimit
        self.wallClockMs = wallClockMs
    }

    // MARK: Setting the scene

    /// Adds a TOTP token directly; returns its id.
    @discardableResult
    public func seedTOTP(
        issuer: String?, account: String, periodSeconds: Int = 30, digits: Int = 6, server: String? = nil
    ) -> String {
        store(issuer: issuer, account: account, digits: digits, algorithm: .sha1, period: periodSeconds, counter: 0, server: server)
    }

    /// Adds an HOTP token directly; returns its id.
    @discardableResult
    public func seedHOTP(issuer: String?, account: String, counter: UInt64 = 0, digits: Int = 6) -> String {
        store(issuer: issuer, account: account, digits: digits, algorithm: .sha1, period: nil, counter: counter, server: nil)
    }

    /// Makes `link` an activation link the fake knows.
    public func addIssuance(link: String, _ issuance: Issuance) {
        issuances[link] = issuance
    }

    /// The device clock is this far behind the servers (server minus device, ms).
    public func setDeviceClockError(ms: Int64) {
        deviceClockErrorMs = ms
    }

    /// The server revoked this token: the next `refreshStatus` marks it.
    public func revokeOnServer(id: String) {
        revokedOnServer.insert(id)
    }

    /// The next call named `call` fails with `failure` (queued: several calls, several failures).
    public func failNext(_ call: String, with failure: IchieFailure) {
        scripted[call, default: []].append(failure)
    }

    /// The stored clock correction (ms).
    public var clockCorrectionMs: Int64 { correctionMs }

    /// How many calls named `call` were received.
    public func count(_ call: String) -> Int {
        calls.filter { $0 == call }.count
    }

    /// A fake with a few tokens, for previews.
    public static func preview() async -> FakeIchieService {
        let fake = FakeIchieService()
        await fake.seedTOTP(issuer: "Demo Bank", account: "taro", server: "https://otp.demo-bank.example")
        await fake.seedTOTP(issuer: "GitHub", account: "octocat")
        await fake.seedTOTP(issuer: "Cloud", account: "ops", periodSeconds: 60, digits: 8)
        await fake.seedHOTP(issuer: "VPN", account: "hanako")
        return fake
    }

    // MARK: IchieService

    public func listTokens() throws(IchieFailure) -> [Token] {
        try enter("listTokens")
        return tokens.map(view)
    }

    public func currentCodes() throws(IchieFailure) -> [CodeUpdate] {
        try enter("currentCodes")
        return tokens.map(view).map { CodeUpdate(id: $0.id, code: $0.code, nextCode: $0.nextCode, msUntilNext: $0.msUntilNext) }
    }

    public func addFromURI(_ uri: String) throws(IchieFailure) -> AddResult {
        try enter("addFromURI")
        guard let components = URLComponents(string: uri), components.scheme == "otpauth",
              let host = components.host, host == "totp" || host == "hotp",
              let secret = components.queryItems?.first(where: { $0.name == "secret" })?.value, !secret.isEmpty
        else { throw .invalidInput(reason: "not an otpauth URI") }
        let label = components.path.dropFirst()
        let parts = label.split(separator: ":", maxSplits: 1).map(String.init)
        let issuer = components.queryItems?.first(where: { $0.name == "issuer" })?.value ?? (parts.count == 2 ? parts[0] : nil)
        let account = parts.last ?? ""
        if let existing = tokens.first(where: { $0.issuer == issuer && $0.account == account }) {
            return AddResult(added: [], skippedDuplicates: [name(existing)])
        }
        try checkRoom()
        let period = Int(components.queryItems?.first(where: { $0.name == "period" })?.value ?? "") ?? 30
        let id = store(
            issuer: issuer, account: account, digits: 6, algorithm: .sha1,
            period: host == "totp" ? period : nil, counter: 0, server: nil)
        return AddResult(added: [id])
    }

    public func addManually(_ entry: ManualEntry) throws(IchieFailure) -> String {
        try enter("addManually")
        let secret = entry.secret.filter { !$0.isWhitespace }.uppercased()
        guard !entry.account.isEmpty, secret.count >= 16,
              secret.allSatisfy({ "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567=".contains($0) }),
              (6...8).contains(entry.digits), (1...3600).contains(entry.periodSeconds)
        else { throw .invalidInput(reason: "bad token parameters") }
        if let existing = tokens.first(where: { $0.issuer == entry.issuer && $0.account == entry.account }) {
            throw .duplicate(name: name(existing))
        }
        try checkRoom()
        return store(
            issuer: entry.issuer, account: entry.account, digits: entry.digits, algorithm: entry.algorithm,
            period: entry.hotpCounter == nil ? entry.periodSeconds : nil, counter: entry.hotpCounter ?? 0, server: nil)
    }

    public func inspectActivationLink(_ link: String) throws(IchieFailure) -> LinkCheck {
        try enter("inspectActivationLink")
        guard let issuance = issuances[link] else { throw .invalidInput(reason: "not an activation link") }
        return issuance.check
    }

    public func activate(
        link: String, password: String, userConfirmedUnknownService: Bool, correctClock: Bool
    ) throws(IchieFailure) -> Activation {
        try enter("activate(link)")
        guard let issuance = issuances[link] else { throw .invalidInput(reason: "not an activation link") }
        if !issuance.check.isKnownService && !userConfirmedUnknownService {
            throw .unconfirmedService(host: issuance.check.host, fingerprint: issuance.check.fingerprint)
        }
        return try activate(key: link, password: password, correctClock: correctClock)
    }

    public func activate(
        serviceID: String, userID: String, password: String, correctClock: Bool
    ) throws(IchieFailure) -> Activation {
        try enter("activate(service)")
        guard let key = issuances.first(where: {
            $0.value.check.isKnownService && $0.value.check.serviceID == serviceID && $0.value.check.userID == userID
        })?.key else { throw .invalidInput(reason: "no such service in the directory") }
        return try activate(key: key, password: password, correctClock: correctClock)
    }

    public func checkClock(_ source: TimeSource) throws(IchieFailure) -> ClockCheck {
        try enter("checkClock")
        return clockCheck()
    }

    public func applyClockEstimate(_ estimate: ClockEstimate, force: Bool) throws(IchieFailure) -> Int64 {
        try enter("applyClockEstimate")
        let size = estimate.offsetMs.magnitude
        if size > 86_400_000 || estimate.uncertaintyMs > 15_000 { throw .correctionRefused(needsForce: false) }
        if size > 300_000 && !force { throw .correctionRefused(needsForce: true) }
        correctionMs = estimate.offsetMs
        return correctionMs
    }

    public func rename(id: String, issuer: String?, account: String) throws(IchieFailure) {
        try enter("rename")
        guard !account.isEmpty else { throw .invalidInput(reason: "empty account") }
        let index = try position(of: id)
        tokens[index].issuer = issuer
        tokens[index].account = account
    }

    public func move(id: String, to position: Int) throws(IchieFailure) {
        try enter("move")
        let index = try self.position(of: id)
        guard position >= 0, position < tokens.count else { throw .invalidInput(reason: "bad position") }
        tokens.insert(tokens.remove(at: index), at: position)
    }

    public func delete(id: String) throws(IchieFailure) {
        try enter("delete")
        tokens.remove(at: try position(of: id))
    }

    public func refreshStatus() throws(IchieFailure) -> [StatusReport] {
        try enter("refreshStatus")
        var reports: [StatusReport] = []
        for index in tokens.indices where tokens[index].server != nil {
            if revokedOnServer.contains(tokens[index].id) { tokens[index].revoked = true }
            reports.append(StatusReport(
                tokenID: tokens[index].id, name: name(tokens[index]),
                state: tokens[index].revoked ? .revoked : .active))
        }
        return reports
    }

    public func nextHOTPCode(id: String) throws(IchieFailure) -> String {
        try enter("nextHOTPCode")
        let index = try position(of: id)
        guard tokens[index].periodSeconds == nil else { throw .invalidInput(reason: "not an HOTP token") }
        guard !tokens[index].revoked else { throw .revoked }
        let code = Self.code(seed: tokens[index].seed, moving: tokens[index].counter, digits: tokens[index].digits)
        tokens[index].counter += 1
        return code
    }

    // MARK: Inside

    private func enter(_ call: String) throws(IchieFailure) {
        calls.append(call)
        if var queue = scripted[call], !queue.isEmpty {
            let failure = queue.removeFirst()
            scripted[call] = queue
            throw failure
        }
    }

    private func checkRoom() throws(IchieFailure) {
        if tokens.count >= tokenLimit { throw .vaultFull(limit: tokenLimit) }
    }

    private func position(of id: String) throws(IchieFailure) -> Int {
        guard let index = tokens.firstIndex(where: { $0.id == id }) else {
            throw .invalidInput(reason: "no token \(id)")
        }
        return index
    }

    private func store(
        issuer: String?, account: String, digits: Int, algorithm: HashAlgorithm, period: Int?, counter: UInt64,
        server: String?
    ) -> String {
        let id = String(format: "fake%04d", nextSerial)
        tokens.append(Stored(
            id: id, issuer: issuer, account: account, digits: digits, algorithm: algorithm,
            periodSeconds: period, counter: counter, seed: UInt64(nextSerial) &* 0x9E37_79B9_7F4A_7C15,
            server: server))
        nextSerial += 1
        return id
    }

    private func activate(key: String, password: String, correctClock: Bool) throws(IchieFailure) -> Activation {
        guard var issuance = issuances[key], !used.contains(key) else { throw .expiredOrUnknown }
        if issuance.attemptsLeft == 0 { throw .locked }
        if password != issuance.password {
            issuance.attemptsLeft -= 1
            issuances[key] = issuance
            throw issuance.attemptsLeft == 0 ? .locked : .wrongPassword(attemptsLeft: issuance.attemptsLeft)
        }
        let clock = clockCheck()
        let corrected = clock.verdict == .codesWrong && correctClock
        if clock.verdict == .codesWrong && !correctClock { throw .clockOff(offsetMs: clock.estimate.offsetMs) }
        try checkRoom()
        if corrected { correctionMs = clock.estimate.offsetMs }
        used.insert(key)
        let id = store(
            issuer: issuance.check.knownServiceName ?? issuance.check.serviceID, account: issuance.check.userID,
            digits: 6, algorithm: .sha1, period: 30, counter: 0, server: issuance.server)
        return Activation(tokenID: id, name: name(tokens[tokens.count - 1]), clock: clock, clockCorrected: corrected)
    }

    private func clockCheck() -> ClockCheck {
        let offset = deviceClockErrorMs - correctionMs
        let verdict: ClockVerdict = offset.magnitude <= 5_000 ? .fine : offset.magnitude > 30_000 ? .codesWrong : .warn
        return ClockCheck(
            estimate: ClockEstimate(offsetMs: offset, uncertaintyMs: 40, roundTripMs: 80, samples: 3),
            verdict: verdict, judgedStepSeconds: 30)
    }

    private func name(_ token: Stored) -> String {
        token.issuer.map { "\($0) (\(token.account))" } ?? token.account
    }

    private func view(_ token: Stored) -> Token {
        guard let period = token.periodSeconds else {
            return Token(
                id: token.id, issuer: token.issuer, account: token.account, name: name(token),
                kind: .hotp(counter: token.counter), algorithm: token.algorithm, digits: token.digits,
                code: nil, nextCode: nil, msUntilNext: nil, revoked: token.revoked, server: token.server,
                clockCorrectionMs: correctionMs)
        }
        // As the core: a revoked token shows no codes.
        let now = UInt64(max(0, Int64(wallClockMs()) + correctionMs))
        let live = !token.revoked
        let stepMs = UInt64(period) * 1000
        let step = now / stepMs
        return Token(
            id: token.id, issuer: token.issuer, account: token.account, name: name(token),
            kind: .totp(periodSeconds: period), algorithm: token.algorithm, digits: token.digits,
            code: live ? Self.code(seed: token.seed, moving: step, digits: token.digits) : nil,
            nextCode: live ? Self.code(seed: token.seed, moving: step + 1, digits: token.digits) : nil,
            msUntilNext: live ? stepMs - now % stepMs : nil, revoked: token.revoked, server: token.server,
            clockCorrectionMs: correctionMs)
    }

    /// Digits from a seed and a moving factor (step or counter): a fake code.
    static func code(seed: UInt64, moving: UInt64, digits: Int) -> String {
        var x = seed ^ (moving &* 0xBF58_476D_1CE4_E5B9)
        x = (x ^ (x >> 31)) &* 0x94D0_49BB_1331_11EB
        x ^= x >> 29
        var modulus: UInt64 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(x % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }
}

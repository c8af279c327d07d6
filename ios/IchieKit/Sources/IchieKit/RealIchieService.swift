import Dispatch
import Foundation
@preconcurrency import Ichie

/// `IchieService` over Ichie's core (the generated bindings, module `Ichie`).
///
/// The core's blocking calls (the vault on disk) run one at a time on a
/// dedicated serial queue, never on the main actor and never on the Swift
/// concurrency pool; its network calls are `async` and wait without
/// blocking a thread. Every `IchieError` becomes an `IchieFailure`.
public final class RealIchieService: IchieService {
    /// The most tokens the vault holds.
    public let tokenLimit: Int
    private let app: IchieApp
    private let queue: DispatchQueue
    private let directoryJSON: String?
    private let extraRootPEM: String?

    private init(app: IchieApp, queue: DispatchQueue, tokenLimit: Int, directoryJSON: String?, extraRootPEM: String?) {
        self.app = app
        self.queue = queue
        self.tokenLimit = tokenLimit
        self.directoryJSON = directoryJSON
        self.extraRootPEM = extraRootPEM
    }

    /// Opens the vault at `vaultPath` with its 32-byte key, or creates it on
    /// the first launch (no file there yet).
    /// - Parameters:
    ///   - directoryJSON: the app's service directory (shipped with the app):
    ///     activation links are checked against it.
    ///   - extraRootPEM: a CA certificate to trust besides the system's (a
    ///     test server's development CA); `nil` in the app.
    public static func openOrCreate(
        vaultPath: String, key: Data, tokenLimit: Int = 10, directoryJSON: String?, extraRootPEM: String? = nil
    ) async throws(IchieFailure) -> RealIchieService {
        let queue = DispatchQueue(label: "dev.ichie.vault", qos: .userInitiated)
        let limit = UInt32(clamping: tokenLimit)
        let app = try await run(on: queue) { () throws -> IchieApp in
            do {
                return try IchieApp.open(path: vaultPath, key: key, maxTokens: limit, clock: nil)
            } catch IchieError.NoVault {
                return try IchieApp.create(path: vaultPath, key: key, maxTokens: limit, clock: nil)
            }
        }
        return RealIchieService(
            app: app, queue: queue, tokenLimit: tokenLimit, directoryJSON: directoryJSON, extraRootPEM: extraRootPEM)
    }

    /// A new random 32-byte vault key (to keep in the Keychain).
    public static func newVaultKey() throws(IchieFailure) -> Data {
        do {
            return try generateVaultKey()
        } catch {
            throw IchieFailure(core: error)
        }
    }

    // MARK: IchieService

    public func listTokens() async throws(IchieFailure) -> [Token] {
        try await blocking { app in try app.list().map(Token.init(core:)) }
    }

    public func currentCodes() async throws(IchieFailure) -> [CodeUpdate] {
        try await blocking { app in
            try app.codes().map { CodeUpdate(id: $0.id, code: $0.code, nextCode: $0.nextCode, msUntilNext: $0.msUntilNext) }
        }
    }

    public func addFromURI(_ uri: String) async throws(IchieFailure) -> AddResult {
        try await blocking { app in
            let report = try app.addUri(uri: uri)
            return AddResult(added: report.added, skippedDuplicates: report.skippedDuplicates)
        }
    }

    public func addManually(_ entry: ManualEntry) async throws(IchieFailure) -> String {
        try await blocking { app in
            try app.addManual(
                issuer: entry.issuer, account: entry.account, secretBase32: entry.secret,
                algorithm: Ichie.Algorithm(entry.algorithm), digits: UInt8(clamping: entry.digits),
                periodS: entry.hotpCounter == nil ? UInt32(clamping: entry.periodSeconds) : nil,
                hotpCounter: entry.hotpCounter)
        }
    }

    public func inspectActivationLink(_ link: String) async throws(IchieFailure) -> LinkCheck {
        let directory = directoryJSON
        return try await blocking { _ in
            let seen = try Ichie.inspectActivationLink(link: link, directoryJson: directory)
            return LinkCheck(
                serviceID: seen.serviceId, userID: seen.userId, host: seen.host, fingerprint: seen.keyFingerprint,
                knownServiceName: seen.knownService ? (seen.serviceName ?? seen.serviceId) : nil)
        }
    }

    public func activate(
        link: String, password: String, userConfirmedUnknownService: Bool, correctClock: Bool
    ) async throws(IchieFailure) -> Activation {
        do {
            let report = try await app.activateWithLink(
                link: link, password: password, directoryJson: directoryJSON,
                trustUnknownService: userConfirmedUnknownService, extraRootPem: extraRootPEM, fixClock: correctClock)
            return Activation(core: report)
        } catch {
            throw IchieFailure(core: error)
        }
    }

    public func activate(
        serviceID: String, userID: String, password: String, correctClock: Bool
    ) async throws(IchieFailure) -> Activation {
        guard let directoryJSON else { throw .invalidInput(reason: "the app has no service directory") }
        do {
            let report = try await app.activateWithService(
                directoryJson: directoryJSON, serviceId: serviceID, userId: userID, password: password,
                extraRootPem: extraRootPEM, fixClock: correctClock)
            return Activation(core: report)
        } catch {
            throw IchieFailure(core: error)
        }
    }

    public func checkClock(_ source: TimeSource) async throws(IchieFailure) -> ClockCheck {
        let (url, dateHeader): (String, Bool)
        switch source {
        case .ichieServer(let base):
            url = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/v1/time"
            dateHeader = false
        case .dateHeader(let address):
            (url, dateHeader) = (address, true)
        }
        do {
            return ClockCheck(core: try await app.checkClock(url: url, extraRootPem: extraRootPEM, dateHeader: dateHeader))
        } catch {
            throw IchieFailure(core: error)
        }
    }

    public func applyClockEstimate(_ estimate: IchieKit.ClockEstimate, force: Bool) async throws(IchieFailure) -> Int64 {
        try await blocking { app in
            try app.applyClockEstimate(
                estimate: Ichie.ClockEstimate(
                    offsetMs: estimate.offsetMs, uncertaintyMs: estimate.uncertaintyMs,
                    roundTripMs: estimate.roundTripMs, samples: UInt32(clamping: estimate.samples)),
                force: force)
        }
    }

    public func rename(id: String, issuer: String?, account: String) async throws(IchieFailure) {
        try await blocking { app in try app.rename(id: id, issuer: issuer, account: account) }
    }

    public func move(id: String, to position: Int) async throws(IchieFailure) {
        guard position >= 0 else { throw .invalidInput(reason: "negative position") }
        try await blocking { app in try app.moveTo(id: id, position: UInt64(position)) }
    }

    public func delete(id: String) async throws(IchieFailure) {
        try await blocking { app in try app.delete(id: id) }
    }

    public func refreshStatus() async throws(IchieFailure) -> [StatusReport] {
        do {
            return try await app.refreshStatus(extraRootPem: extraRootPEM).map(StatusReport.init(core:))
        } catch {
            throw IchieFailure(core: error)
        }
    }

    public func nextHOTPCode(id: String) async throws(IchieFailure) -> String {
        try await blocking { app in try app.nextHotpCode(id: id) }
    }

    // MARK: Inside

    /// Runs a blocking call of the core on the vault's queue.
    func blocking<T: Sendable>(_ body: @escaping @Sendable (IchieApp) throws -> T) async throws(IchieFailure) -> T {
        let app = self.app
        return try await Self.run(on: queue) { try body(app) }
    }

    private static func run<T: Sendable>(
        on queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T
    ) async throws(IchieFailure) -> T {
        let result: Result<T, IchieFailure> = await withCheckedContinuation { continuation in
            queue.async {
                do {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(IchieFailure(core: error)))
                }
            }
        }
        return try result.get()
    }
}

extension IchieFailure {
    /// The app's failure for an error of the core. `SignatureMismatch` (the
    /// server's answer does not verify against the link's key: a forged link
    /// or a man in the middle) is a `.linkMismatch` to the user; `NoMatch` and
    /// `Ambiguous` (a service ID not in the directory, a token id that is
    /// gone) are `.invalidInput`; file errors are `.internal`. Anything that is
    /// not an `IchieError` (uniffi's panic error) is `.internal`.
    init(core error: any Error) {
        guard let error = error as? IchieError else {
            self = .internal(reason: "\(error)")
            return
        }
        switch error {
        case .WrongActivationPassword(let left): self = .wrongPassword(attemptsLeft: Int(left))
        case .Locked: self = .locked
        case .ExpiredOrUnknown: self = .expiredOrUnknown
        case .Revoked: self = .revoked
        case .RateLimited: self = .rateLimited
        case .SignatureMismatch, .LinkMismatch: self = .linkMismatch
        case .UnconfirmedService(let host, let fingerprint): self = .unconfirmedService(host: host, fingerprint: fingerprint)
        case .ClockOff(let offset): self = .clockOff(offsetMs: offset)
        case .CorrectionRefused(_, let needsForce): self = .correctionRefused(needsForce: needsForce)
        case .VaultFull(let limit): self = .vaultFull(limit: Int(clamping: limit))
        case .WrongKey: self = .wrongKey
        case .CorruptVault: self = .corruptVault
        case .Duplicate(let name): self = .duplicate(name: name)
        case .NoMatch(let query): self = .invalidInput(reason: "no match for \(query)")
        case .Ambiguous(let query, _): self = .invalidInput(reason: "\(query) matches several tokens")
        case .InvalidInput(let reason): self = .invalidInput(reason: reason)
        case .Network: self = .network
        case .Tls: self = .tls
        case .Timeout: self = .timeout
        case .Server(let code, _): self = .server(code: code)
        case .NoVault(let path): self = .internal(reason: "no vault at \(path)")
        case .VaultExists(let path): self = .internal(reason: "a file is already at \(path)")
        case .Io(let reason): self = .internal(reason: reason)
        case .Internal(let reason): self = .internal(reason: reason)
        }
    }
}

extension Ichie.Algorithm {
    init(_ algorithm: HashAlgorithm) {
        switch algorithm {
        case .sha1: self = .sha1
        case .sha256: self = .sha256
        case .sha512: self = .sha512
        }
    }
}

extension Token {
    init(core view: TokenView) {
        let algorithm: HashAlgorithm
        switch view.algorithm {
        case .sha1: algorithm = .sha1
        case .sha256: algorithm = .sha256
        case .sha512: algorithm = .sha512
        }
        self.init(
            id: view.id, issuer: view.issuer, account: view.account, name: view.name,
            kind: view.kind == "hotp" ? .hotp(counter: view.counter ?? 0) : .totp(periodSeconds: Int(view.periodS ?? 30)),
            algorithm: algorithm, digits: Int(view.digits), code: view.code, nextCode: view.nextCode,
            msUntilNext: view.msUntilNext, revoked: view.state == .revoked, server: view.server,
            clockCorrectionMs: view.clockCorrectionMs)
    }
}

extension ClockCheck {
    init(core report: ClockReport) {
        let verdict: IchieKit.ClockVerdict
        switch report.verdict {
        case .fine: verdict = .fine
        case .warn: verdict = .warn
        case .codesWrong: verdict = .codesWrong
        }
        self.init(
            estimate: IchieKit.ClockEstimate(
                offsetMs: report.estimate.offsetMs, uncertaintyMs: report.estimate.uncertaintyMs,
                roundTripMs: report.estimate.roundTripMs, samples: Int(report.estimate.samples)),
            verdict: verdict, judgedStepSeconds: Int(report.judgedStepS))
    }
}

extension Activation {
    init(core report: ActivationReport) {
        self.init(tokenID: report.id, name: report.name, clock: ClockCheck(core: report.clock),
                  clockCorrected: report.correctionApplied)
    }
}

extension StatusReport {
    init(core outcome: StatusOutcome) {
        let state: State
        switch outcome.state {
        case .active: state = .active
        case .revoked: state = .revoked
        case .locked: state = .locked
        case nil: state = .unknown(reason: outcome.error ?? "no answer")
        }
        self.init(tokenID: outcome.id, name: outcome.name, state: state)
    }
}

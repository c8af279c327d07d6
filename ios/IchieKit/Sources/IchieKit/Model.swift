/// A token as the app shows it, at the instant it was read.
public struct Token: Sendable, Equatable, Identifiable {
    /// Counter-based (HOTP) or time-based (TOTP).
    public enum Kind: Sendable, Equatable {
        /// A new code every `periodSeconds`.
        case totp(periodSeconds: Int)
        /// A new code on request; `counter` is the counter of the next code.
        case hotp(counter: UInt64)
    }

    /// Vault identifier.
    public var id: String
    /// Issuer, if known.
    public var issuer: String?
    /// Account at the issuer.
    public var account: String
    /// `Issuer (account)`: the line the list shows.
    public var name: String
    /// TOTP or HOTP.
    public var kind: Kind
    /// HMAC algorithm.
    public var algorithm: HashAlgorithm
    /// Code length (6 to 8).
    public var digits: Int
    /// The code valid now (TOTP only; none for a revoked token).
    public var code: String?
    /// The code of the next step (TOTP only).
    public var nextCode: String?
    /// Milliseconds until `nextCode` takes over (TOTP only).
    public var msUntilNext: UInt64?
    /// Whether the service revoked it.
    public var revoked: Bool
    /// The server it was activated with, if any.
    public var server: String?
    /// The clock correction the codes were computed with (ms).
    public var clockCorrectionMs: Int64

    /// A token; every field as named.
    public init(
        id: String, issuer: String?, account: String, name: String, kind: Kind,
        algorithm: HashAlgorithm = .sha1, digits: Int,
        code: String?, nextCode: String?, msUntilNext: UInt64?, revoked: Bool = false,
        server: String? = nil, clockCorrectionMs: Int64 = 0
    ) {
        self.id = id
        self.issuer = issuer
        self.account = account
        self.name = name
        self.kind = kind
        self.algorithm = algorithm
        self.digits = digits
        self.code = code
        self.nextCode = nextCode
        self.msUntilNext = msUntilNext
        self.revoked = revoked
        self.server = server
        self.clockCorrectionMs = clockCorrectionMs
    }
}

/// The HMAC algorithm of a hand-typed token.
public enum HashAlgorithm: String, Sendable, CaseIterable {
    /// HMAC-SHA-1, what nearly every service uses.
    case sha1
    /// HMAC-SHA-256.
    case sha256
    /// HMAC-SHA-512.
    case sha512
}

/// A token typed in by hand.
public struct ManualEntry: Sendable, Equatable {
    /// Issuer (optional).
    public var issuer: String?
    /// Account at the issuer.
    public var account: String
    /// The secret in base32 (spaces and lowercase are fine).
    public var secret: String
    /// HMAC algorithm.
    public var algorithm: HashAlgorithm
    /// Code length.
    public var digits: Int
    /// TOTP step in seconds (ignored for HOTP).
    public var periodSeconds: Int
    /// Makes the token counter-based, starting at this counter.
    public var hotpCounter: UInt64?

    /// A TOTP entry by default: SHA-1, 6 digits, 30 s.
    public init(
        issuer: String?, account: String, secret: String, algorithm: HashAlgorithm = .sha1,
        digits: Int = 6, periodSeconds: Int = 30, hotpCounter: UInt64? = nil
    ) {
        self.issuer = issuer
        self.account = account
        self.secret = secret
        self.algorithm = algorithm
        self.digits = digits
        self.periodSeconds = periodSeconds
        self.hotpCounter = hotpCounter
    }
}

/// What adding tokens from a URI did.
public struct AddResult: Sendable, Equatable {
    /// Ids of the tokens added, in order.
    public var added: [String]
    /// Names of the tokens left out because the vault already had them.
    public var skippedDuplicates: [String]

    /// A result; both lists as named.
    public init(added: [String], skippedDuplicates: [String] = []) {
        self.added = added
        self.skippedDuplicates = skippedDuplicates
    }
}

/// What an activation link claims and whether the app's service directory knows it.
public struct LinkCheck: Sendable, Equatable {
    /// The service the link names.
    public var serviceID: String
    /// The user the link names.
    public var userID: String
    /// The server's host (and port).
    public var host: String
    /// The fingerprint of the link's signing key.
    public var fingerprint: String
    /// The directory's name for the service, when it lists it with this server and key.
    /// `nil`: an unknown service — activate only after the user confirms host and fingerprint.
    public var knownServiceName: String?

    /// A link check; every field as named.
    public init(serviceID: String, userID: String, host: String, fingerprint: String, knownServiceName: String?) {
        self.serviceID = serviceID
        self.userID = userID
        self.host = host
        self.fingerprint = fingerprint
        self.knownServiceName = knownServiceName
    }

    /// Whether the directory lists this service with this server and key.
    public var isKnownService: Bool { knownServiceName != nil }
}

/// How far the device clock is from a time source (opaque to the UI: pass it
/// back to `IchieService.applyClockEstimate`).
public struct ClockEstimate: Sendable, Equatable {
    /// Server time minus device time (ms).
    public var offsetMs: Int64
    /// The true offset lies within `offsetMs ± uncertaintyMs`.
    public var uncertaintyMs: UInt64
    /// The round trip of the sample the estimate rests on (ms).
    public var roundTripMs: UInt64
    /// How many samples were considered.
    public var samples: Int

    /// An estimate; every field as named.
    public init(offsetMs: Int64, uncertaintyMs: UInt64, roundTripMs: UInt64, samples: Int) {
        self.offsetMs = offsetMs
        self.uncertaintyMs = uncertaintyMs
        self.roundTripMs = roundTripMs
        self.samples = samples
    }
}

/// Whether the device clock is good enough for codes.
public enum ClockVerdict: Sendable, Equatable {
    /// Within 5 s.
    case fine
    /// Possibly more than 5 s off, not surely more than a step.
    case warn
    /// Surely off by more than a step: codes will be refused.
    case codesWrong
}

/// The result of a clock check.
public struct ClockCheck: Sendable, Equatable {
    /// The measurement.
    public var estimate: ClockEstimate
    /// What it means for codes.
    public var verdict: ClockVerdict
    /// The token step the verdict was judged against (s).
    public var judgedStepSeconds: Int

    /// A clock check; every field as named.
    public init(estimate: ClockEstimate, verdict: ClockVerdict, judgedStepSeconds: Int) {
        self.estimate = estimate
        self.verdict = verdict
        self.judgedStepSeconds = judgedStepSeconds
    }
}

/// Where the clock is checked.
public enum TimeSource: Sendable, Equatable {
    /// An Ichie server (its base URL): its signed `/v1/time`.
    case ichieServer(String)
    /// Any HTTPS URL: its `Date` header (coarse, to the second).
    case dateHeader(String)

    /// The server of the first activated token, or `fallback` when none was activated.
    public static func forTokens(_ tokens: [Token], fallback: TimeSource) -> TimeSource {
        if let server = tokens.lazy.compactMap(\.server).first {
            return .ichieServer(server)
        }
        return fallback
    }
}

/// What an activation did.
public struct Activation: Sendable, Equatable {
    /// The new token's id.
    public var tokenID: String
    /// How the new token is named in the list.
    public var name: String
    /// The device clock against the server's signed time.
    public var clock: ClockCheck
    /// Whether the measured offset was stored as the clock correction.
    public var clockCorrected: Bool

    /// An activation; every field as named.
    public init(tokenID: String, name: String, clock: ClockCheck, clockCorrected: Bool) {
        self.tokenID = tokenID
        self.name = name
        self.clock = clock
        self.clockCorrected = clockCorrected
    }
}

/// One activated token's state as its server reported it.
public struct StatusReport: Sendable, Equatable {
    /// What the server said.
    public enum State: Sendable, Equatable {
        /// In use.
        case active
        /// Revoked by the service.
        case revoked
        /// Locked after too many wrong codes.
        case locked
        /// No answer (the reason, in the core's words).
        case unknown(reason: String)
    }

    /// Token id.
    public var tokenID: String
    /// Token name.
    public var name: String
    /// The server's answer.
    public var state: State

    /// A status report; every field as named.
    public init(tokenID: String, name: String, state: State) {
        self.tokenID = tokenID
        self.name = name
        self.state = state
    }
}

/// The part of a token that changes with time: what a list refreshes when a code expires.
public struct CodeUpdate: Sendable, Equatable {
    /// Token id.
    public var id: String
    /// The code valid now (none for HOTP and revoked tokens).
    public var code: String?
    /// The code of the next step.
    public var nextCode: String?
    /// Milliseconds until `nextCode` takes over.
    public var msUntilNext: UInt64?

    /// A code update; every field as named.
    public init(id: String, code: String?, nextCode: String?, msUntilNext: UInt64?) {
        self.id = id
        self.code = code
        self.nextCode = nextCode
        self.msUntilNext = msUntilNext
    }
}

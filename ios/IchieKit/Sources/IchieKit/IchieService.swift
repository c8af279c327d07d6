/// Ichie as the app's screens use it: one open vault, its tokens, activation
/// and the clock, in app terms. Every call may wait (disk, network) and fails
/// with an `IchieFailure` only.
///
/// `RealIchieService` is the core through its bindings; `FakeIchieService`
/// stands in for tests and previews.
public protocol IchieService: Sendable {
    /// The most tokens the vault holds.
    var tokenLimit: Int { get }

    /// Every token with its current code, next code and time left, in list order.
    func listTokens() async throws(IchieFailure) -> [Token]
    /// Every token's current and next code and time left, without the labels:
    /// the cheap refresh when a code expires (`listTokens` when the vault changed).
    func currentCodes() async throws(IchieFailure) -> [CodeUpdate]
    /// Adds the tokens of an `otpauth://` or `otpauth-migration://` URI (a QR code's text).
    func addFromURI(_ uri: String) async throws(IchieFailure) -> AddResult
    /// Adds a hand-typed token; returns its id.
    func addManually(_ entry: ManualEntry) async throws(IchieFailure) -> String

    /// Parses an activation link and checks it against the app's service directory.
    /// A link for a listed service with another server or key fails with `.linkMismatch`.
    func inspectActivationLink(_ link: String) async throws(IchieFailure) -> LinkCheck
    /// Activates the token an activation link names with the activation password.
    /// `userConfirmedUnknownService`: the user confirmed the host and fingerprint
    /// of a service the directory does not list (else `.unconfirmedService`).
    /// `correctClock`: store the measured offset instead of failing with `.clockOff`.
    func activate(
        link: String, password: String, userConfirmedUnknownService: Bool, correctClock: Bool
    ) async throws(IchieFailure) -> Activation
    /// Activates the token of `userID` at `serviceID`, found in the app's service directory.
    func activate(
        serviceID: String, userID: String, password: String, correctClock: Bool
    ) async throws(IchieFailure) -> Activation

    /// Measures the device clock against `source`; changes nothing.
    func checkClock(_ source: TimeSource) async throws(IchieFailure) -> ClockCheck
    /// "Correct automatically": stores a measured offset as the clock correction.
    /// Beyond 5 minutes only with `force` (else `.correctionRefused(needsForce: true)`);
    /// never beyond 24 h or when too uncertain. Returns the correction stored (ms).
    func applyClockEstimate(_ estimate: ClockEstimate, force: Bool) async throws(IchieFailure) -> Int64

    /// Changes the issuer and account a token is shown with.
    func rename(id: String, issuer: String?, account: String) async throws(IchieFailure)
    /// Moves a token to `position` (0-based) in the list.
    func move(id: String, to position: Int) async throws(IchieFailure)
    /// Deletes a token for good.
    func delete(id: String) async throws(IchieFailure)
    /// Asks each activated token's server for its state; revoked tokens are marked.
    func refreshStatus() async throws(IchieFailure) -> [StatusReport]
    /// The next code of an HOTP token (its counter is stored first).
    func nextHOTPCode(id: String) async throws(IchieFailure) -> String
}

/// Why an `IchieService` call failed, in the terms a screen reacts to.
///
/// Every error of the core (`IchieError` in the generated bindings) arrives as
/// one of these cases; `RealIchieService` does the mapping. Show a failure to
/// the user with `message(in:)`.
public enum IchieFailure: Error, Equatable, Sendable {
    /// The activation password is wrong; this many tries remain before the issuance locks.
    case wrongPassword(attemptsLeft: Int)
    /// Too many wrong passwords: the service must unlock the issuance.
    case locked
    /// No pending activation for this service and user: unknown, expired or already used.
    case expiredOrUnknown
    /// The service revoked the token.
    case revoked
    /// The link (or the server's answer) does not match the service it names:
    /// a forged link. Nothing secret was sent.
    case linkMismatch
    /// The link names a service the app does not know: the user must confirm
    /// its host and key fingerprint before activating.
    case unconfirmedService(host: String, fingerprint: String)
    /// The device clock is so far off that codes would be refused (server minus device, ms).
    case clockOff(offsetMs: Int64)
    /// A clock correction was not stored; `needsForce`: forcing would store it.
    case correctionRefused(needsForce: Bool)
    /// The vault holds as many tokens as it may.
    case vaultFull(limit: Int)
    /// The vault key is not the one the vault was written with.
    case wrongKey
    /// The vault file is damaged, altered, or from a newer Ichie.
    case corruptVault
    /// The token is already in the vault, under this name.
    case duplicate(name: String)
    /// The server asks the app to slow down.
    case rateLimited
    /// The server could not be reached.
    case network
    /// The secure connection failed (typically an untrusted certificate).
    case tls
    /// The server did not answer in time.
    case timeout
    /// Something the user gave is not valid (URI, secret, link, password format, service ID…).
    case invalidInput(reason: String)
    /// The server refused or answered something unexpected (its error code or HTTP status).
    case server(code: String)
    /// A bug or a failing platform (file system, random generator, cryptography).
    case `internal`(reason: String)
}

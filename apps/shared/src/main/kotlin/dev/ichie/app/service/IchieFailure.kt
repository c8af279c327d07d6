package dev.ichie.app.service

/**
 * Why a call to [IchieService] failed, in the terms a screen acts on.
 *
 * Every error of the core arrives as exactly one of these (see
 * [RealIchieService]); the words shown for each live in the strings table.
 */
sealed class IchieFailure {
    /** The activation password is wrong; [attemptsLeft] tries remain. */
    data class WrongPassword(val attemptsLeft: Int) : IchieFailure()

    /** Too many wrong passwords: the service must unlock the issuance. */
    data object Locked : IchieFailure()

    /** No pending activation: unknown, expired or already used. */
    data object Expired : IchieFailure()

    /** The service revoked the token. */
    data object Revoked : IchieFailure()

    /** The server asks the app to slow down. */
    data object RateLimited : IchieFailure()

    /** The server's answer does not verify against the key the app pinned (wrong server key). */
    data class WrongServerKey(val reason: String) : IchieFailure()

    /** A link naming a known service with another server or key ([what]): forged. Nothing was sent. */
    data class ForgedLink(val serviceId: String, val what: String) : IchieFailure()

    /** A link for a service the directory does not list, not yet confirmed by the user. */
    data class UnconfirmedService(val host: String, val keyFingerprint: String) : IchieFailure()

    /** The device clock is off by [offsetMs] (server minus device) so far that codes would be refused. */
    data class ClockOff(val offsetMs: Long) : IchieFailure()

    /** A clock correction was not stored; [needsForce]: forcing would store it. */
    data class CorrectionRefused(val reason: String, val needsForce: Boolean) : IchieFailure()

    /** No server to check the clock against: no activated token, no time URL configured. */
    data object NoTimeServer : IchieFailure()

    /** The vault holds [limit] tokens already. */
    data class VaultFull(val limit: Int) : IchieFailure()

    /** The passphrase or key does not open the vault. */
    data object WrongPassphrase : IchieFailure()

    /** The vault file is damaged, altered or from a newer Ichie. */
    data class DamagedVault(val reason: String) : IchieFailure()

    /** The token is already in the vault as [name]. */
    data class Duplicate(val name: String) : IchieFailure()

    /** No token or service matches [query]. */
    data class NotFound(val query: String) : IchieFailure()

    /** Several tokens match [query]. */
    data class Ambiguous(val query: String, val names: List<String>) : IchieFailure()

    /** Bad input: a URI, secret, password format, link, parameter. */
    data class InvalidInput(val reason: String) : IchieFailure()

    /** The server could not be reached. */
    data class Network(val reason: String) : IchieFailure()

    /** The TLS handshake failed (typically an untrusted certificate). */
    data class Tls(val reason: String) : IchieFailure()

    /** The server did not answer in time. */
    data object Timeout : IchieFailure()

    /** The server refused or answered something unexpected. */
    data class ServerRefused(val code: String, val reason: String) : IchieFailure()

    /** No vault at [path]: the first launch, create one. */
    data class NoVault(val path: String) : IchieFailure()

    /** A vault (or another file) is already at [path]: open it instead of creating one. */
    data class VaultExists(val path: String) : IchieFailure()

    /** A file operation failed: the disk, permissions, a path that cannot be used. */
    data class Storage(val reason: String) : IchieFailure()

    /** A bug or a failing platform. */
    data class Internal(val reason: String) : IchieFailure()
}

package dev.ichie.app.service

/**
 * Everything the apps ask of Ichie's core, in app terms.
 *
 * Every call is `suspend` and returns an [IchieResult]: a value, or an
 * [IchieFailure] the UI can act on. Implementations never throw for a
 * refusal of the core. [RealIchieService] is the only implementation over
 * the generated bindings; [FakeIchieService] serves tests and previews.
 */
interface IchieService {
    /** How many tokens the vault may hold (the 10-token limit by default). */
    val maxTokens: Int

    /** Every token with its current code, next code and time left, in list order. */
    suspend fun tokens(): IchieResult<List<Token>>

    /** Adds the tokens of an `otpauth://` or `otpauth-migration://` URI. */
    suspend fun addUri(uri: String): IchieResult<AddedTokens>

    /** Adds a hand-typed token; returns its id. */
    suspend fun addManual(entry: ManualEntry): IchieResult<String>

    /**
     * Reads an activation link (`ichie://activate?…`) and checks it against
     * the app's service directory. A known service with another server or
     * key is [IchieFailure.ForgedLink].
     */
    suspend fun inspectLink(link: String): IchieResult<LinkInfo>

    /**
     * Activates the token [link] names with the activation [password].
     * [userConfirmedUnknownService] is set once the user confirmed the host
     * and key fingerprint of a service the directory does not list;
     * [fixClock] corrects a clock that is off instead of refusing.
     */
    suspend fun activateWithLink(
        link: String,
        password: String,
        userConfirmedUnknownService: Boolean,
        fixClock: Boolean = false,
    ): IchieResult<Activation>

    /** Activates the token of [userId] at [serviceId], found in the app's service directory. */
    suspend fun activateWithService(
        serviceId: String,
        userId: String,
        password: String,
        fixClock: Boolean = false,
    ): IchieResult<Activation>

    /** Measures the device clock against the app's time server. */
    suspend fun checkClock(): IchieResult<ClockCheck>

    /**
     * "Correct automatically": stores the offset [check] measured as the
     * clock correction. Beyond 5 minutes the core wants [force]
     * ([IchieFailure.CorrectionRefused] with `needsForce`). Returns the
     * correction stored, in milliseconds.
     */
    suspend fun applyClockCorrection(check: ClockCheck, force: Boolean): IchieResult<Long>

    /** Changes the issuer and account a token is shown with. */
    suspend fun rename(id: String, issuer: String?, account: String): IchieResult<Unit>

    /** Moves a token to [position] (0-based) in the list. */
    suspend fun move(id: String, position: Int): IchieResult<Unit>

    /** Deletes a token for good. */
    suspend fun delete(id: String): IchieResult<Unit>

    /** Asks each activated token's server for its state; revoked tokens are marked. */
    suspend fun refreshStatus(): IchieResult<List<StatusUpdate>>

    /** The next code of an HOTP token (the counter advances first). */
    suspend fun nextHotpCode(id: String): IchieResult<String>
}

/** A value, or why there is none. */
sealed interface IchieResult<out T> {
    /** The call succeeded with [value]. */
    data class Ok<out T>(val value: T) : IchieResult<T>

    /** The call was refused or failed: [failure] says why, in app terms. */
    data class Err(val failure: IchieFailure) : IchieResult<Nothing>

    /** The value, or null on failure. */
    fun getOrNull(): T? = (this as? Ok)?.value

    /** The failure, or null on success. */
    fun failureOrNull(): IchieFailure? = (this as? Err)?.failure
}

/** Transforms the value of a successful result. */
inline fun <T, R> IchieResult<T>.map(transform: (T) -> R): IchieResult<R> = when (this) {
    is IchieResult.Ok -> IchieResult.Ok(transform(value))
    is IchieResult.Err -> this
}

/** TOTP (time-based) or HOTP (counter-based). */
enum class TokenKind { TOTP, HOTP }

/** The HMAC a token's codes use. */
enum class HashAlgorithm { SHA1, SHA256, SHA512 }

/**
 * One token as the list shows it, at the instant it was read.
 *
 * @property code the code valid now (TOTP only)
 * @property nextCode the code of the next step (TOTP only)
 * @property msUntilNext milliseconds until [nextCode] takes over (TOTP only)
 * @property server the server the token was activated with, if any
 * @property clockCorrectionMs the clock correction the codes were computed with
 */
data class Token(
    val id: String,
    val issuer: String?,
    val account: String,
    val name: String,
    val kind: TokenKind,
    val algorithm: HashAlgorithm,
    val digits: Int,
    val periodSeconds: Int?,
    val counter: Long?,
    val code: String?,
    val nextCode: String?,
    val msUntilNext: Long?,
    val revoked: Boolean,
    val server: String?,
    val clockCorrectionMs: Long,
)

/** What adding from a URI did: ids added, names skipped as already present. */
data class AddedTokens(val added: List<String>, val skippedDuplicates: List<String>)

/**
 * A hand-typed token. [hotpCounter] makes it counter-based; otherwise it is
 * TOTP with [periodSeconds].
 */
data class ManualEntry(
    val issuer: String?,
    val account: String,
    val secretBase32: String,
    val digits: Int = 6,
    val periodSeconds: Int = 30,
    val algorithm: HashAlgorithm = HashAlgorithm.SHA1,
    val hotpCounter: Long? = null,
)

/**
 * What an activation link claims and what the service directory says of it.
 *
 * @property knownService the directory lists the service with this server and key;
 *   if not, activate only after the user confirms [host] and [keyFingerprint]
 */
data class LinkInfo(
    val serviceId: String,
    val userId: String,
    val host: String,
    val keyFingerprint: String,
    val knownService: Boolean,
    val serviceName: String?,
)

/** How good the device clock is for codes. */
enum class ClockStatus {
    /** Within 5 s, uncertainty included. */
    FINE,

    /** Possibly more than 5 s off. */
    WARN,

    /** Surely off by more than a step: codes will be refused. */
    CODES_WRONG,
}

/**
 * A clock check: server time minus device time ([offsetMs]) ± [uncertaintyMs],
 * and the verdict against the tokens' step [judgedStepSeconds].
 */
data class ClockCheck(
    val offsetMs: Long,
    val uncertaintyMs: Long,
    val roundTripMs: Long,
    val samples: Int,
    val status: ClockStatus,
    val judgedStepSeconds: Int,
)

/** What an activation did: the new token, the clock against the server, whether it was corrected. */
data class Activation(val id: String, val name: String, val clock: ClockCheck, val correctionApplied: Boolean)

/** A token's state as its server reported it. */
enum class RemoteState { ACTIVE, REVOKED, LOCKED }

/** One activated token's status: the server's answer, or why there is none. */
data class StatusUpdate(val id: String, val name: String, val state: RemoteState?, val error: String?)

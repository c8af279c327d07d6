package dev.ichie.app.service

import dev.ichie.ActivationReport
import dev.ichie.Algorithm
import dev.ichie.ClockEstimate
import dev.ichie.ClockReport
import dev.ichie.ClockVerdict
import dev.ichie.IchieApp
import dev.ichie.IchieException
import dev.ichie.InternalException
import dev.ichie.RemoteTokenState
import dev.ichie.TokenState
import dev.ichie.TokenView
import dev.ichie.WallClock
import dev.ichie.generateVaultKey
import dev.ichie.inspectActivationLink
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/**
 * Where the network calls of a [RealIchieService] go.
 *
 * @property directoryJson the app's service directory (JSON, shipped with the app), or null for none
 * @property extraRootPem an extra trusted CA (PEM) beside the platform's, e.g. a test server's
 * @property timeUrl the clock check's source: an Ichie server's `/v1/time`, or with
 *   [dateHeader] any HTTPS server (its `Date` header). When null, the `/v1/time` of the
 *   first activated token's server is used.
 */
data class ServiceConfig(
    val directoryJson: String? = null,
    val extraRootPem: String? = null,
    val timeUrl: String? = null,
    val dateHeader: Boolean = false,
)

/**
 * [IchieService] over the generated bindings (`dev.ichie.IchieApp`): the
 * only class of the apps that touches them.
 *
 * Every call runs on [io] (never the caller's thread: the bindings block,
 * and the network calls hold the vault's lock) and every
 * `IchieException` becomes an [IchieFailure]. Open one with [create],
 * [open], [createWithPassphrase] or [openWithPassphrase]; [close] releases
 * the vault.
 */
class RealIchieService private constructor(
    private val app: IchieApp,
    private val config: ServiceConfig,
    override val maxTokens: Int,
    private val io: CoroutineDispatcher,
) : IchieService, AutoCloseable {

    override suspend fun tokens() = call { app.list().map { it.toToken() } }

    override suspend fun addUri(uri: String) = call {
        app.addUri(uri).let { AddedTokens(it.added, it.skippedDuplicates) }
    }

    override suspend fun addManual(entry: ManualEntry) = call {
        app.addManual(
            entry.issuer?.takeIf { it.isNotBlank() },
            entry.account,
            entry.secretBase32,
            entry.algorithm.toBindings(),
            checkedUByte(entry.digits),
            if (entry.hotpCounter == null) checkedUInt(entry.periodSeconds) else null,
            entry.hotpCounter?.let { checkedULong(it) },
        )
    }

    override suspend fun inspectLink(link: String) = call {
        inspectActivationLink(link, config.directoryJson).let {
            LinkInfo(it.serviceId, it.userId, it.host, it.keyFingerprint, it.knownService, it.serviceName)
        }
    }

    override suspend fun activateWithLink(
        link: String,
        password: String,
        userConfirmedUnknownService: Boolean,
        fixClock: Boolean,
    ) = call {
        app.activateWithLink(
            link, password, config.directoryJson, userConfirmedUnknownService, config.extraRootPem, fixClock,
        ).toActivation()
    }

    override suspend fun activateWithService(
        serviceId: String,
        userId: String,
        password: String,
        fixClock: Boolean,
    ): IchieResult<Activation> {
        // The bindings take the directory as a required argument; without one no service can be found.
        val directory = config.directoryJson ?: return IchieResult.Err(IchieFailure.NotFound(serviceId))
        return call {
            app.activateWithService(directory, serviceId, userId, password, config.extraRootPem, fixClock)
                .toActivation()
        }
    }

    override suspend fun checkClock(): IchieResult<ClockCheck> {
        val url = config.timeUrl
            ?: when (val servers = call { app.list().firstNotNullOfOrNull { it.server } }) {
                is IchieResult.Err -> return servers
                is IchieResult.Ok -> servers.value?.let { it.trimEnd('/') + "/v1/time" }
            }
            ?: return IchieResult.Err(IchieFailure.NoTimeServer)
        return call { app.checkClock(url, config.extraRootPem, config.timeUrl != null && config.dateHeader).toClockCheck() }
    }

    override suspend fun applyClockCorrection(check: ClockCheck, force: Boolean) = call {
        val estimate = ClockEstimate(
            check.offsetMs,
            check.uncertaintyMs.coerceAtLeast(0).toULong(),
            check.roundTripMs.coerceAtLeast(0).toULong(),
            check.samples.coerceAtLeast(0).toUInt(),
        )
        app.applyClockEstimate(estimate, force)
    }

    override suspend fun rename(id: String, issuer: String?, account: String) = call {
        app.rename(id, issuer?.takeIf { it.isNotBlank() }, account)
    }

    override suspend fun move(id: String, position: Int) = call { app.moveTo(id, checkedULong(position.toLong())) }

    override suspend fun delete(id: String) = call { app.delete(id) }

    override suspend fun refreshStatus() = call {
        app.refreshStatus(config.extraRootPem).map {
            StatusUpdate(it.id, it.name, it.state?.toRemoteState(), it.error)
        }
    }

    override suspend fun nextHotpCode(id: String) = call { app.nextHotpCode(id) }

    /** Releases the vault (and its lock file). */
    override fun close() = app.close()

    private suspend fun <T> call(block: suspend () -> T): IchieResult<T> = withContext(io) {
        try {
            IchieResult.Ok(block())
        } catch (e: IchieException) {
            IchieResult.Err(e.toFailure())
        } catch (e: InternalException) {
            // uniffi's panic channel (or a throwing WallClock): a bug, shown as such.
            IchieResult.Err(IchieFailure.Internal(e.message ?: "internal error"))
        } catch (e: CancellationException) {
            throw e
        }
    }

    /** Opening a vault: where, how many tokens, which clock, which dispatcher. */
    companion object {
        /** The app's default token limit. */
        const val DEFAULT_MAX_TOKENS = 10

        /** A new random 32-byte vault key, for the platform keystore to wrap. */
        suspend fun newVaultKey(io: CoroutineDispatcher = Dispatchers.IO): IchieResult<ByteArray> =
            opening(io) { generateVaultKey() }

        /**
         * Creates a vault at [path] under a 32-byte [key]. [clock] supplies
         * Unix milliseconds to the core (the system clock when null).
         */
        suspend fun create(
            path: String,
            key: ByteArray,
            config: ServiceConfig = ServiceConfig(),
            maxTokens: Int = DEFAULT_MAX_TOKENS,
            clock: (() -> Long)? = null,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): IchieResult<RealIchieService> = opening(io) {
            RealIchieService(IchieApp.create(path, key, checkedUInt(maxTokens), clock?.let(::Clock)), config, maxTokens, io)
        }

        /** Opens the vault at [path] with its 32-byte [key]. */
        suspend fun open(
            path: String,
            key: ByteArray,
            config: ServiceConfig = ServiceConfig(),
            maxTokens: Int = DEFAULT_MAX_TOKENS,
            clock: (() -> Long)? = null,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): IchieResult<RealIchieService> = opening(io) {
            RealIchieService(IchieApp.open(path, key, checkedUInt(maxTokens), clock?.let(::Clock)), config, maxTokens, io)
        }

        /** Creates a vault at [path] protected by [passphrase] (Argon2id in the core). */
        suspend fun createWithPassphrase(
            path: String,
            passphrase: String,
            config: ServiceConfig = ServiceConfig(),
            maxTokens: Int = DEFAULT_MAX_TOKENS,
            clock: (() -> Long)? = null,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): IchieResult<RealIchieService> = opening(io) {
            val app = IchieApp.createWithPassphrase(path, passphrase, checkedUInt(maxTokens), clock?.let(::Clock))
            RealIchieService(app, config, maxTokens, io)
        }

        /** Opens a passphrase-protected vault (the `ichie` command's vaults are). */
        suspend fun openWithPassphrase(
            path: String,
            passphrase: String,
            config: ServiceConfig = ServiceConfig(),
            maxTokens: Int = DEFAULT_MAX_TOKENS,
            clock: (() -> Long)? = null,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): IchieResult<RealIchieService> = opening(io) {
            val app = IchieApp.openWithPassphrase(path, passphrase, checkedUInt(maxTokens), clock?.let(::Clock))
            RealIchieService(app, config, maxTokens, io)
        }

        private suspend fun <T> opening(io: CoroutineDispatcher, block: () -> T): IchieResult<T> = withContext(io) {
            try {
                IchieResult.Ok(block())
            } catch (e: IchieException) {
                IchieResult.Err(e.toFailure())
            } catch (e: InternalException) {
                IchieResult.Err(IchieFailure.Internal(e.message ?: "internal error"))
            }
        }
    }

    /** The app's clock as the bindings' foreign `WallClock`. */
    private class Clock(private val now: () -> Long) : WallClock {
        override fun nowMs(): ULong = now().coerceAtLeast(0).toULong()
    }
}

private fun checkedUInt(value: Int): UInt =
    if (value < 0) throw IchieException.InvalidInput("negative number: $value") else value.toUInt()

private fun checkedUByte(value: Int): UByte =
    if (value !in 0..255) throw IchieException.InvalidInput("not a digit count: $value") else value.toUByte()

private fun checkedULong(value: Long): ULong =
    if (value < 0) throw IchieException.InvalidInput("negative number: $value") else value.toULong()

/** Every variant of the bindings' error, one by one: a new variant fails this `when` at compile time. */
internal fun IchieException.toFailure(): IchieFailure = when (this) {
    is IchieException.WrongActivationPassword -> IchieFailure.WrongPassword(attemptsLeft.toInt())
    is IchieException.Locked -> IchieFailure.Locked
    is IchieException.ExpiredOrUnknown -> IchieFailure.Expired
    is IchieException.Revoked -> IchieFailure.Revoked
    is IchieException.RateLimited -> IchieFailure.RateLimited
    is IchieException.SignatureMismatch -> IchieFailure.WrongServerKey(reason)
    is IchieException.LinkMismatch -> IchieFailure.ForgedLink(serviceId, what)
    is IchieException.UnconfirmedService -> IchieFailure.UnconfirmedService(host, keyFingerprint)
    is IchieException.ClockOff -> IchieFailure.ClockOff(offsetMs)
    is IchieException.CorrectionRefused -> IchieFailure.CorrectionRefused(reason, needsForce)
    is IchieException.VaultFull -> IchieFailure.VaultFull(limit.coerceAtMost(Int.MAX_VALUE.toULong()).toInt())
    is IchieException.WrongKey -> IchieFailure.WrongPassphrase
    is IchieException.CorruptVault -> IchieFailure.DamagedVault(reason)
    is IchieException.Duplicate -> IchieFailure.Duplicate(name)
    is IchieException.NoMatch -> IchieFailure.NotFound(query)
    is IchieException.Ambiguous -> IchieFailure.Ambiguous(query, names)
    is IchieException.InvalidInput -> IchieFailure.InvalidInput(reason)
    is IchieException.Network -> IchieFailure.Network(reason)
    is IchieException.Tls -> IchieFailure.Tls(reason)
    is IchieException.Timeout -> IchieFailure.Timeout
    is IchieException.Server -> IchieFailure.ServerRefused(code, reason)
    is IchieException.NoVault -> IchieFailure.NoVault(path)
    is IchieException.VaultExists -> IchieFailure.VaultExists(path)
    is IchieException.Io -> IchieFailure.Storage(reason)
    is IchieException.Internal -> IchieFailure.Internal(reason)
}

private fun TokenView.toToken() = Token(
    id = id,
    issuer = issuer,
    account = account,
    name = name,
    kind = if (kind == "hotp") TokenKind.HOTP else TokenKind.TOTP,
    algorithm = when (algorithm) {
        Algorithm.SHA1 -> HashAlgorithm.SHA1
        Algorithm.SHA256 -> HashAlgorithm.SHA256
        Algorithm.SHA512 -> HashAlgorithm.SHA512
    },
    digits = digits.toInt(),
    periodSeconds = periodS?.toInt(),
    counter = counter?.toLong(),
    code = code,
    nextCode = nextCode,
    msUntilNext = msUntilNext?.toLong(),
    revoked = state == TokenState.REVOKED,
    server = server,
    clockCorrectionMs = clockCorrectionMs,
)

private fun HashAlgorithm.toBindings() = when (this) {
    HashAlgorithm.SHA1 -> Algorithm.SHA1
    HashAlgorithm.SHA256 -> Algorithm.SHA256
    HashAlgorithm.SHA512 -> Algorithm.SHA512
}

private fun ClockReport.toClockCheck() = ClockCheck(
    offsetMs = estimate.offsetMs,
    uncertaintyMs = estimate.uncertaintyMs.toLong(),
    roundTripMs = estimate.roundTripMs.toLong(),
    samples = estimate.samples.toInt(),
    status = when (verdict) {
        ClockVerdict.FINE -> ClockStatus.FINE
        ClockVerdict.WARN -> ClockStatus.WARN
        ClockVerdict.CODES_WRONG -> ClockStatus.CODES_WRONG
    },
    judgedStepSeconds = judgedStepS.toInt(),
)

private fun ActivationReport.toActivation() = Activation(id, name, clock.toClockCheck(), correctionApplied)

private fun RemoteTokenState.toRemoteState() = when (this) {
    RemoteTokenState.ACTIVE -> RemoteState.ACTIVE
    RemoteTokenState.REVOKED -> RemoteState.REVOKED
    RemoteTokenState.LOCKED -> RemoteState.LOCKED
}

package dev.ichie.app.service

import java.net.URI
import java.net.URLDecoder

/** The operations of [IchieService], to script failures and count calls in [FakeIchieService]. */
enum class Operation {
    TOKENS, ADD_URI, ADD_MANUAL, INSPECT_LINK, ACTIVATE_LINK, ACTIVATE_SERVICE, CHECK_CLOCK,
    APPLY_CORRECTION, RENAME, MOVE, DELETE, REFRESH_STATUS, NEXT_HOTP,
}

/**
 * An in-memory [IchieService] for tests and previews: no core, no disk, no network.
 *
 * Codes come from a simple deterministic function of a token's seed and
 * time step (not HOTP: nothing here is a real code); time comes from
 * [clock] (Unix milliseconds) plus the stored clock correction. Failures are
 * scripted per [Operation] with [failNext]; activation follows the core's
 * order of checks (link confirmation, clock, lock, password, room).
 */
class FakeIchieService(
    private val clock: () -> Long,
    override val maxTokens: Int = 10,
) : IchieService {
    private data class Entry(
        val id: String,
        var issuer: String?,
        var account: String,
        val kind: TokenKind,
        val digits: Int,
        val periodSeconds: Int,
        var counter: Long,
        val seed: Long,
        var revoked: Boolean,
        val server: String?,
    )

    /** A service the fake's directory lists: its display name and host. */
    data class KnownService(val name: String, val host: String)

    private val entries = mutableListOf<Entry>()
    private val scripted = mutableMapOf<Operation, ArrayDeque<IchieFailure>>()
    private val counts = mutableMapOf<Operation, Int>()
    private var nextId = 1

    /** The stored clock correction (ms), applied to every code. */
    var clockCorrectionMs = 0L
        private set

    /** How far the device clock is off: server time minus device time (ms). */
    var deviceClockErrorMs = 0L

    /** The activation password the fake's server expects. */
    var activationPassword = "123456"

    /** Wrong passwords left before the issuance locks. */
    var attemptsLeft = 5

    /** The fake's service directory, by service ID. */
    val knownServices = mutableMapOf<String, KnownService>()

    /** Makes the next [times] calls of [operation] fail with [failure]. */
    fun failNext(operation: Operation, failure: IchieFailure, times: Int = 1) {
        val queue = scripted.getOrPut(operation) { ArrayDeque() }
        repeat(times) { queue.addLast(failure) }
    }

    /** How many times [operation] was called. */
    fun calls(operation: Operation): Int = counts[operation] ?: 0

    /** Adds a token directly (test set-up); returns its id. */
    fun seed(
        issuer: String?,
        account: String,
        periodSeconds: Int = 30,
        digits: Int = 6,
        kind: TokenKind = TokenKind.TOTP,
        revoked: Boolean = false,
        server: String? = null,
    ): String = insert(issuer, account, kind, digits, periodSeconds, 0, revoked, server)

    /** Marks a token revoked by its service, as a status refresh would. */
    fun revoke(id: String) {
        entries.first { it.id == id }.revoked = true
    }

    /** The code the fake shows for token [id] at Unix time [atMs] (corrected), for assertions. */
    fun codeAt(id: String, atMs: Long): String {
        val e = entries.first { it.id == id }
        return code(e.seed, Math.floorDiv(atMs, e.periodSeconds * 1000L), e.digits)
    }

    override suspend fun tokens() = op(Operation.TOKENS) { IchieResult.Ok(entries.map { it.view() }) }

    override suspend fun addUri(uri: String) = op(Operation.ADD_URI) {
        val parsed = runCatching { URI(uri) }.getOrNull()
            ?: return@op IchieResult.Err(IchieFailure.InvalidInput("not a URI"))
        if (parsed.scheme != "otpauth" || parsed.host !in setOf("totp", "hotp")) {
            return@op IchieResult.Err(IchieFailure.InvalidInput("not an otpauth:// URI"))
        }
        val query = parseQuery(parsed.rawQuery)
        if (query["secret"].isNullOrBlank()) return@op IchieResult.Err(IchieFailure.InvalidInput("no secret"))
        val label = parsed.path.trimStart('/')
        val issuer = query["issuer"] ?: label.substringBefore(':', "").ifEmpty { null }
        val account = label.substringAfter(':')
        if (entries.any { it.issuer == issuer && it.account == account }) {
            // Like the core: one otpauth:// URI already present is refused (a migration batch skips it).
            return@op IchieResult.Err(IchieFailure.Duplicate(name(issuer, account)))
        }
        if (entries.size >= maxTokens) return@op IchieResult.Err(IchieFailure.VaultFull(maxTokens))
        val kind = if (parsed.host == "hotp") TokenKind.HOTP else TokenKind.TOTP
        val id = insert(
            issuer, account, kind, query["digits"]?.toIntOrNull() ?: 6,
            query["period"]?.toIntOrNull() ?: 30, query["counter"]?.toLongOrNull() ?: 0, false, null,
        )
        IchieResult.Ok(AddedTokens(listOf(id), emptyList()))
    }

    override suspend fun addManual(entry: ManualEntry) = op(Operation.ADD_MANUAL) {
        val secret = entry.secretBase32.replace(" ", "").uppercase()
        when {
            entry.account.isBlank() -> IchieResult.Err(IchieFailure.InvalidInput("no account"))
            secret.length < 16 || secret.any { it !in 'A'..'Z' && it !in '2'..'7' && it != '=' } ->
                IchieResult.Err(IchieFailure.InvalidInput("the secret is not base32 of at least 80 bits"))
            entry.digits !in 6..8 -> IchieResult.Err(IchieFailure.InvalidInput("digits must be 6 to 8"))
            entries.any { it.issuer == entry.issuer && it.account == entry.account } ->
                IchieResult.Err(IchieFailure.Duplicate(name(entry.issuer, entry.account)))
            entries.size >= maxTokens -> IchieResult.Err(IchieFailure.VaultFull(maxTokens))
            else -> IchieResult.Ok(
                insert(
                    entry.issuer, entry.account, if (entry.hotpCounter != null) TokenKind.HOTP else TokenKind.TOTP,
                    entry.digits, entry.periodSeconds, entry.hotpCounter ?: 0, false, null,
                ),
            )
        }
    }

    override suspend fun inspectLink(link: String) = op(Operation.INSPECT_LINK) { inspect(link) }

    override suspend fun activateWithLink(
        link: String,
        password: String,
        userConfirmedUnknownService: Boolean,
        fixClock: Boolean,
    ) = op(Operation.ACTIVATE_LINK) {
        when (val seen = inspect(link)) {
            is IchieResult.Err -> seen
            is IchieResult.Ok -> {
                val info = seen.value
                if (!info.knownService && !userConfirmedUnknownService) {
                    IchieResult.Err(IchieFailure.UnconfirmedService(info.host, info.keyFingerprint))
                } else {
                    activate(info.serviceName ?: info.serviceId, info.userId, "https://${info.host}", password, fixClock)
                }
            }
        }
    }

    override suspend fun activateWithService(
        serviceId: String,
        userId: String,
        password: String,
        fixClock: Boolean,
    ) = op(Operation.ACTIVATE_SERVICE) {
        val service = knownServices[serviceId] ?: return@op IchieResult.Err(IchieFailure.NotFound(serviceId))
        activate(service.name, userId, "https://${service.host}", password, fixClock)
    }

    override suspend fun checkClock() = op(Operation.CHECK_CLOCK) { IchieResult.Ok(measure()) }

    override suspend fun applyClockCorrection(check: ClockCheck, force: Boolean) = op(Operation.APPLY_CORRECTION) {
        val offset = check.offsetMs
        when {
            kotlin.math.abs(offset) > DAY_MS ->
                IchieResult.Err(IchieFailure.CorrectionRefused("beyond 24 hours", needsForce = false))
            kotlin.math.abs(offset) > FIVE_MINUTES_MS && !force ->
                IchieResult.Err(IchieFailure.CorrectionRefused("beyond 5 minutes", needsForce = true))
            else -> {
                clockCorrectionMs += offset
                IchieResult.Ok(clockCorrectionMs)
            }
        }
    }

    override suspend fun rename(id: String, issuer: String?, account: String) = op(Operation.RENAME) {
        val e = find(id) ?: return@op IchieResult.Err(IchieFailure.NotFound(id))
        if (account.isBlank()) return@op IchieResult.Err(IchieFailure.InvalidInput("no account"))
        e.issuer = issuer?.takeIf { it.isNotBlank() }
        e.account = account
        IchieResult.Ok(Unit)
    }

    override suspend fun move(id: String, position: Int) = op(Operation.MOVE) {
        val e = find(id) ?: return@op IchieResult.Err(IchieFailure.NotFound(id))
        if (position !in entries.indices) return@op IchieResult.Err(IchieFailure.InvalidInput("no position $position"))
        entries.remove(e)
        entries.add(position, e)
        IchieResult.Ok(Unit)
    }

    override suspend fun delete(id: String) = op(Operation.DELETE) {
        val e = find(id) ?: return@op IchieResult.Err(IchieFailure.NotFound(id))
        entries.remove(e)
        IchieResult.Ok(Unit)
    }

    override suspend fun refreshStatus() = op(Operation.REFRESH_STATUS) {
        IchieResult.Ok(
            entries.filter { it.server != null }.map {
                StatusUpdate(it.id, name(it.issuer, it.account), if (it.revoked) RemoteState.REVOKED else RemoteState.ACTIVE, null)
            },
        )
    }

    override suspend fun nextHotpCode(id: String) = op(Operation.NEXT_HOTP) {
        val e = find(id) ?: return@op IchieResult.Err(IchieFailure.NotFound(id))
        if (e.kind != TokenKind.HOTP) return@op IchieResult.Err(IchieFailure.InvalidInput("not an HOTP token"))
        val code = code(e.seed, e.counter, e.digits)
        e.counter += 1
        IchieResult.Ok(code)
    }

    private fun <T> op(operation: Operation, body: () -> IchieResult<T>): IchieResult<T> {
        counts[operation] = calls(operation) + 1
        scripted[operation]?.removeFirstOrNull()?.let { return IchieResult.Err(it) }
        return body()
    }

    private fun activate(service: String, user: String, server: String, password: String, fixClock: Boolean): IchieResult<Activation> {
        val check = measure()
        if (check.status == ClockStatus.CODES_WRONG && !fixClock) return IchieResult.Err(IchieFailure.ClockOff(check.offsetMs))
        if (attemptsLeft <= 0) return IchieResult.Err(IchieFailure.Locked)
        if (password != activationPassword) {
            attemptsLeft -= 1
            return IchieResult.Err(if (attemptsLeft == 0) IchieFailure.Locked else IchieFailure.WrongPassword(attemptsLeft))
        }
        if (entries.size >= maxTokens) return IchieResult.Err(IchieFailure.VaultFull(maxTokens))
        val corrected = check.status == ClockStatus.CODES_WRONG
        if (corrected) clockCorrectionMs += check.offsetMs
        val id = insert(service, user, TokenKind.TOTP, 6, 30, 0, false, server)
        return IchieResult.Ok(Activation(id, name(service, user), check, corrected))
    }

    private fun inspect(link: String): IchieResult<LinkInfo> {
        val uri = runCatching { URI(link) }.getOrNull()
        if (uri == null || uri.scheme != "ichie" || uri.host != "activate") {
            return IchieResult.Err(IchieFailure.InvalidInput("not an activation link"))
        }
        val q = parseQuery(uri.rawQuery)
        val url = q["url"]?.let { runCatching { URI(it) }.getOrNull() }
        val service = q["service"]
        val user = q["user"]
        val pk = q["pk"]
        if (url?.host == null || service == null || user == null || pk == null) {
            return IchieResult.Err(IchieFailure.InvalidInput("the link lacks a field"))
        }
        val host = if (url.port > 0) "${url.host}:${url.port}" else url.host
        val known = knownServices[service]
        if (known != null && known.host != host) return IchieResult.Err(IchieFailure.ForgedLink(service, "server URL"))
        return IchieResult.Ok(LinkInfo(service, user, host, fingerprint(pk), known != null, known?.name))
    }

    private fun measure(): ClockCheck {
        val offset = deviceClockErrorMs - clockCorrectionMs
        val abs = kotlin.math.abs(offset)
        val status = when {
            abs <= 5_000 -> ClockStatus.FINE
            abs <= 30_000 -> ClockStatus.WARN
            else -> ClockStatus.CODES_WRONG
        }
        return ClockCheck(offset, 40, 80, 4, status, entries.minOfOrNull { it.periodSeconds } ?: 30)
    }

    private fun insert(
        issuer: String?, account: String, kind: TokenKind, digits: Int, period: Int,
        counter: Long, revoked: Boolean, server: String?,
    ): String {
        val id = "fake%04d".format(nextId++)
        entries += Entry(id, issuer, account, kind, digits, period, counter, id.hashCode().toLong(), revoked, server)
        return id
    }

    private fun find(id: String) = entries.firstOrNull { it.id == id }

    private fun Entry.view(): Token {
        val now = clock() + clockCorrectionMs
        val periodMs = periodSeconds * 1000L
        val totp = kind == TokenKind.TOTP
        val step = Math.floorDiv(now, periodMs)
        return Token(
            id = id, issuer = issuer, account = account, name = name(issuer, account), kind = kind,
            algorithm = HashAlgorithm.SHA1, digits = digits,
            periodSeconds = if (totp) periodSeconds else null,
            counter = if (totp) null else counter,
            code = if (totp) code(seed, step, digits) else null,
            nextCode = if (totp) code(seed, step + 1, digits) else null,
            msUntilNext = if (totp) periodMs - Math.floorMod(now, periodMs) else null,
            revoked = revoked, server = server, clockCorrectionMs = clockCorrectionMs,
        )
    }

    private companion object {
        const val FIVE_MINUTES_MS = 5 * 60_000L
        const val DAY_MS = 24 * 3_600_000L

        fun name(issuer: String?, account: String) = if (issuer.isNullOrBlank()) account else "$issuer ($account)"

        /** A deterministic stand-in for a code: a mixed function of seed and step. */
        fun code(seed: Long, step: Long, digits: Int): String {
            var x = seed * 0x9E3779B97F4A7C15uL.toLong() + step * 0xBF58476D1CE4E5B9uL.toLong()
            x = (x xor (x ushr 31)) * 0x94D049BB133111EBuL.toLong()
            x = x xor (x ushr 29)
            var modulus = 1L
            repeat(digits) { modulus *= 10 }
            return Math.floorMod(x, modulus).toString().padStart(digits, '0')
        }

        fun fingerprint(pk: String): String {
            val h = java.security.MessageDigest.getInstance("SHA-256").digest(pk.toByteArray())
            return h.take(16).chunked(2).joinToString(" ") { (a, b) -> "%02x%02x".format(a, b) }
        }

        fun parseQuery(raw: String?): Map<String, String> = raw.orEmpty().split('&').filter { '=' in it }.associate {
            URLDecoder.decode(it.substringBefore('='), "UTF-8") to URLDecoder.decode(it.substringAfter('='), "UTF-8")
        }
    }
}

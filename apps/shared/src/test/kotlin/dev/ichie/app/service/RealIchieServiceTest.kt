package dev.ichie.app.service

import java.nio.file.Files
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** RFC 6238's SHA-1 seed, `12345678901234567890`, in base32. */
const val RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
const val RFC_URI = "otpauth://totp/RFC%206238:alice?secret=$RFC_SECRET&digits=8&issuer=RFC%206238"

/** A fresh vault path in a temporary directory. */
fun tempVault(): String {
    val dir = Files.createTempDirectory("ichie-apps")
    dir.toFile().deleteOnExit()
    return dir.resolve("tokens.vault").toString()
}

/** Unwraps a success, or fails the test with the failure. */
fun <T> IchieResult<T>.ok(): T = when (this) {
    is IchieResult.Ok -> value
    is IchieResult.Err -> throw AssertionError("expected success, got $failure")
}

/** Opens a real vault (the core through the bindings) on a scripted clock. */
fun realService(clock: AtomicLong, maxTokens: Int = 10, config: ServiceConfig = ServiceConfig()): RealIchieService =
    runBlocking {
        val key = RealIchieService.newVaultKey().ok()
        RealIchieService.create(tempVault(), key, config, maxTokens, clock = clock::get).ok()
    }

/** The real core through RealIchieService: codes, changes, and errors in app terms. */
class RealIchieServiceTest {
    @Test
    fun rfc6238CodesThroughAScriptedClock() = runBlocking {
        val clock = AtomicLong(59_000)
        realService(clock).use { service ->
            assertEquals(1, service.addUri(RFC_URI).ok().added.size)
            val token = service.tokens().ok().single()
            assertEquals("94287082", token.code)
            assertEquals(1_000L, token.msUntilNext)
            assertEquals(30, token.periodSeconds)
            assertEquals(TokenKind.TOTP, token.kind)
            assertEquals("RFC 6238", token.issuer)
            assertEquals("alice", token.account)
            clock.set(1_111_111_109_000)
            assertEquals("07081804", service.tokens().ok().single().code)
            clock.set(1_234_567_890_000)
            assertEquals("89005924", service.tokens().ok().single().code)
        }
    }

    @Test
    fun callsRunOffTheCallersThread() = runBlocking {
        val seen = AtomicReference<Thread>()
        val key = RealIchieService.newVaultKey().ok()
        RealIchieService.create(tempVault(), key, clock = { seen.set(Thread.currentThread()); 59_000L }).ok().use {
            it.addUri(RFC_URI).ok()
            it.tokens().ok()
            assertNotEquals(Thread.currentThread(), seen.get())
        }
    }

    @Test
    fun hotpManualRenameMoveDelete() = runBlocking {
        realService(AtomicLong(59_000)).use { service ->
            val hotp = service.addManual(
                ManualEntry("Shop", "bob", RFC_SECRET, hotpCounter = 0),
            ).ok()
            // RFC 4226 appendix D: counters 0 and 1.
            assertEquals("755224", service.nextHotpCode(hotp).ok())
            assertEquals("287082", service.nextHotpCode(hotp).ok())
            val shop = service.tokens().ok().single()
            assertNull(shop.code)
            assertEquals(2L, shop.counter)
            val totp = service.addManual(ManualEntry("Bank", "taro", "JBSW Y3DP EHPK 3PXP", digits = 8, periodSeconds = 60)).ok()
            service.rename(totp, "Big Bank", "taro.yamada").ok()
            service.move(totp, 0).ok()
            assertEquals(listOf("Big Bank (taro.yamada)", "Shop (bob)"), service.tokens().ok().map { it.name })
            assertEquals(60, service.tokens().ok()[0].periodSeconds)
            service.delete(hotp).ok()
            assertEquals(listOf(totp), service.tokens().ok().map { it.id })
        }
    }

    @Test
    fun errorsArriveInAppTerms() = runBlocking {
        val clock = AtomicLong(59_000)
        realService(clock, maxTokens = 1).use { service ->
            assertTrue(service.addUri("otpauth://nonsense").failureOrNull() is IchieFailure.InvalidInput)
            val id = service.addUri(RFC_URI).ok().added.single()
            assertEquals(IchieFailure.Duplicate("RFC 6238 (alice)"), service.addUri(RFC_URI).failureOrNull())
            assertEquals(IchieFailure.VaultFull(1), service.addManual(ManualEntry("Bank", "taro", "JBSWY3DPEHPK3PXP")).failureOrNull())
            assertTrue(service.nextHotpCode(id).failureOrNull() is IchieFailure.InvalidInput)
            assertTrue(service.delete("no-such-token").failureOrNull() is IchieFailure.NotFound)
            assertTrue(service.move(id, 5).failureOrNull() is IchieFailure.InvalidInput)
            assertTrue(service.inspectLink("ichie://nonsense").failureOrNull() is IchieFailure.InvalidInput)
            assertEquals(IchieFailure.NotFound("demo"), service.activateWithService("demo", "taro", "123456").failureOrNull())
            assertEquals(IchieFailure.NoTimeServer, service.checkClock().failureOrNull())
        }
        realService(clock).use { service ->
            val link = "ichie://activate?v=2&url=https%3A%2F%2F127.0.0.1%3A1&service=demo&user=taro&kid=k1&pk=" + "A".repeat(43)
            val info = service.inspectLink(link).ok()
            assertEquals("127.0.0.1:1", info.host)
            assertEquals(false, info.knownService)
            assertEquals(
                IchieFailure.UnconfirmedService(info.host, info.keyFingerprint),
                service.activateWithLink(link, "123456", userConfirmedUnknownService = false).failureOrNull(),
            )
            assertTrue(service.activateWithLink(link, "12ab", true).failureOrNull() is IchieFailure.InvalidInput)
            assertTrue(service.activateWithLink(link, "123456", true).failureOrNull() is IchieFailure.Network)
            // A known service whose link carries another key: forged.
            val directory = """{"services":[{"service_id":"demo","name":"Demo","base_url":"https://127.0.0.1:1","keys":[{"key_id":"k1","public_key":"${"B".repeat(42)}A"}]}]}"""
            RealIchieService.create(tempVault(), RealIchieService.newVaultKey().ok(), ServiceConfig(directoryJson = directory)).ok().use {
                assertEquals(IchieFailure.ForgedLink("demo", "signing key"), it.inspectLink(link).failureOrNull())
            }
            // "Correct automatically" an hour: only forced.
            val hour = ClockCheck(3_600_000, 50, 100, 4, ClockStatus.CODES_WRONG, 30)
            val refused = service.applyClockCorrection(hour, force = false).failureOrNull()
            assertTrue(refused is IchieFailure.CorrectionRefused && refused.needsForce, refused.toString())
            assertEquals(3_600_000L, service.applyClockCorrection(hour, force = true).ok())
            service.addUri(RFC_URI).ok()
            clock.set(1_111_111_109_000 - 3_600_000)
            val corrected = service.tokens().ok().single()
            assertEquals(3_600_000L, corrected.clockCorrectionMs)
            assertEquals("07081804", corrected.code, "codes use the corrected time")
        }
    }

    @Test
    fun passphraseVaults() = runBlocking {
        val path = tempVault()
        RealIchieService.createWithPassphrase(path, "correct horse").ok().use { it.addUri(RFC_URI).ok() }
        assertEquals(IchieFailure.WrongPassphrase, RealIchieService.openWithPassphrase(path, "wrong horse").failureOrNull())
        RealIchieService.openWithPassphrase(path, "correct horse").ok().use { assertEquals(1, it.tokens().ok().size) }
        assertTrue(RealIchieService.openWithPassphrase(tempVault(), "x").failureOrNull() is IchieFailure.NoVault)
        assertEquals(IchieFailure.VaultExists(path), RealIchieService.createWithPassphrase(path, "x").failureOrNull())
        val key = RealIchieService.newVaultKey().ok()
        assertEquals(32, key.size)
        assertTrue(RealIchieService.create(tempVault(), ByteArray(5)).failureOrNull() is IchieFailure.InvalidInput)
    }
}

package dev.ichie

import java.io.File
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The offline facade: codes, adding, the vault round trip, and every offline error. */
class FacadeTest {
    @Test
    fun rfc6238VectorsThroughAScriptedClock() {
        val clock = ScriptedClock(59_000)
        IchieApp.create(tempVault(), generateVaultKey(), 10u, clock).use { app ->
            app.addUri(RFC_URI)
            // RFC 6238 appendix B, SHA-1, 8 digits.
            val vectors = listOf(
                59L to "94287082",
                1_111_111_109L to "07081804",
                1_111_111_111L to "14050471",
                1_234_567_890L to "89005924",
                2_000_000_000L to "69279037",
                20_000_000_000L to "65353130",
            )
            for ((seconds, code) in vectors) {
                clock.now.set(seconds * 1000)
                assertEquals(code, app.list().single().code, "T=$seconds")
            }
            clock.now.set(59_000)
            val view = app.list().single()
            assertEquals(1_000uL, view.msUntilNext)
            assertEquals("totp", view.kind)
            assertEquals(Algorithm.SHA1, view.algorithm)
        }
    }

    @Test
    fun addFromUriAndByHand() {
        IchieApp.create(tempVault(), generateVaultKey(), 10u, null).use { app ->
            val report = app.addUri("otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example")
            assertEquals(1, report.added.size)
            val hotp = app.addManual("Shop", "bob", "JBSW Y3DP EHPK 3PXQ", Algorithm.SHA1, 6u, null, 0uL)
            val views = app.list()
            assertEquals(listOf("Example (alice@example.com)", "Shop (bob)"), views.map { it.name })
            assertEquals(6, views[0].code!!.length)
            assertEquals(30u, views[0].periodS)
            assertNull(views[1].code)
            // RFC 4226-style HOTP: the counter advances on each request.
            assertEquals(0uL, views[1].counter)
            app.nextHotpCode(hotp)
            assertEquals(1uL, app.view(hotp).counter)
            assertEquals(hotp, app.find("shop").id)
        }
    }

    @Test
    fun vaultRoundTripAcrossTwoOpens() {
        val path = tempVault()
        val key = generateVaultKey()
        val clock = ScriptedClock(1_111_111_109_000)
        val before = IchieApp.create(path, key, 10u, clock).use { app ->
            app.addUri(RFC_URI)
            app.addUri("otpauth://totp/Example:bob?secret=JBSWY3DPEHPK3PXP&issuer=Example&period=60")
            app.moveTo(app.find("bob").id, 0uL)
            app.setClockCorrection(1_500)
            app.list()
        }
        IchieApp.open(path, key, 10u, clock).use { app ->
            val after = app.list()
            assertEquals(before.map { it.id }, after.map { it.id })
            assertEquals(before.map { it.code }, after.map { it.code })
            assertEquals(1_500L, app.clockCorrectionMs())
        }
        val passphrase = tempVault()
        IchieApp.createWithPassphrase(passphrase, "correct horse", 10u, null).use { it.addUri(RFC_URI) }
        IchieApp.openWithPassphrase(passphrase, "correct horse", 10u, null).use {
            assertEquals(1, it.list().size)
        }
        assertThrows<IchieException.WrongKey> {
            IchieApp.openWithPassphrase(passphrase, "wrong", 10u, null)
        }
    }

    @Test
    fun offlineErrorsArriveAsTheirExceptionTypes() {
        val path = tempVault()
        val key = generateVaultKey()
        assertThrows<IchieException.InvalidInput> { IchieApp.create(path, ByteArray(31), 10u, null) }
        assertThrows<IchieException.NoVault> { IchieApp.open(path, key, 10u, null) }
        val app = IchieApp.create(path, key, 2u, null)
        assertThrows<IchieException.VaultExists> { IchieApp.create(path, key, 2u, null) }
        assertThrows<IchieException.WrongKey> { IchieApp.open(path, generateVaultKey(), 2u, null) }
        val junk = File(path + ".junk").apply { writeText("ICHIEVLT garbage") }
        assertThrows<IchieException.CorruptVault> { IchieApp.open(junk.path, key, 2u, null) }

        assertThrows<IchieException.InvalidInput> { app.addUri("otpauth://totp/x?secret=!!!") }
        assertThrows<IchieException.InvalidInput> {
            app.addManual(null, "a", RFC_SECRET, Algorithm.SHA1, 9u, null, null)
        }
        val id = app.addUri(RFC_URI).added.single()
        assertThrows<IchieException.Duplicate> { app.addUri(RFC_URI) }.also {
            assertEquals("RFC 6238 (alice)", it.name)
        }
        app.addUri("otpauth://totp/Other:alice?secret=JBSWY3DPEHPK3PXP&issuer=Other")
        assertThrows<IchieException.VaultFull> {
            app.addUri("otpauth://totp/Third:carol?secret=KRSXG5CTMVRXEZLU&issuer=Third")
        }.also { assertEquals(2uL, it.limit) }
        assertThrows<IchieException.NoMatch> { app.delete("no-such-id") }
        assertThrows<IchieException.Ambiguous> { app.find("alice") }.also { assertEquals(2, it.names.size) }
        assertThrows<IchieException.InvalidInput> { app.moveTo(id, ULong.MAX_VALUE) }
        assertThrows<IchieException.InvalidInput> { app.nextHotpCode(id) }
        val backup = app.exportBackup("backup pass")
        assertThrows<IchieException.WrongKey> { app.importBackup(backup, "wrong") }
        assertThrows<IchieException.InvalidInput> { app.importBackup(ByteArray(10), "x") }
        assertTrue(app.importBackup(backup, "backup pass").added.isEmpty())
        app.close()
    }

    /** A throwing app clock reaches the caller as IchieException.Internal, not a Rust panic. */
    @Test
    fun aThrowingClockIsATypedError() {
        val broken = object : WallClock {
            override fun nowMs(): ULong = throw IllegalStateException("no time today")
        }
        IchieApp.create(tempVault(), generateVaultKey(), 10u, broken).use { app ->
            app.addUri("otpauth://totp/X?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
            assertThrows<IchieException.Internal> { app.list() }
            assertThrows<IchieException.Internal> { app.codes() }
            assertEquals(0L, app.clockCorrectionMs())
        }
    }

    /** The observer hears this handle's changes and, through checkForChanges, another handle's. */
    @Test
    fun changesAreObserved() {
        val path = tempVault()
        val key = generateVaultKey()
        IchieApp.create(path, key, 10u, null).use { app ->
            IchieApp.open(path, key, 10u, null).use { widget ->
                val seen = java.util.concurrent.atomic.AtomicInteger()
                app.setObserver(object : VaultObserver {
                    override fun vaultChanged() { seen.incrementAndGet() }
                })
                app.addUri("otpauth://totp/A:one?secret=JBSWY3DPEHPK3PXP")
                assertEquals(1, seen.get())
                widget.addUri("otpauth://totp/B:two?secret=GEZDGNBVGY3TQOJQ")
                assertTrue(app.checkForChanges())
                assertEquals(2, seen.get())
                assertEquals(2, app.list().size)
            }
        }
    }
}

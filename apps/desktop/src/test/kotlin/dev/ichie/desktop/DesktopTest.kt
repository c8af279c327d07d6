package dev.ichie.desktop

import dev.ichie.app.i18n.English
import dev.ichie.app.i18n.Japanese
import dev.ichie.app.service.IchieFailure
import dev.ichie.app.service.ServiceConfig
import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.advanceUntilIdle
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The desktop's configuration and passphrase unlock over the real core. */
@OptIn(ExperimentalCoroutinesApi::class)
class DesktopTest {
    @Test
    fun vaultPathFollowsTheCommandsConventions() {
        assertEquals(File("/data/ichie/tokens.vault"), DesktopConfig.from(mapOf("HOME" to "/home/t", "XDG_DATA_HOME" to "/data")).vault)
        assertEquals(File("/home/t/.local/share/ichie/tokens.vault"), DesktopConfig.from(mapOf("HOME" to "/home/t")).vault)
        assertEquals(File("/v/x.vault"), DesktopConfig.from(mapOf("HOME" to "/home/t", "ICHIE_VAULT" to "/v/x.vault")).vault)
        val ja = DesktopConfig.from(mapOf("HOME" to "/home/t", "ICHIE_LANG" to "ja", "ICHIE_THEME" to "dark", "ICHIE_TIME_URL" to "https://t/v1/time"))
        assertSame(Japanese, ja.strings)
        assertEquals(true, ja.dark)
        assertEquals("https://t/v1/time", ja.service.timeUrl)
        assertNull(ja.service.directoryJson, "no directory file")
        assertSame(English, DesktopConfig.from(mapOf("HOME" to "/home/t", "ICHIE_LANG" to "en")).strings)
    }

    @Test
    fun createThenUnlockWithThePassphrase() = runTest {
        val io = StandardTestDispatcher(testScheduler)
        val vault = Files.createTempDirectory("ichie-desktop").resolve("ichie/tokens.vault").toFile()
        val create = UnlockModel(vault, ServiceConfig(), this, io)
        assertTrue(create.state.value.creating)
        create.setPassphrase("correct horse")
        create.setRepeat("correct hose")
        create.unlock()
        assertTrue(create.state.value.mismatch)
        assertFalse(vault.exists())
        create.setRepeat("correct horse")
        create.unlock()
        advanceUntilIdle()
        create.state.value.service!!.close()
        assertTrue(vault.exists())

        val wrong = UnlockModel(vault, ServiceConfig(), this, io)
        assertFalse(wrong.state.value.creating)
        wrong.setPassphrase("wrong horse")
        wrong.unlock()
        advanceUntilIdle()
        assertNull(wrong.state.value.service)
        assertEquals(IchieFailure.WrongPassphrase, wrong.state.value.failure)
        assertEquals("Wrong passphrase.", English.describe(wrong.state.value.failure!!))
        assertEquals("", wrong.state.value.passphrase, "a wrong passphrase is cleared")

        val right = UnlockModel(vault, ServiceConfig(), this, io)
        right.setPassphrase("correct horse")
        right.unlock()
        advanceUntilIdle()
        val opened = right.state.value.service!!
        assertEquals(0, opened.tokens().getOrNull()!!.size)
        opened.close()
    }
}

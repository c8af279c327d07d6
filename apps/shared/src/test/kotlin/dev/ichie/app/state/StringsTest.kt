package dev.ichie.app.state

import dev.ichie.app.i18n.English
import dev.ichie.app.i18n.Japanese
import dev.ichie.app.i18n.Strings
import dev.ichie.app.service.IchieFailure
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Test

/** Grouping and the strings table. */
class StringsTest {
    @Test
    fun codesAreGroupedForReading() {
        assertEquals("123 456", groupCode("123456"))
        assertEquals("123 4567", groupCode("1234567"))
        assertEquals("1234 5678", groupCode("12345678"))
        assertEquals("12345", groupCode("12345"))
    }

    @Test
    fun everyFailureHasItsOwnWordsInBothLanguages() {
        val all = listOf(
            IchieFailure.WrongPassword(3), IchieFailure.Locked, IchieFailure.Expired, IchieFailure.Revoked,
            IchieFailure.RateLimited, IchieFailure.WrongServerKey("x"), IchieFailure.ForgedLink("s", "signing key"),
            IchieFailure.UnconfirmedService("h", "f"), IchieFailure.ClockOff(60_000),
            IchieFailure.CorrectionRefused("r", true), IchieFailure.NoTimeServer, IchieFailure.VaultFull(10), IchieFailure.WrongPassphrase,
            IchieFailure.DamagedVault("d"), IchieFailure.Duplicate("n"), IchieFailure.NotFound("q"),
            IchieFailure.Ambiguous("q", listOf("a", "b")), IchieFailure.InvalidInput("i"), IchieFailure.Network("n"),
            IchieFailure.Tls("t"), IchieFailure.Timeout, IchieFailure.ServerRefused("c", "r"),
            IchieFailure.NoVault("p"), IchieFailure.VaultExists("p"), IchieFailure.Storage("s"), IchieFailure.Internal("i"),
        )
        for (strings in listOf(English, Japanese)) {
            val texts = all.map(strings::describe)
            assertEquals(all.size, texts.toSet().size, "${strings.language}: two failures share their words")
        }
        all.forEach { assertNotEquals(English.describe(it), Japanese.describe(it)) }
    }

    @Test
    fun tablesByLocale() {
        assertSame(Japanese, Strings.forLanguage("ja-JP"))
        assertSame(English, Strings.forLanguage("en-GB"))
        assertSame(English, Strings.forLanguage("fr"))
        assertEquals("残り5秒", Japanese.secondsLeft(5))
        assertEquals("1 second left", English.secondsLeft(1))
    }
}

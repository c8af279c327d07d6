package dev.ichie.app.state

import dev.ichie.app.i18n.English
import dev.ichie.app.i18n.Japanese
import dev.ichie.app.service.FakeIchieService
import dev.ichie.app.service.IchieFailure
import dev.ichie.app.service.Operation
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

const val LINK = "ichie://activate?v=2&url=https%3A%2F%2Fotp.example.com&service=demo-bank&user=taro&kid=k1&pk=" +
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

/** Activation and adding: link confirmation, every error in words, the full vault. */
@OptIn(ExperimentalCoroutinesApi::class)
class AddModelTest {
    private class Setup(val fake: FakeIchieService, val model: AddModel) {
        var added = 0
    }

    private fun TestScope.setUp(maxTokens: Int = 10): Setup {
        val fake = FakeIchieService({ BASE_MS }, maxTokens)
        lateinit var setup: Setup
        setup = Setup(fake, AddModel(fake, backgroundScope) { setup.added++ })
        return setup
    }

    @Test
    fun anUnknownServiceNeedsConfirmationOfHostAndFingerprint() = runTest {
        val s = setUp()
        s.model.setLink(LINK)
        s.model.inspectLink()
        runCurrent()
        val asked = s.model.state.value.confirming
        assertNotNull(asked)
        assertEquals("otp.example.com", asked!!.host)
        assertEquals(39, asked.keyFingerprint.length, asked.keyFingerprint)
        assertFalse(s.model.state.value.linkReady)
        assertEquals("Unknown service at otp.example.com", English.linkSummary(null, asked.host, false))

        // Refusing drops the link; nothing was sent.
        s.model.rejectService()
        assertEquals("", s.model.state.value.link)
        assertEquals(0, s.fake.calls(Operation.ACTIVATE_LINK))

        s.model.setLink(LINK)
        s.model.inspectLink()
        runCurrent()
        s.model.confirmService()
        assertTrue(s.model.state.value.linkReady)
        assertNull(s.model.state.value.confirming)
        s.model.setPassword("12-34-56")
        assertEquals("123456", s.model.state.value.password)
        s.model.activate()
        runCurrent()
        assertEquals(listOf("demo-bank (taro)"), s.model.state.value.added)
        assertEquals(1, s.added)
    }

    @Test
    fun aKnownServiceNeedsNoDialogAndAForgedOneIsRefused() = runTest {
        val s = setUp()
        s.fake.knownServices["demo-bank"] = FakeIchieService.KnownService("Demo Bank", "otp.example.com")
        s.model.setLink(LINK)
        s.model.inspectLink()
        runCurrent()
        assertNull(s.model.state.value.confirming)
        assertTrue(s.model.state.value.linkReady)
        assertEquals("Known service: Demo Bank (otp.example.com)", English.linkSummary("Demo Bank", "otp.example.com", false))

        s.fake.knownServices["demo-bank"] = FakeIchieService.KnownService("Demo Bank", "bank.example.jp")
        s.model.setLink(LINK)
        s.model.inspectLink()
        runCurrent()
        val failure = s.model.state.value.failure
        assertEquals(IchieFailure.ForgedLink("demo-bank", "server URL"), failure)
        assertEquals(
            "This link does not match demo-bank as the app knows it (its server URL differs): it may be forged. Nothing was sent.",
            English.describe(failure!!),
        )
    }

    @Test
    fun wrongPasswordsCountDownThenLock() = runTest {
        val s = setUp()
        s.model.setLink(LINK)
        s.model.inspectLink()
        runCurrent()
        s.model.confirmService()
        s.model.setPassword("999999")
        s.model.activate()
        runCurrent()
        val wrong = s.model.state.value.failure!!
        assertEquals(IchieFailure.WrongPassword(4), wrong)
        assertEquals("Wrong activation password. 4 attempts left.", English.describe(wrong))
        assertEquals("アクティベーションパスワードが違います。残り4回です。", Japanese.describe(wrong))
        assertEquals("", s.model.state.value.password, "a wrong password is cleared")
        repeat(3) {
            s.model.setPassword("999999")
            s.model.activate()
            runCurrent()
        }
        assertEquals("Wrong activation password. 1 attempt left.", English.describe(s.model.state.value.failure!!))
        s.model.setPassword("999999")
        s.model.activate()
        runCurrent()
        val locked = s.model.state.value.failure!!
        assertEquals(IchieFailure.Locked, locked)
        assertEquals(
            "Too many wrong passwords: this activation is locked. Ask your administrator to unlock it.",
            English.describe(locked),
        )
        assertTrue(Japanese.describe(locked).contains("管理者"))
        assertEquals(0, s.added)
    }

    @Test
    fun everyActivationErrorIsWorded() = runTest {
        val cases = listOf(
            IchieFailure.Expired to "This activation has expired or was already used. Ask your administrator for a new one.",
            IchieFailure.Revoked to "The service revoked this token.",
            IchieFailure.WrongServerKey("bad signature") to
                "The server's answer does not match the key in the link: the link may be forged. Nothing was stored.",
            IchieFailure.VaultFull(10) to "The vault is full: it holds at most 10 tokens. Delete one to add another.",
            IchieFailure.Network("connection refused") to "Cannot reach the server. Check your connection and try again.",
            IchieFailure.Tls("unknown issuer") to "The secure connection failed: the server's certificate is not trusted.",
            IchieFailure.Timeout to "The server did not answer in time. Try again.",
            IchieFailure.RateLimited to "Too many attempts. Wait a minute and try again.",
        )
        val s = setUp()
        s.fake.knownServices["demo-bank"] = FakeIchieService.KnownService("Demo Bank", "otp.example.com")
        s.model.setLink(LINK)
        s.model.inspectLink()
        runCurrent()
        for ((failure, words) in cases) {
            s.fake.failNext(Operation.ACTIVATE_LINK, failure)
            s.model.setPassword("123456")
            s.model.activate()
            runCurrent()
            assertEquals(failure, s.model.state.value.failure)
            assertEquals(words, English.describe(failure), failure.toString())
            assertTrue(Japanese.describe(failure).isNotBlank())
            assertFalse(s.model.state.value.busy)
        }
        assertEquals(0, s.added)
    }

    @Test
    fun aClockThatIsOffIsOfferedACorrectionBeforeActivating() = runTest {
        val s = setUp()
        s.fake.deviceClockErrorMs = 120_000
        s.fake.knownServices["demo-bank"] = FakeIchieService.KnownService("Demo Bank", "otp.example.com")
        s.model.setLink(LINK)
        s.model.inspectLink()
        runCurrent()
        s.model.setPassword("123456")
        s.model.activate()
        runCurrent()
        val off = s.model.state.value.failure!!
        assertEquals(IchieFailure.ClockOff(120_000), off)
        assertTrue(s.model.state.value.canFixClock)
        assertEquals(
            "Your clock is 2 min behind: codes would be refused. Correct the clock first.",
            English.describe(off),
        )
        s.model.activate(fixClock = true)
        runCurrent()
        assertEquals(listOf("Demo Bank (taro)"), s.model.state.value.added)
        assertEquals(120_000, s.fake.clockCorrectionMs)
    }

    @Test
    fun byServiceIdAndUserId() = runTest {
        val s = setUp()
        s.model.select(AddMethod.SERVICE)
        s.model.setServiceId("demo-bank")
        s.model.setUserId("taro")
        s.model.setPassword("123456")
        s.model.activate()
        runCurrent()
        assertEquals(IchieFailure.NotFound("demo-bank"), s.model.state.value.failure)
        s.fake.knownServices["demo-bank"] = FakeIchieService.KnownService("Demo Bank", "otp.example.com")
        s.model.setPassword("123456")
        s.model.activate()
        runCurrent()
        assertEquals(listOf("Demo Bank (taro)"), s.model.state.value.added)
    }

    @Test
    fun uriAndManualEntryAndTheFullVault() = runTest {
        val s = setUp(maxTokens = 2)
        s.model.select(AddMethod.URI)
        s.model.setUri("otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub")
        s.model.addUri()
        runCurrent()
        assertEquals(1, s.model.state.value.added!!.size)
        s.model.reset()
        s.model.setUri("otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub")
        s.model.addUri()
        runCurrent()
        assertEquals("GitHub (octocat) is already in the vault.", English.describe(s.model.state.value.failure!!))

        s.model.select(AddMethod.MANUAL)
        s.model.setManual(ManualForm(issuer = "Bank", account = "taro", secret = "not base32!"))
        s.model.addManual()
        runCurrent()
        assertTrue(s.model.state.value.failure is IchieFailure.InvalidInput)
        s.model.setManual(ManualForm(issuer = "Bank", account = "taro", secret = "JBSW Y3DP EHPK 3PXQ", periodSeconds = 60))
        s.model.addManual()
        runCurrent()
        assertEquals(listOf("Bank taro"), s.model.state.value.added)
        s.model.reset()
        s.model.setManual(ManualForm(issuer = "Mail", account = "taro", secret = "JBSWY3DPEHPK3PXQ"))
        s.model.addManual()
        runCurrent()
        assertEquals(IchieFailure.VaultFull(2), s.model.state.value.failure)
        assertEquals(2, s.added)
    }
}

package dev.ichie.app.ui

import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.SemanticsMatcher
import androidx.compose.ui.test.assert
import androidx.compose.ui.test.onChild
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.assertIsNotEnabled
import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.assertTextEquals
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.performTextReplacement
import androidx.compose.ui.test.runComposeUiTest
import dev.ichie.app.i18n.Japanese
import dev.ichie.app.service.RFC_URI
import dev.ichie.app.service.RealIchieService
import dev.ichie.app.service.ok
import dev.ichie.app.service.tempVault
import dev.ichie.app.state.AppModels
import dev.ichie.app.state.MemoryClipboard
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.TestScope
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test

/** A Unix time on a 30 s boundary: 29 s later is RFC 6238's T = 1111111109. */
private const val RFC_BASE_MS = 1_111_111_080_000L

/**
 * The real core behind the real composables, on virtual time: the vault's
 * calls run on the test dispatcher, whose clock is also the core's clock.
 */
@OptIn(ExperimentalCoroutinesApi::class)
private class RealApp {
    val dispatcher = StandardTestDispatcher()
    val scope = TestScope(dispatcher)
    val clock = { RFC_BASE_MS + scope.testScheduler.currentTime }
    val clipboard = MemoryClipboard()
    val service: RealIchieService = scope.async {
        RealIchieService.create(tempVault(), RealIchieService.newVaultKey(dispatcher).ok(), clock = clock, io = dispatcher).ok()
    }.also { scope.testScheduler.runCurrent() }.getCompleted()
    val models = AppModels(service, scope, clipboard, clock)

    fun settle() = scope.testScheduler.runCurrent()

    fun advance(ms: Long) {
        scope.testScheduler.advanceTimeBy(ms)
        scope.testScheduler.runCurrent()
    }

    fun close() {
        scope.cancel()
        service.close()
    }
}

private fun hasDescription(text: String) = SemanticsMatcher.expectValue(SemanticsProperties.ContentDescription, listOf(text))

/** The shared composables, driven like a user would, over the real core and over the fake. */
@OptIn(ExperimentalTestApi::class)
class ComposeUiTest {
    @Test
    fun listShowsTheCoresCodesCountsDownAndCopies() = runComposeUiTest {
        val app = RealApp()
        try {
            app.scope.async { app.service.addUri(RFC_URI).ok() }
            app.settle()
            app.models.start()
            app.settle()
            setContent { IchieTheme(dark = false) { IchieAppContent(app.models) } }
            val id = app.models.list.state.value.tokens.single().id
            // RFC 6238 appendix B: T = 1111111109 → 07081804, T = 1111111111 → 14050471.
            assertEquals("07081804", Rfc6238.code(1_111_111_109))
            onNodeWithTag("code-$id", useUnmergedTree = true).assertTextEquals("0708 1804")
            onNodeWithTag("next-$id", useUnmergedTree = true).assertTextEquals("next 1405 0471")
            onNodeWithTag("ring-$id", useUnmergedTree = true).assert(hasDescription("30 seconds left"))
            onNodeWithText("RFC 6238").assertIsDisplayed()

            app.advance(25_000)
            waitForIdle()
            onNodeWithTag("ring-$id", useUnmergedTree = true).assert(hasDescription("5 seconds left"))
            onNodeWithTag("code-$id", useUnmergedTree = true).assertTextEquals("0708 1804")

            onNodeWithTag("token-$id").performClick()
            waitForIdle()
            assertEquals("07081804", app.clipboard.text())
            onNodeWithTag("copied-$id", useUnmergedTree = true).assertTextEquals("Copied · cleared in 30 s")

            app.advance(5_000)
            waitForIdle()
            onNodeWithTag("code-$id", useUnmergedTree = true).assertTextEquals("1405 0471")
            onNodeWithTag("ring-$id", useUnmergedTree = true).assert(hasDescription("30 seconds left"))
            assertEquals(Rfc6238.code(1_111_111_140), app.models.list.state.value.tokens.single().nextCode!!.replace(" ", ""))

            app.advance(25_000)
            waitForIdle()
            assertNull(app.clipboard.text(), "cleared 30 s after the copy")
            onNodeWithTag("copied-$id", useUnmergedTree = true).assertDoesNotExist()
        } finally {
            app.close()
        }
    }

    @Test
    fun renameAndDeleteWithConfirmationOverTheCore() = runComposeUiTest {
        val app = RealApp()
        try {
            app.scope.async { app.service.addUri(RFC_URI).ok() }
            app.settle()
            app.models.start()
            app.settle()
            setContent { IchieTheme(dark = true) { IchieAppContent(app.models) } }
            val id = app.models.list.state.value.tokens.single().id
            onNodeWithTag("details-$id").performClick()
            onNodeWithTag("issuer-field").performTextReplacement("Big Bank")
            onNodeWithTag("account-field").performTextReplacement("taro")
            onNodeWithTag("save").performClick()
            app.settle()
            waitForIdle()
            onNodeWithTag("saved").assertIsDisplayed()
            onNodeWithTag("back").performClick()
            waitForIdle()
            onNodeWithText("Big Bank").assertIsDisplayed()
            onNodeWithText("taro").assertIsDisplayed()
            assertEquals("Big Bank (taro)", app.scope.async { app.service.tokens().ok().single().name }.also { app.settle() }.getCompleted())

            onNodeWithTag("details-$id").performClick()
            onNodeWithTag("delete").performClick()
            onNodeWithTag("delete-question").assertTextEquals("Delete Big Bank taro for good? Its codes cannot be recovered.")
            onNodeWithTag("cancel-delete").performClick()
            app.settle()
            waitForIdle()
            onNodeWithTag("delete-question").assertDoesNotExist()
            assertEquals(1, app.scope.async { app.service.tokens().ok().size }.also { app.settle() }.getCompleted())

            onNodeWithTag("delete").performClick()
            onNodeWithTag("confirm-delete").performClick()
            app.settle()
            waitForIdle()
            onNodeWithTag("empty").assertTextContains("No tokens yet", substring = true)
            assertEquals(0, app.scope.async { app.service.tokens().ok().size }.also { app.settle() }.getCompleted())
        } finally {
            app.close()
        }
    }

    @Test
    fun revokedBadgeAndFullVault() = runComposeUiTest {
        val app = FakeApp(maxTokens = 10)
        // First, so that the lazy list composes its row.
        val gone = app.fake.seed("Old portal", "taro", server = "https://otp.example.com")
        repeat(9) { app.fake.seed("Issuer $it", "user$it") }
        app.models.start()
        app.settle()
        setContent { IchieTheme(dark = false) { IchieAppContent(app.models) } }
        onNodeWithTag("revoked-$gone", useUnmergedTree = true).assertDoesNotExist()
        // The service revokes it; the user asks the servers.
        app.fake.revoke(gone)
        onNodeWithTag("refresh-status").performClick()
        app.settle()
        waitForIdle()
        onNodeWithTag("revoked-$gone", useUnmergedTree = true).onChild().assertTextEquals("Revoked")
        onNodeWithText("Revoked by the service: its codes no longer work.").assertIsDisplayed()
        onNodeWithTag("code-$gone", useUnmergedTree = true).assertDoesNotExist()
        onNodeWithTag("vault-full").assertTextContains("The vault is full: it holds at most 10 tokens.", substring = true)
        onNodeWithTag("add").assertIsNotEnabled()
        onNodeWithTag("token-$gone").assertIsNotEnabled()
        assertNull(app.clipboard.text())
        app.close()
    }

    @Test
    fun clockBannerCorrectsAfterAskingToForce() = runComposeUiTest {
        val app = FakeApp.typical()
        app.fake.deviceClockErrorMs = 3_600_000
        setContent { IchieTheme(dark = false) { IchieAppContent(app.models) } }
        onNodeWithTag("clock-banner-card").assertDoesNotExist()
        onNodeWithTag("check-clock").performClick()
        app.settle()
        waitForIdle()
        onNodeWithTag("clock-banner").assertTextContains("Your clock is 1 h behind: codes may be refused.", substring = true)
        onNodeWithTag("correct-clock").performClick()
        app.settle()
        waitForIdle()
        onNodeWithTag("clock-banner").assertTextContains("That is a large correction (1 h). Correct anyway?", substring = true)
        assertEquals(0, app.fake.clockCorrectionMs)
        onNodeWithTag("force-clock").performClick()
        app.settle()
        waitForIdle()
        onNodeWithTag("clock-banner").assertTextContains("Clock corrected: codes now use +1 h.", substring = true)
        assertEquals(3_600_000, app.fake.clockCorrectionMs)
        // Each row says its codes use the correction.
        val first = app.models.list.state.value.tokens.first().id
        onNodeWithTag("token-$first").assertTextContains("clock +1 h")
        app.close()
    }

    @Test
    fun wrongPasswordWithAttemptsLeftThenLocked() = runComposeUiTest {
        val app = FakeApp()
        app.models.start()
        app.settle()
        setContent { IchieTheme(dark = false) { AddScreen(app.models.add, full = false, maxTokens = 10, onBack = {}) } }
        onNodeWithTag("link-field").performTextInput(FakeApp.SCENE_LINK)
        onNodeWithTag("check-link").performClick()
        app.settle()
        waitForIdle()
        // An unknown service: the dialog shows host and fingerprint before anything is sent.
        onNodeWithTag("confirm-host").assertTextEquals("otp.example.com")
        onNodeWithTag("confirm-fingerprint").assertTextEquals(app.models.add.state.value.confirming!!.keyFingerprint)
        onNodeWithTag("trust").performClick()
        waitForIdle()
        onNodeWithTag("confirm-dialog").assertDoesNotExist()
        onNodeWithTag("link-summary").assertTextEquals("Confirmed by you: otp.example.com")
        for (left in 4 downTo 1) {
            onNodeWithTag("password-field").performTextInput("000000")
            onNodeWithTag("activate").performClick()
            app.settle()
            waitForIdle()
            val words = if (left == 1) "1 attempt left." else "$left attempts left."
            onNodeWithTag("add-failure").assertTextContains("Wrong activation password. $words", substring = true)
        }
        onNodeWithTag("password-field").performTextInput("000000")
        onNodeWithTag("activate").performClick()
        app.settle()
        waitForIdle()
        onNodeWithTag("add-failure").assertTextContains(
            "Too many wrong passwords: this activation is locked. Ask your administrator to unlock it.", substring = true,
        )
        app.close()
    }

    @Test
    fun japaneseWordsOnTheScreens() = runComposeUiTest {
        val app = FakeApp.wrongPassword()
        setContent { IchieTheme(dark = false, strings = Japanese) { AddScreen(app.models.add, full = false, maxTokens = 10, onBack = {}) } }
        onNodeWithTag("add-failure").assertTextContains("アクティベーションパスワードが違います。残り4回です。", substring = true)
        onNodeWithText("トークンを追加").assertIsDisplayed()
        app.close()
    }
}

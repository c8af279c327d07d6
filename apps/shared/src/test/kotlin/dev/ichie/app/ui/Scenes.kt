package dev.ichie.app.ui

import dev.ichie.app.service.FakeIchieService
import dev.ichie.app.service.TokenKind
import dev.ichie.app.state.AddMethod
import dev.ichie.app.state.AppModels
import dev.ichie.app.state.MemoryClipboard
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.cancel
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.TestScope

/** A Unix time on a whole minute: 30 s and 60 s steps both start here. */
const val SCENE_BASE_MS = 1_800_000_000_000L

/**
 * The fake app on virtual time: models over a [FakeIchieService] whose clock
 * is [scope]'s scheduler, so a scene is the same on every run.
 */
@OptIn(ExperimentalCoroutinesApi::class)
class FakeApp(maxTokens: Int = 10) {
    val scope = TestScope(StandardTestDispatcher())
    val clock = { SCENE_BASE_MS + scope.testScheduler.currentTime }
    val fake = FakeIchieService(clock, maxTokens)
    val clipboard = MemoryClipboard()
    val models = AppModels(fake, scope, clipboard, clock)

    /** Runs what is due now. */
    fun settle() = scope.testScheduler.runCurrent()

    /** Moves virtual time on by [ms] and runs what became due. */
    fun advance(ms: Long) {
        scope.testScheduler.advanceTimeBy(ms)
        scope.testScheduler.runCurrent()
    }

    /** Ends the models' coroutines. */
    fun close() = scope.cancel()

    companion object {
        /** A list a user might have: two steps, 6 and 8 digits, an HOTP token, a revoked one. */
        fun typical(japanese: Boolean = false): FakeApp = FakeApp().apply {
            fake.seed("GitHub", "octocat")
            fake.seed(if (japanese) "デモ銀行" else "Demo Bank", "taro", periodSeconds = 60, digits = 8, server = "https://otp.example.com")
            fake.seed("Mail", "taro@example.jp")
            fake.seed("Shop", "hanako", kind = TokenKind.HOTP)
            val old = fake.seed(if (japanese) "旧ポータル" else "Old portal", "taro", server = "https://otp.example.com")
            fake.revoke(old)
            models.start()
            settle()
        }

        /** The link tab after a wrong password against a known service. */
        fun wrongPassword(): FakeApp = FakeApp().apply {
            fake.knownServices["demo-bank"] = FakeIchieService.KnownService("Demo Bank", "otp.example.com")
            models.start()
            models.add.select(AddMethod.LINK)
            models.add.setLink(SCENE_LINK)
            models.add.inspectLink()
            settle()
            models.add.setPassword("000000")
            models.add.activate()
            settle()
        }

        /** The confirmation dialog of a service the directory does not list. */
        fun unknownService(): FakeApp = FakeApp().apply {
            models.start()
            models.add.setLink(SCENE_LINK)
            models.add.inspectLink()
            settle()
        }

        const val SCENE_LINK = "ichie://activate?v=2&url=https%3A%2F%2Fotp.example.com&service=demo-bank&user=taro&kid=k1&pk=" +
            "q1Xh3vZk8V0JmX2bR7m0c9yTq3kW5nB1sD4fG6hJ8kA"
    }
}


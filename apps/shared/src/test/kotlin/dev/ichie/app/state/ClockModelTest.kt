package dev.ichie.app.state

import dev.ichie.app.i18n.English
import dev.ichie.app.i18n.Japanese
import dev.ichie.app.service.ClockStatus
import dev.ichie.app.service.FakeIchieService
import dev.ichie.app.service.IchieFailure
import dev.ichie.app.service.Operation
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The clock banner and "correct automatically". */
@OptIn(ExperimentalCoroutinesApi::class)
class ClockModelTest {
    @Test
    fun aFineClockShowsNoBanner() = runTest {
        val fake = FakeIchieService({ BASE_MS })
        val model = ClockModel(fake, backgroundScope) {}
        fake.deviceClockErrorMs = 1_200
        model.check()
        runCurrent()
        assertEquals(ClockBanner.Hidden, model.banner.value)
    }

    @Test
    fun aClockOffIsCorrectedAutomatically() = runTest {
        val fake = FakeIchieService({ BASE_MS })
        fake.seed("Bank", "taro")
        var corrected = 0
        val model = ClockModel(fake, backgroundScope) { corrected++ }
        fake.deviceClockErrorMs = 65_000
        model.check()
        runCurrent()
        val off = model.banner.value as ClockBanner.Off
        assertEquals(ClockStatus.CODES_WRONG, off.check.status)
        assertEquals("Your clock is 1 min 5 s behind: codes may be refused.", English.clockOff(off.check.offsetMs))
        assertEquals("端末の時計が1分5秒遅れています。コードが拒否されるおそれがあります。", Japanese.clockOff(off.check.offsetMs))
        model.correct()
        runCurrent()
        assertEquals(ClockBanner.Corrected(65_000), model.banner.value)
        assertEquals(1, corrected)
        assertEquals(65_000, fake.clockCorrectionMs)
        // Checked again, the clock is now fine.
        model.check()
        runCurrent()
        assertEquals(ClockBanner.Hidden, model.banner.value)
    }

    @Test
    fun aLargeCorrectionIsForcedOnlyAfterAsking() = runTest {
        val fake = FakeIchieService({ BASE_MS })
        val model = ClockModel(fake, backgroundScope) {}
        fake.deviceClockErrorMs = -3_600_000
        model.check()
        runCurrent()
        assertEquals("Your clock is 1 h ahead: codes may be refused.", English.clockOff(-3_600_000))
        model.correct()
        runCurrent()
        val ask = model.banner.value
        assertTrue(ask is ClockBanner.NeedsForce, ask.toString())
        assertEquals(0, fake.clockCorrectionMs, "nothing stored before the user agrees")
        assertEquals(1, fake.calls(Operation.APPLY_CORRECTION))
        model.confirmForce()
        runCurrent()
        assertEquals(ClockBanner.Corrected(-3_600_000), model.banner.value)
        assertEquals(-3_600_000, fake.clockCorrectionMs)
        assertEquals("Clock corrected: codes now use −1 h.", English.clockCorrected(-3_600_000))
    }

    @Test
    fun failuresAreShown() = runTest {
        val fake = FakeIchieService({ BASE_MS })
        val model = ClockModel(fake, backgroundScope) {}
        fake.failNext(Operation.CHECK_CLOCK, IchieFailure.Network("connection refused"))
        model.check()
        runCurrent()
        val failed = model.banner.value as ClockBanner.Failed
        assertEquals("Cannot reach the server. Check your connection and try again.", English.describe(failed.failure))
        // A correction refused outright (beyond 24 h) is not offered as "force".
        fake.deviceClockErrorMs = 90_000_000
        model.check()
        runCurrent()
        model.correct()
        runCurrent()
        assertEquals(
            ClockBanner.Failed(IchieFailure.CorrectionRefused("beyond 24 hours", needsForce = false)),
            model.banner.value,
        )
    }
}

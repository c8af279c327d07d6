package dev.ichie.app.state

import dev.ichie.app.service.ClockCheck
import dev.ichie.app.service.ClockStatus
import dev.ichie.app.service.IchieFailure
import dev.ichie.app.service.IchieResult
import dev.ichie.app.service.IchieService
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch

/** What the clock banner above the list shows. */
sealed interface ClockBanner {
    /** Nothing: the clock is fine, or it was not checked. */
    data object Hidden : ClockBanner

    /** The clock is off ([ClockCheck.status] WARN or CODES_WRONG): offer "correct automatically". */
    data class Off(val check: ClockCheck) : ClockBanner

    /** The correction is large (beyond 5 minutes): ask before forcing it. */
    data class NeedsForce(val check: ClockCheck) : ClockBanner

    /** The correction was stored: codes now use it. */
    data class Corrected(val correctionMs: Long) : ClockBanner

    /** Checking or correcting failed. */
    data class Failed(val failure: IchieFailure) : ClockBanner
}

/**
 * Holds the clock banner: checks the clock, and "correct automatically"
 * stores the measured offset; when the core refuses because the correction
 * needs forcing, the banner asks and [confirmForce] forces it.
 * [onCorrected] runs after a correction is stored (re-read the codes).
 */
class ClockModel(
    private val service: IchieService,
    private val scope: CoroutineScope,
    private val onCorrected: () -> Unit,
) {
    private val _banner = MutableStateFlow<ClockBanner>(ClockBanner.Hidden)

    /** The banner's state. */
    val banner: StateFlow<ClockBanner> = _banner.asStateFlow()

    /** Checks the clock; the banner shows only when it is not fine. */
    fun check() {
        scope.launch {
            _banner.value = when (val result = service.checkClock()) {
                is IchieResult.Err -> ClockBanner.Failed(result.failure)
                is IchieResult.Ok ->
                    if (result.value.status == ClockStatus.FINE) ClockBanner.Hidden else ClockBanner.Off(result.value)
            }
        }
    }

    /** "Correct automatically": stores the offset the check measured. */
    fun correct() {
        val check = (_banner.value as? ClockBanner.Off)?.check ?: return
        apply(check, force = false)
    }

    /** The user agreed to a large correction. */
    fun confirmForce() {
        val check = (_banner.value as? ClockBanner.NeedsForce)?.check ?: return
        apply(check, force = true)
    }

    /** Hides the banner. */
    fun dismiss() {
        _banner.value = ClockBanner.Hidden
    }

    private fun apply(check: ClockCheck, force: Boolean) {
        scope.launch {
            when (val result = service.applyClockCorrection(check, force)) {
                is IchieResult.Ok -> {
                    _banner.value = ClockBanner.Corrected(result.value)
                    onCorrected()
                }
                is IchieResult.Err -> {
                    val failure = result.failure
                    _banner.value = if (failure is IchieFailure.CorrectionRefused && failure.needsForce && !force) {
                        ClockBanner.NeedsForce(check)
                    } else {
                        ClockBanner.Failed(failure)
                    }
                }
            }
        }
    }
}

package dev.ichie.android

import java.security.SecureRandom

/**
 * When SecureClipboard clears what it copied. A copy carries a random stamp
 * in its ClipDescription extras; after [CLEAR_AFTER_MS] the clip is cleared
 * if it still carries that stamp. Android 10+ does not let an app in the
 * background read the clipboard ([ClipState.Unreadable]): then it clears
 * when [clearWhenUnreadable] (the default — a code lingering on the
 * clipboard is the larger risk than losing something copied after it).
 */
object ClipboardPolicy {
    /** How long a copied code stays on the clipboard. */
    const val CLEAR_AFTER_MS = 30_000L

    /** `ClipDescription.EXTRA_IS_SENSITIVE` (API 33); the same key is honoured below 33. */
    const val EXTRA_IS_SENSITIVE = "android.content.extra.IS_SENSITIVE"

    /** The extra holding the copy's stamp. */
    const val EXTRA_STAMP = "dev.ichie.clip.stamp"

    /** What the clipboard holds when the timer fires. */
    sealed interface ClipState {
        /** A clip, with its stamp if it has one. */
        data class Clip(val stamp: Long?) : ClipState

        /** Nothing readable: empty, or the platform refused to tell (no focus, Android 10+). */
        data object Unreadable : ClipState
    }

    private val random = SecureRandom()

    /** A fresh, non-zero stamp for one copy. */
    fun newStamp(): Long {
        while (true) {
            val stamp = random.nextLong()
            if (stamp != 0L) return stamp
        }
    }

    /** Whether to clear the clipboard for the copy stamped [copied], finding [state]. */
    fun shouldClear(copied: Long, state: ClipState, clearWhenUnreadable: Boolean = true): Boolean =
        when (state) {
            is ClipState.Clip -> state.stamp == copied
            ClipState.Unreadable -> clearWhenUnreadable
        }
}

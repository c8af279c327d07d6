package dev.ichie.android

import android.content.ClipData
import android.content.ClipDescription
import android.content.ClipboardManager
import android.content.Context
import android.os.Build
import android.os.Handler
import android.os.Looper
import android.os.PersistableBundle

/**
 * Copies a code to the clipboard marked sensitive (keyboards and the
 * Android 13+ preview hide it) and clears it after
 * [ClipboardPolicy.CLEAR_AFTER_MS] if it is still our copy
 * ([ClipboardPolicy.shouldClear]). The timer lives in the process: if the
 * process dies first, the clip stays until something else replaces it.
 */
class SecureClipboard(
    context: Context,
    private val clearAfterMs: Long = ClipboardPolicy.CLEAR_AFTER_MS,
    private val handler: Handler = Handler(Looper.getMainLooper()),
) {
    private val clipboard = context.getSystemService(ClipboardManager::class.java)
        ?: error("no ClipboardManager")
    private var pending: Runnable? = null

    /** Puts [text] on the clipboard under [label], sensitive, and schedules the clear. */
    fun copy(label: String, text: String) {
        val stamp = ClipboardPolicy.newStamp()
        val clip = ClipData.newPlainText(label, text)
        clip.description.extras = PersistableBundle().apply {
            putBoolean(sensitiveKey(), true)
            putLong(ClipboardPolicy.EXTRA_STAMP, stamp)
        }
        clipboard.setPrimaryClip(clip)
        pending?.let(handler::removeCallbacks)
        val clear = Runnable { clearIfOurs(stamp) }
        pending = clear
        handler.postDelayed(clear, clearAfterMs)
    }

    private fun clearIfOurs(stamp: Long) {
        pending = null
        if (!ClipboardPolicy.shouldClear(stamp, state())) return
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
            clipboard.clearPrimaryClip()
        } else {
            clipboard.setPrimaryClip(ClipData.newPlainText("", ""))
        }
    }

    private fun state(): ClipboardPolicy.ClipState {
        // Android 10+: null for an app without focus, as for an empty clipboard.
        val description = clipboard.primaryClipDescription ?: return ClipboardPolicy.ClipState.Unreadable
        val extras = description.extras
        val stamp = if (extras != null && extras.containsKey(ClipboardPolicy.EXTRA_STAMP)) {
            extras.getLong(ClipboardPolicy.EXTRA_STAMP)
        } else {
            null
        }
        return ClipboardPolicy.ClipState.Clip(stamp)
    }

    private fun sensitiveKey(): String =
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            ClipDescription.EXTRA_IS_SENSITIVE
        } else {
            ClipboardPolicy.EXTRA_IS_SENSITIVE
        }
}

package dev.ichie.android

import dev.ichie.android.ClipboardPolicy.ClipState
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class ClipboardPolicyTest {
    @Test
    fun `our unchanged copy is cleared`() {
        val stamp = ClipboardPolicy.newStamp()
        assertTrue(ClipboardPolicy.shouldClear(stamp, ClipState.Clip(stamp)))
    }

    @Test
    fun `a newer copy, ours or another app's, is kept`() {
        val first = ClipboardPolicy.newStamp()
        val second = ClipboardPolicy.newStamp()
        assertNotEquals(first, second)
        assertFalse(ClipboardPolicy.shouldClear(first, ClipState.Clip(second)))
        assertFalse(ClipboardPolicy.shouldClear(first, ClipState.Clip(null)))
    }

    @Test
    fun `an unreadable clipboard is cleared unless told otherwise`() {
        val stamp = ClipboardPolicy.newStamp()
        assertTrue(ClipboardPolicy.shouldClear(stamp, ClipState.Unreadable))
        assertFalse(ClipboardPolicy.shouldClear(stamp, ClipState.Unreadable, clearWhenUnreadable = false))
    }

    @Test
    fun `stamps are not zero and do not repeat`() {
        val stamps = List(10_000) { ClipboardPolicy.newStamp() }
        assertFalse(0L in stamps)
        assertEquals(stamps.size, stamps.toSet().size)
    }

    @Test
    fun `the sensitive extra is the framework's key and the delay is 30 s`() {
        // android-all is on the test classpath: the literal used below API 33
        // must be what API 33's constant says.
        assertEquals(android.content.ClipDescription.EXTRA_IS_SENSITIVE, ClipboardPolicy.EXTRA_IS_SENSITIVE)
        assertEquals(30_000L, ClipboardPolicy.CLEAR_AFTER_MS)
    }
}

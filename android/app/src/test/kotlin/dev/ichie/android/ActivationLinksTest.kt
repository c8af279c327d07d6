package dev.ichie.android

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test

class ActivationLinksTest {
    private val view = ActivationLinks.ACTION_VIEW
    private val link = "ichie://activate?v=2&url=https%3A%2F%2Fotp.example.com&service=demo-bank" +
        "&user=taro&kid=k1&pk=11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"

    @Test
    fun `a VIEW intent with an activation link yields the link`() {
        assertEquals(link, ActivationLinks.fromIntent(view, link))
        assertEquals(link, ActivationLinks.fromIntent(view, "  $link\n"))
        val upper = "ICHIE://Activate?" + link.removePrefix("ichie://activate?")
        assertEquals(upper, ActivationLinks.fromIntent(view, upper))
    }

    @Test
    fun `other actions and missing data yield nothing`() {
        assertNull(ActivationLinks.fromIntent("android.intent.action.MAIN", link))
        assertNull(ActivationLinks.fromIntent(null, link))
        assertNull(ActivationLinks.fromIntent(view, null))
    }

    @Test
    fun `other URIs yield nothing`() {
        for (data in listOf(
            "",
            "ichie://activate",
            "ichie://activate?",
            "ichie://activatex?v=2",
            "ichie://evil/activate?v=2",
            "ichiex://activate?v=2",
            "https://otp.example.com/activate?v=2&service=s",
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP",
        )) {
            assertNull(ActivationLinks.fromIntent(view, data), data)
        }
    }

    @Test
    fun `control characters, spaces inside and overlong data are refused`() {
        assertNull(ActivationLinks.fromIntent(view, "ichie://activate?v=2&user=a b"))
        assertNull(ActivationLinks.fromIntent(view, "ichie://activate?v=2&user=a\u0000b"))
        assertNull(ActivationLinks.fromIntent(view, "ichie://activate?v=2&user=t\u00e4ro"))
        val long = "ichie://activate?v=2&user=" + "a".repeat(ActivationLinks.MAX_LENGTH)
        assertNull(ActivationLinks.fromIntent(view, long))
        val justFits = "ichie://activate?u=" + "a".repeat(ActivationLinks.MAX_LENGTH - 19)
        assertEquals(ActivationLinks.MAX_LENGTH, justFits.length)
        assertEquals(justFits, ActivationLinks.fromIntent(view, justFits))
    }
}

package dev.ichie.android

/**
 * Picks the activation link out of an Intent's action and data string
 * (`intent.action`, `intent.dataString`) for the `ichie://activate` filter in
 * the manifest. Plain strings so that it is unit-tested on the JVM; the link
 * itself is parsed and checked against the service directory in Rust
 * (`inspectActivationLink`, `activateWithLink`).
 */
object ActivationLinks {
    /** `Intent.ACTION_VIEW`. */
    const val ACTION_VIEW = "android.intent.action.VIEW"

    /** The prefix the core accepts (core/src/activation/link.rs), compared ignoring case. */
    const val PREFIX = "ichie://activate?"

    /** Longer data is not a link from an issuance e-mail. */
    const val MAX_LENGTH = 4096

    /**
     * The link when [action] is VIEW and [data] is an `ichie://activate?…`
     * URI of printable ASCII (an activation link is percent-encoded), else null.
     */
    fun fromIntent(action: String?, data: String?): String? {
        if (action != ACTION_VIEW || data == null) return null
        val link = data.trim()
        if (link.length > MAX_LENGTH || link.length <= PREFIX.length) return null
        if (!link.regionMatches(0, PREFIX, 0, PREFIX.length, ignoreCase = true)) return null
        if (link.any { it < '!' || it > '~' }) return null
        return link
    }
}

package dev.ichie.app.state

/**
 * The system clipboard as the state holders use it: the desktop backs it
 * with AWT's clipboard, Android with `ClipboardManager` (marked sensitive),
 * tests with [MemoryClipboard].
 */
interface Clipboard {
    /** Puts [text] on the clipboard. */
    fun setText(text: String)

    /** What the clipboard holds as text, or null. */
    fun text(): String?

    /** Empties the clipboard. */
    fun clear()
}

/** A clipboard in memory, for tests and previews. */
class MemoryClipboard : Clipboard {
    private var content: String? = null

    override fun setText(text: String) {
        content = text
    }

    override fun text(): String? = content

    override fun clear() {
        content = null
    }
}

package dev.ichie.desktop

import dev.ichie.app.state.Clipboard
import java.awt.Toolkit
import java.awt.datatransfer.DataFlavor
import java.awt.datatransfer.StringSelection

/** The desktop's system clipboard (AWT). */
class AwtClipboard : Clipboard {
    private val system get() = Toolkit.getDefaultToolkit().systemClipboard

    override fun setText(text: String) = system.setContents(StringSelection(text), null)

    override fun text(): String? = runCatching { system.getData(DataFlavor.stringFlavor) as? String }.getOrNull()

    override fun clear() = system.setContents(StringSelection(""), null)
}

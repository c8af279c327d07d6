package dev.ichie.app.state

import dev.ichie.app.service.IchieService
import kotlinx.coroutines.CoroutineScope

/**
 * The state holders of one open vault, wired together: a correction, an
 * addition or an edit re-reads the list. Android and the desktop build one
 * over their [IchieService], clipboard and clock ([clock]: Unix ms).
 */
class AppModels(
    val service: IchieService,
    private val scope: CoroutineScope,
    clipboard: Clipboard,
    clock: () -> Long = System::currentTimeMillis,
) {
    /** The token list. */
    val list = TokenListModel(service, scope, clipboard, clock)

    /** The clock banner. */
    val clock = ClockModel(service, scope) { list.reload() }

    /** The add screen. */
    val add = AddModel(service, scope) { list.reload() }

    /** A details screen for [row] (rename, reorder, delete). */
    fun edit(row: TokenRow): TokenEditModel {
        val tokens = list.state.value.tokens
        return TokenEditModel(service, scope, row, tokens.indexOfFirst { it.id == row.id }, tokens.size) { list.reload() }
    }

    /** Reads the vault and starts the countdown. */
    fun start() = list.reload()
}

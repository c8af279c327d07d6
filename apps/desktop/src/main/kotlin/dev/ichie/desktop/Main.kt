package dev.ichie.desktop

import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.unit.dp
import androidx.compose.ui.window.Window
import androidx.compose.ui.window.application
import androidx.compose.ui.window.rememberWindowState
import dev.ichie.app.state.AppModels
import dev.ichie.app.ui.IchieAppContent
import dev.ichie.app.ui.IchieTheme

/**
 * Ichie on the desktop: one window, the passphrase unlock of the vault at
 * `$XDG_DATA_HOME/ichie/tokens.vault` (see [DesktopConfig]), then the shared
 * screens over [dev.ichie.app.service.RealIchieService].
 */
fun main() {
    val config = DesktopConfig.from()
    application {
        val scope = rememberCoroutineScope()
        val unlock = remember { UnlockModel(config.vault, config.service, scope) }
        val unlocked by unlock.state.collectAsState()
        val dark = config.dark ?: isSystemInDarkTheme()
        Window(
            onCloseRequest = ::exitApplication,
            title = config.strings.appName,
            state = rememberWindowState(width = 440.dp, height = 820.dp),
        ) {
            IchieTheme(dark = dark, strings = config.strings) {
                val service = unlocked.service
                if (service == null) {
                    UnlockScreen(unlock, config.vault)
                } else {
                    val models = remember(service) { AppModels(service, scope, AwtClipboard()) }
                    LaunchedEffect(models) {
                        models.start()
                        if (config.service.timeUrl != null) models.clock.check()
                    }
                    DisposableEffect(service) { onDispose { service.close() } }
                    IchieAppContent(models)
                }
            }
        }
    }
}

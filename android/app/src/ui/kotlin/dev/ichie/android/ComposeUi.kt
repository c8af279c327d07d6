package dev.ichie.android

import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import dev.ichie.app.i18n.English
import dev.ichie.app.i18n.Japanese
import dev.ichie.app.service.IchieFailure
import dev.ichie.app.service.IchieResult
import dev.ichie.app.service.RealIchieService
import dev.ichie.app.state.AppModels
import dev.ichie.app.state.Clipboard
import dev.ichie.app.ui.IchieAppContent
import dev.ichie.app.ui.IchieTheme
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.util.Locale

/**
 * The shared Compose UI (apps/shared) behind MainActivity: opens the vault
 * with the Keystore-wrapped key off the main thread, then shows the shared
 * screens; activation links go to the add screen. Compiled by Gradle only
 * (this source set needs Compose for Android, which these machines cannot
 * build); listed in META-INF/services/dev.ichie.android.SharedUiEntry.
 */
class ComposeUi : SharedUiEntry {
    private var models: AppModels? = null
    private var pendingLink: String? = null

    override fun show(activity: ComponentActivity, shell: AndroidShell, activationLink: String?) {
        pendingLink = activationLink
        val strings = if (Locale.getDefault().language == "ja") Japanese else English
        activity.setContent {
            val scope = rememberCoroutineScope()
            var opened by remember { mutableStateOf<IchieResult<RealIchieService>?>(null) }
            LaunchedEffect(Unit) {
                opened = withContext(Dispatchers.IO) {
                    // withVaultKey is inline (the suspend call is fine) and zeroes
                    // the key afterwards: the vault is open by then.
                    shell.withVaultKey { path, exists, key ->
                        if (exists) RealIchieService.open(path, key) else RealIchieService.create(path, key)
                    }
                }
            }
            IchieTheme(dark = isSystemInDarkTheme(), strings = strings) {
                when (val result = opened) {
                    null -> Unit
                    is IchieResult.Err -> VaultProblem(result.failure)
                    is IchieResult.Ok -> {
                        val service = result.value
                        val shared = remember(service) { AppModels(service, scope, SystemClipboard(shell.clipboard)) }
                        LaunchedEffect(shared) {
                            models = shared
                            shared.start()
                            pendingLink?.let { onActivationLink(it) }
                            pendingLink = null
                        }
                        DisposableEffect(service) { onDispose { service.close() } }
                        IchieAppContent(shared)
                    }
                }
            }
        }
    }

    override fun onActivationLink(link: String) {
        val shared = models
        if (shared == null) {
            pendingLink = link
        } else {
            shared.add.reset()
            shared.add.setLink(link)
            shared.add.inspectLink()
        }
    }
}

/** The vault could not be opened: the failure in the shared words. */
@androidx.compose.runtime.Composable
private fun VaultProblem(failure: IchieFailure) {
    androidx.compose.material3.Text(dev.ichie.app.ui.LocalStrings.current.describe(failure))
}

/**
 * Android's clipboard as the shared state holders see it. [SecureClipboard]
 * marks the code sensitive and clears it after 30 s itself; Android 10+
 * does not let a background app read the clipboard, so [text] reports
 * nothing and the shared model leaves the clearing to [SecureClipboard].
 */
private class SystemClipboard(private val clipboard: SecureClipboard) : Clipboard {
    override fun setText(text: String) = clipboard.copy("Ichie code", text)

    override fun text(): String? = null

    override fun clear() = Unit
}

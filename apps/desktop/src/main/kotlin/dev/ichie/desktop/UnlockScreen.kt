package dev.ichie.desktop

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.input.key.Key
import androidx.compose.ui.input.key.KeyEventType
import androidx.compose.ui.input.key.key
import androidx.compose.ui.input.key.onPreviewKeyEvent
import androidx.compose.ui.input.key.type
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import dev.ichie.app.ui.Header
import dev.ichie.app.ui.LocalStrings
import dev.ichie.app.ui.MessageCard
import java.io.File

/** The words of the unlock screen (desktop only), English and Japanese. */
data class UnlockWords(
    val unlockTitle: String,
    val createTitle: String,
    val passphrase: String,
    val repeat: String,
    val unlock: String,
    val create: String,
    val mismatch: String,
    val vaultAt: (String) -> String,
) {
    /** The tables. */
    companion object {
        /** For a language tag from the shared strings table. */
        fun forLanguage(language: String) = if (language == "ja") JA else EN

        private val EN = UnlockWords(
            "Unlock your tokens", "Create your vault", "Passphrase", "Repeat the passphrase", "Unlock", "Create",
            "The two passphrases differ.", { "Vault: $it" },
        )
        private val JA = UnlockWords(
            "トークンのロックを解除", "保管庫を作成", "パスフレーズ", "パスフレーズ (確認)", "ロック解除", "作成",
            "2つのパスフレーズが一致しません。", { "保管庫: $it" },
        )
    }
}

/** Enter in a field submits (a desktop keyboard has no IME action key). */
private fun Modifier.onEnter(action: () -> Unit) = onPreviewKeyEvent {
    val enter = it.key == Key.Enter || it.key == Key.NumPadEnter
    if (enter && it.type == KeyEventType.KeyDown) action()
    enter
}

/** Asks for the vault's passphrase (twice for a new vault). */
@Composable
fun UnlockScreen(model: UnlockModel, vault: File) {
    val strings = LocalStrings.current
    val words = UnlockWords.forLanguage(strings.language)
    val state by model.state.collectAsState()
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column(Modifier.fillMaxSize()) {
            Header(if (state.creating) words.createTitle else words.unlockTitle)
            Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(10.dp)) {
                Text(words.vaultAt(vault.path), style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
                OutlinedTextField(
                    state.passphrase, model::setPassphrase, label = { Text(words.passphrase) }, singleLine = true,
                    visualTransformation = PasswordVisualTransformation(),
                    keyboardOptions = KeyboardOptions(imeAction = if (state.creating) ImeAction.Next else ImeAction.Done),
                    keyboardActions = KeyboardActions(onDone = { model.unlock() }),
                    modifier = Modifier.fillMaxWidth().testTag("passphrase").onEnter(model::unlock),
                )
                if (state.creating) {
                    OutlinedTextField(
                        state.repeat, model::setRepeat, label = { Text(words.repeat) }, singleLine = true,
                        visualTransformation = PasswordVisualTransformation(),
                        keyboardOptions = KeyboardOptions(imeAction = ImeAction.Done),
                        keyboardActions = KeyboardActions(onDone = { model.unlock() }),
                        modifier = Modifier.fillMaxWidth().testTag("repeat").onEnter(model::unlock),
                    )
                }
                Button(onClick = model::unlock, enabled = !state.busy && state.passphrase.isNotEmpty(), modifier = Modifier.testTag("unlock")) {
                    Text(if (state.busy) strings.working else if (state.creating) words.create else words.unlock)
                }
            }
            if (state.mismatch) {
                MessageCard(words.mismatch, MaterialTheme.colorScheme.errorContainer, MaterialTheme.colorScheme.onErrorContainer, "unlock-failure")
            }
            state.failure?.let {
                MessageCard(strings.describe(it), MaterialTheme.colorScheme.errorContainer, MaterialTheme.colorScheme.onErrorContainer, "unlock-failure")
            }
        }
    }
}

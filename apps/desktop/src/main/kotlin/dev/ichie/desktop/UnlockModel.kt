package dev.ichie.desktop

import dev.ichie.app.service.IchieFailure
import dev.ichie.app.service.IchieResult
import dev.ichie.app.service.RealIchieService
import dev.ichie.app.service.ServiceConfig
import java.io.File
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * The unlock screen's state: a new vault asks for the passphrase twice.
 *
 * @property creating no vault exists yet at the path: one is created
 * @property mismatch the two passphrases differ
 */
data class UnlockState(
    val creating: Boolean,
    val passphrase: String = "",
    val repeat: String = "",
    val busy: Boolean = false,
    val mismatch: Boolean = false,
    val failure: IchieFailure? = null,
    val service: RealIchieService? = null,
)

/**
 * Opens the vault at [vault] with a passphrase (Argon2id in the core, the
 * same vault format as the `ichie` command), or creates it when absent.
 * The core runs on [io], never on the UI thread.
 */
class UnlockModel(
    private val vault: File,
    private val config: ServiceConfig,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    private val _state = MutableStateFlow(UnlockState(creating = !vault.exists()))

    /** The screen's state; [UnlockState.service] is set once the vault is open. */
    val state: StateFlow<UnlockState> = _state.asStateFlow()

    /** The passphrase field changed. */
    fun setPassphrase(value: String) = _state.update { it.copy(passphrase = value, failure = null, mismatch = false) }

    /** The "repeat passphrase" field changed. */
    fun setRepeat(value: String) = _state.update { it.copy(repeat = value, failure = null, mismatch = false) }

    /** Opens (or creates) the vault. */
    fun unlock() {
        val s = _state.value
        if (s.busy || s.passphrase.isEmpty()) return
        if (s.creating && s.passphrase != s.repeat) {
            _state.update { it.copy(mismatch = true) }
            return
        }
        _state.update { it.copy(busy = true, failure = null) }
        scope.launch {
            val result = if (s.creating) {
                vault.parentFile?.mkdirs()
                RealIchieService.createWithPassphrase(vault.path, s.passphrase, config, io = io)
            } else {
                RealIchieService.openWithPassphrase(vault.path, s.passphrase, config, io = io)
            }
            _state.update {
                when (result) {
                    is IchieResult.Ok -> it.copy(busy = false, passphrase = "", repeat = "", service = result.value)
                    // The vault went away since the screen opened: offer to create one.
                    is IchieResult.Err -> it.copy(
                        busy = false, passphrase = "", failure = result.failure,
                        creating = it.creating || result.failure is IchieFailure.NoVault,
                    )
                }
            }
        }
    }
}

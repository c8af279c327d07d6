package dev.ichie.app.state

import dev.ichie.app.service.IchieFailure
import dev.ichie.app.service.IchieResult
import dev.ichie.app.service.IchieService
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * The token details screen's state: the rename fields, the delete
 * confirmation, and whether the token is gone ([deleted]).
 */
data class TokenEditState(
    val id: String,
    val issuer: String,
    val account: String,
    val position: Int,
    val count: Int,
    val confirmingDelete: Boolean = false,
    val deleted: Boolean = false,
    val saved: Boolean = false,
    val failure: IchieFailure? = null,
)

/**
 * Holds the details of one token: rename, move up/down, delete after a
 * confirmation. [onChanged] runs after each stored change (re-read the list).
 */
class TokenEditModel(
    private val service: IchieService,
    private val scope: CoroutineScope,
    row: TokenRow,
    position: Int,
    count: Int,
    private val onChanged: () -> Unit,
) {
    private val _state = MutableStateFlow(
        TokenEditState(row.id, if (row.subtitle != null) row.title else "", row.subtitle ?: row.title, position, count),
    )

    /** The screen's state. */
    val state: StateFlow<TokenEditState> = _state.asStateFlow()

    /** The issuer field changed. */
    fun setIssuer(value: String) = _state.update { it.copy(issuer = value, saved = false, failure = null) }

    /** The account field changed. */
    fun setAccount(value: String) = _state.update { it.copy(account = value, saved = false, failure = null) }

    /** Stores the new issuer and account. */
    fun save() {
        val s = _state.value
        run({ service.rename(s.id, s.issuer.trim().ifEmpty { null }, s.account.trim()) }) { it.copy(saved = true) }
    }

    /** Moves the token one place up (toward the top of the list). */
    fun moveUp() = moveTo(_state.value.position - 1)

    /** Moves the token one place down. */
    fun moveDown() = moveTo(_state.value.position + 1)

    private fun moveTo(position: Int) {
        val s = _state.value
        if (position !in 0 until s.count) return
        run({ service.move(s.id, position) }) { it.copy(position = position) }
    }

    /** Asks "delete for good?" first. */
    fun requestDelete() = _state.update { it.copy(confirmingDelete = true) }

    /** The user said no. */
    fun cancelDelete() = _state.update { it.copy(confirmingDelete = false) }

    /** The user confirmed: the token is deleted. */
    fun confirmDelete() {
        if (!_state.value.confirmingDelete) return
        run({ service.delete(_state.value.id) }) { it.copy(confirmingDelete = false, deleted = true) }
    }

    private fun run(call: suspend () -> IchieResult<Unit>, done: (TokenEditState) -> TokenEditState) {
        scope.launch {
            when (val result = call()) {
                is IchieResult.Ok -> {
                    _state.update(done)
                    onChanged()
                }
                is IchieResult.Err -> _state.update { it.copy(failure = result.failure, confirmingDelete = false) }
            }
        }
    }
}

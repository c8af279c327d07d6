package dev.ichie.app.state

import dev.ichie.app.service.HashAlgorithm
import dev.ichie.app.service.IchieFailure
import dev.ichie.app.service.IchieResult
import dev.ichie.app.service.IchieService
import dev.ichie.app.service.LinkInfo
import dev.ichie.app.service.ManualEntry
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** The four ways to add a token. */
enum class AddMethod { LINK, SERVICE, URI, MANUAL }

/** The fields of the manual entry form. */
data class ManualForm(
    val issuer: String = "",
    val account: String = "",
    val secret: String = "",
    val digits: Int = 6,
    val periodSeconds: Int = 30,
    val algorithm: HashAlgorithm = HashAlgorithm.SHA1,
    val counterBased: Boolean = false,
)

/**
 * The add screen's state.
 *
 * @property inspected what the activation link claims, once checked
 * @property confirming a link of an unknown service awaiting the user's confirmation (the dialog)
 * @property confirmed the user confirmed [inspected]'s host and key fingerprint
 * @property failure what went wrong, in app terms (the strings table words it)
 * @property added the name (or names) of what was added: the screen is done
 */
data class AddState(
    val method: AddMethod = AddMethod.LINK,
    val link: String = "",
    val inspected: LinkInfo? = null,
    val confirming: LinkInfo? = null,
    val confirmed: Boolean = false,
    val serviceId: String = "",
    val userId: String = "",
    val password: String = "",
    val uri: String = "",
    val manual: ManualForm = ManualForm(),
    val busy: Boolean = false,
    val failure: IchieFailure? = null,
    val added: List<String>? = null,
    val skipped: List<String> = emptyList(),
) {
    /** The clock was refused: offer to correct it and activate again. */
    val canFixClock: Boolean get() = failure is IchieFailure.ClockOff

    /** The link is checked and known or confirmed: ask for the password. */
    val linkReady: Boolean get() = inspected != null && (inspected.knownService || confirmed)
}

/**
 * Holds the add screen: activation by link (inspect → confirm an unknown
 * service's host and fingerprint → password), by service ID + user ID,
 * an otpauth URI, or a hand-typed secret. [onAdded] runs after anything
 * was added (re-read the list).
 */
class AddModel(
    private val service: IchieService,
    private val scope: CoroutineScope,
    private val onAdded: () -> Unit,
) {
    private val _state = MutableStateFlow(AddState())

    /** The screen's state. */
    val state: StateFlow<AddState> = _state.asStateFlow()

    /** Switches between link, service, URI and manual entry. */
    fun select(method: AddMethod) = _state.update { it.copy(method = method, failure = null) }

    /** The link field changed: a new link must be inspected again. */
    fun setLink(link: String) =
        _state.update { it.copy(link = link, inspected = null, confirmed = false, confirming = null, failure = null) }

    /** The service ID field changed. */
    fun setServiceId(value: String) = _state.update { it.copy(serviceId = value, failure = null) }

    /** The user ID field changed. */
    fun setUserId(value: String) = _state.update { it.copy(userId = value, failure = null) }

    /** The activation password field changed (digits only are kept). */
    fun setPassword(value: String) = _state.update { it.copy(password = value.filter(Char::isDigit).take(8), failure = null) }

    /** The URI field changed. */
    fun setUri(value: String) = _state.update { it.copy(uri = value, failure = null) }

    /** A manual entry field changed. */
    fun setManual(form: ManualForm) = _state.update { it.copy(manual = form, failure = null) }

    /** Checks the link against the directory; an unknown service opens the confirmation dialog. */
    fun inspectLink() {
        val link = _state.value.link.trim()
        busy {
            when (val result = service.inspectLink(link)) {
                is IchieResult.Err -> _state.update { it.copy(failure = result.failure) }
                is IchieResult.Ok -> _state.update {
                    val info = result.value
                    it.copy(inspected = info, confirmed = false, confirming = if (info.knownService) null else info)
                }
            }
        }
    }

    /** The user checked the host and fingerprint and trusts the service. */
    fun confirmService() = _state.update { it.copy(confirmed = true, confirming = null) }

    /** The user does not trust the service: the link is dropped. */
    fun rejectService() = _state.update { it.copy(link = "", inspected = null, confirmed = false, confirming = null) }

    /** Activates with the link (or with service + user on that tab) and the password. */
    fun activate(fixClock: Boolean = false) {
        val s = _state.value
        busy {
            val result = if (s.method == AddMethod.SERVICE) {
                service.activateWithService(s.serviceId.trim(), s.userId.trim(), s.password, fixClock)
            } else {
                service.activateWithLink(s.link.trim(), s.password, s.confirmed, fixClock)
            }
            when (result) {
                is IchieResult.Ok -> added(listOf(result.value.name))
                is IchieResult.Err -> _state.update {
                    when (val f = result.failure) {
                        // The core wants the user's word on this service first: show the dialog.
                        is IchieFailure.UnconfirmedService -> it.copy(
                            confirming = it.inspected ?: LinkInfo("", "", f.host, f.keyFingerprint, false, null),
                        )
                        else -> it.copy(failure = f, password = if (f is IchieFailure.WrongPassword) "" else it.password)
                    }
                }
            }
        }
    }

    /** Adds the tokens of the URI field (`otpauth://` or `otpauth-migration://`). */
    fun addUri() {
        val uri = _state.value.uri.trim()
        busy {
            when (val result = service.addUri(uri)) {
                is IchieResult.Err -> _state.update { it.copy(failure = result.failure) }
                is IchieResult.Ok -> {
                    _state.update { it.copy(skipped = result.value.skippedDuplicates) }
                    if (result.value.added.isEmpty()) {
                        _state.update { it.copy(failure = IchieFailure.Duplicate(result.value.skippedDuplicates.joinToString())) }
                    } else {
                        added(result.value.added)
                    }
                }
            }
        }
    }

    /** Adds the hand-typed token. */
    fun addManual() {
        val m = _state.value.manual
        val entry = ManualEntry(
            issuer = m.issuer.trim().ifEmpty { null },
            account = m.account.trim(),
            secretBase32 = m.secret,
            digits = m.digits,
            periodSeconds = m.periodSeconds,
            algorithm = m.algorithm,
            hotpCounter = if (m.counterBased) 0 else null,
        )
        busy {
            when (val result = service.addManual(entry)) {
                is IchieResult.Err -> _state.update { it.copy(failure = result.failure) }
                is IchieResult.Ok -> added(listOf(listOfNotNull(entry.issuer, entry.account).joinToString(" ")))
            }
        }
    }

    /** Clears the form for the next token. */
    fun reset() = _state.update { AddState(method = it.method) }

    private fun added(names: List<String>) {
        _state.update { it.copy(added = names, password = "", failure = null) }
        onAdded()
    }

    private fun busy(block: suspend () -> Unit) {
        if (_state.value.busy) return
        _state.update { it.copy(busy = true, failure = null) }
        scope.launch {
            try {
                block()
            } finally {
                _state.update { it.copy(busy = false) }
            }
        }
    }
}

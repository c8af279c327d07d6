package dev.ichie.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.role
import androidx.compose.ui.semantics.selected
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import dev.ichie.app.service.HashAlgorithm
import dev.ichie.app.service.LinkInfo
import dev.ichie.app.state.AddMethod
import dev.ichie.app.state.AddModel
import dev.ichie.app.state.AddState

/**
 * Adding a token: by activation link (checked, an unknown service confirmed
 * in a dialog, then the activation password), by service ID + user ID, from
 * an otpauth URI, or typed in. [full]: the vault holds as many tokens as it may.
 */
@Composable
fun AddScreen(model: AddModel, full: Boolean, maxTokens: Int, onBack: () -> Unit) {
    val strings = LocalStrings.current
    val state by model.state.collectAsState()
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState())) {
            Header(strings.addToken, onBack = onBack)
            if (full && state.added == null) {
                MessageCard(strings.vaultFull(maxTokens), MaterialTheme.colorScheme.secondaryContainer, MaterialTheme.colorScheme.onSecondaryContainer, "vault-full")
            }
            Row(Modifier.fillMaxWidth().padding(horizontal = 16.dp), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                val labels = mapOf(
                    AddMethod.LINK to strings.methodLink, AddMethod.SERVICE to strings.methodService,
                    AddMethod.URI to strings.methodUri, AddMethod.MANUAL to strings.methodManual,
                )
                for ((method, label) in labels) {
                    FilterChip(
                        selected = state.method == method,
                        onClick = { model.select(method) },
                        label = { Text(label) },
                        modifier = Modifier.testTag("method-${method.name.lowercase()}").semantics {
                            role = Role.Tab
                            selected = state.method == method
                        },
                    )
                }
            }
            val added = state.added
            if (added != null) {
                MessageCard(strings.added(added), MaterialTheme.colorScheme.primaryContainer, MaterialTheme.colorScheme.onPrimaryContainer, "added") {
                    TextButton(onClick = model::reset) { Text(strings.addAnother) }
                    TextButton(onClick = onBack, modifier = Modifier.testTag("done")) { Text(strings.tokens) }
                }
            } else {
                val enabled = !full && !state.busy
                Column(Modifier.padding(horizontal = 16.dp, vertical = 8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    when (state.method) {
                        AddMethod.LINK -> LinkSection(model, state, enabled)
                        AddMethod.SERVICE -> ServiceSection(model, state, enabled)
                        AddMethod.URI -> {
                            Field(state.uri, model::setUri, strings.otpauthUri, "uri-field")
                            Button(onClick = model::addUri, enabled = enabled && state.uri.isNotBlank(), modifier = Modifier.testTag("add-uri")) { Text(strings.add) }
                        }
                        AddMethod.MANUAL -> ManualSection(model, state, enabled)
                    }
                    if (state.busy) Text(strings.working, style = MaterialTheme.typography.bodyMedium)
                }
                state.failure?.let { failure ->
                    val fixClock: (@Composable () -> Unit)? = if (state.canFixClock) {
                        {
                            TextButton(onClick = { model.activate(fixClock = true) }, modifier = Modifier.testTag("fix-clock")) { Text(strings.fixClockAndActivate) }
                        }
                    } else {
                        null
                    }
                    MessageCard(
                        strings.describe(failure), MaterialTheme.colorScheme.errorContainer,
                        MaterialTheme.colorScheme.onErrorContainer, "add-failure", actions = fixClock,
                    )
                }
            }
        }
        state.confirming?.let { LinkConfirmDialog(it, onTrust = model::confirmService, onReject = model::rejectService) }
    }
}

@Composable
private fun LinkSection(model: AddModel, state: AddState, enabled: Boolean) {
    val strings = LocalStrings.current
    Field(state.link, model::setLink, strings.activationLink, "link-field")
    if (state.inspected == null) {
        Button(onClick = model::inspectLink, enabled = enabled && state.link.isNotBlank(), modifier = Modifier.testTag("check-link")) { Text(strings.checkLink) }
    }
    state.inspected?.let { info ->
        Text(strings.linkSummary(info.serviceName, info.host, state.confirmed), style = MaterialTheme.typography.bodyMedium, modifier = Modifier.testTag("link-summary"))
        Text("${strings.userId}: ${info.userId}", style = MaterialTheme.typography.bodyMedium)
    }
    if (state.linkReady) {
        PasswordField(model, state)
        Button(onClick = { model.activate() }, enabled = enabled && state.password.length >= 4, modifier = Modifier.testTag("activate")) { Text(strings.activate) }
    }
}

@Composable
private fun ServiceSection(model: AddModel, state: AddState, enabled: Boolean) {
    val strings = LocalStrings.current
    Field(state.serviceId, model::setServiceId, strings.serviceId, "service-field")
    Field(state.userId, model::setUserId, strings.userId, "user-field")
    PasswordField(model, state)
    Button(
        onClick = { model.activate() },
        enabled = enabled && state.serviceId.isNotBlank() && state.userId.isNotBlank() && state.password.length >= 4,
        modifier = Modifier.testTag("activate"),
    ) { Text(strings.activate) }
}

@Composable
private fun ManualSection(model: AddModel, state: AddState, enabled: Boolean) {
    val strings = LocalStrings.current
    val m = state.manual
    Field(m.issuer, { model.setManual(m.copy(issuer = it)) }, strings.issuer, "issuer-field")
    Field(m.account, { model.setManual(m.copy(account = it)) }, strings.account, "account-field")
    Field(m.secret, { model.setManual(m.copy(secret = it)) }, strings.secret, "secret-field", password = true)
    Choices(strings.digits, listOf(6, 7, 8), m.digits, { it.toString() }) { model.setManual(m.copy(digits = it)) }
    if (!m.counterBased) Choices(strings.periodSeconds, listOf(30, 60), m.periodSeconds, { it.toString() }) { model.setManual(m.copy(periodSeconds = it)) }
    Choices(strings.algorithm, HashAlgorithm.entries, m.algorithm, { it.name.replace("SHA", "SHA-") }) { model.setManual(m.copy(algorithm = it)) }
    Row(verticalAlignment = Alignment.CenterVertically) {
        Checkbox(checked = m.counterBased, onCheckedChange = { model.setManual(m.copy(counterBased = it)) }, modifier = Modifier.testTag("hotp-box"))
        Text(strings.counterBased)
    }
    Button(onClick = model::addManual, enabled = enabled && m.account.isNotBlank() && m.secret.isNotBlank(), modifier = Modifier.testTag("add-manual")) { Text(strings.add) }
}

@Composable
private fun <T> Choices(label: String, options: List<T>, selected: T, name: (T) -> String, onSelect: (T) -> Unit) {
    Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(6.dp)) {
        Text(label, style = MaterialTheme.typography.bodyMedium, modifier = Modifier.padding(end = 4.dp))
        for (option in options) {
            FilterChip(selected = option == selected, onClick = { onSelect(option) }, label = { Text(name(option)) })
        }
    }
}

@Composable
private fun PasswordField(model: AddModel, state: AddState) {
    OutlinedTextField(
        value = state.password,
        onValueChange = model::setPassword,
        label = { Text(LocalStrings.current.activationPassword) },
        singleLine = true,
        visualTransformation = PasswordVisualTransformation(),
        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.NumberPassword),
        modifier = Modifier.fillMaxWidth().testTag("password-field"),
    )
}

@Composable
private fun Field(value: String, onChange: (String) -> Unit, label: String, tag: String, password: Boolean = false) {
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        label = { Text(label) },
        singleLine = true,
        visualTransformation = if (password) PasswordVisualTransformation() else androidx.compose.ui.text.input.VisualTransformation.None,
        modifier = Modifier.fillMaxWidth().testTag(tag),
    )
}

/**
 * Asks the user to confirm a service the app's directory does not list:
 * its server and signing key fingerprint, to compare with the e-mail.
 */
@Composable
fun LinkConfirmDialog(info: LinkInfo, onTrust: () -> Unit, onReject: () -> Unit) {
    val strings = LocalStrings.current
    AlertDialog(
        onDismissRequest = onReject,
        title = { Text(strings.unknownServiceTitle) },
        text = {
            Column(verticalArrangement = Arrangement.spacedBy(6.dp), modifier = Modifier.testTag("confirm-dialog")) {
                Text(strings.unknownServiceBody)
                Text(strings.server, style = MaterialTheme.typography.labelLarge, modifier = Modifier.padding(top = 6.dp))
                Text(info.host, fontFamily = FontFamily.Monospace, modifier = Modifier.testTag("confirm-host"))
                Text(strings.keyFingerprint, style = MaterialTheme.typography.labelLarge, modifier = Modifier.padding(top = 6.dp))
                Text(info.keyFingerprint, fontFamily = FontFamily.Monospace, modifier = Modifier.testTag("confirm-fingerprint"))
            }
        },
        confirmButton = { TextButton(onClick = onTrust, modifier = Modifier.testTag("trust")) { Text(strings.trustService) } },
        dismissButton = { OutlinedButton(onClick = onReject, modifier = Modifier.testTag("reject")) { Text(strings.rejectService) } },
    )
}

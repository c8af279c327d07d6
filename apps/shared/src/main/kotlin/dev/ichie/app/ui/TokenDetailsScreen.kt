package dev.ichie.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import dev.ichie.app.state.TokenEditModel

/** A token's details: rename, move up or down, delete after a confirmation. */
@Composable
fun TokenDetailsScreen(model: TokenEditModel, onBack: () -> Unit) {
    val strings = LocalStrings.current
    val state by model.state.collectAsState()
    LaunchedEffect(state.deleted) { if (state.deleted) onBack() }
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column(Modifier.fillMaxSize()) {
            Header(strings.details, onBack = onBack)
            Column(Modifier.padding(horizontal = 16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedTextField(state.issuer, model::setIssuer, label = { Text(strings.issuer) }, singleLine = true, modifier = Modifier.fillMaxWidth().testTag("issuer-field"))
                OutlinedTextField(state.account, model::setAccount, label = { Text(strings.account) }, singleLine = true, modifier = Modifier.fillMaxWidth().testTag("account-field"))
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    Button(onClick = model::save, enabled = state.account.isNotBlank(), modifier = Modifier.testTag("save")) { Text(strings.save) }
                    if (state.saved) Text(strings.saved, modifier = Modifier.padding(top = 10.dp).testTag("saved"))
                }
                Text(strings.position(state.position, state.count), style = MaterialTheme.typography.bodyMedium, modifier = Modifier.padding(top = 8.dp).testTag("position"))
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    OutlinedButton(onClick = model::moveUp, enabled = state.position > 0, modifier = Modifier.testTag("move-up")) { Text(strings.moveUp) }
                    OutlinedButton(onClick = model::moveDown, enabled = state.position < state.count - 1, modifier = Modifier.testTag("move-down")) { Text(strings.moveDown) }
                }
                Button(
                    onClick = model::requestDelete,
                    colors = ButtonDefaults.buttonColors(containerColor = MaterialTheme.colorScheme.error, contentColor = MaterialTheme.colorScheme.onError),
                    modifier = Modifier.padding(top = 16.dp).testTag("delete"),
                ) { Text(strings.delete) }
            }
            state.failure?.let {
                MessageCard(strings.describe(it), MaterialTheme.colorScheme.errorContainer, MaterialTheme.colorScheme.onErrorContainer, "edit-failure")
            }
        }
        if (state.confirmingDelete) {
            val name = listOf(state.issuer, state.account).filter { it.isNotBlank() }.joinToString(" ")
            AlertDialog(
                onDismissRequest = model::cancelDelete,
                text = { Text(strings.deleteQuestion(name), modifier = Modifier.testTag("delete-question")) },
                confirmButton = {
                    TextButton(onClick = model::confirmDelete, modifier = Modifier.testTag("confirm-delete")) {
                        Text(strings.delete, color = MaterialTheme.colorScheme.error)
                    }
                },
                dismissButton = { TextButton(onClick = model::cancelDelete, modifier = Modifier.testTag("cancel-delete")) { Text(strings.cancel) } },
            )
        }
    }
}

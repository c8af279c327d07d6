package dev.ichie.app.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import dev.ichie.app.state.AppModels
import dev.ichie.app.state.TokenEditModel

/** The screens of the app once the vault is open. */
private sealed interface Screen {
    data object List : Screen
    data object Add : Screen
    data class Details(val model: TokenEditModel) : Screen
}

/**
 * The whole app over an open vault: the list, the add screen and a token's
 * details. The platform shell wraps it in [IchieTheme] and calls
 * [AppModels.start] once.
 */
@Composable
fun IchieAppContent(models: AppModels) {
    var screen by remember { mutableStateOf<Screen>(Screen.List) }
    val list by models.list.state.collectAsState()
    when (val s = screen) {
        Screen.List -> TokenListScreen(
            models.list, models.clock,
            onAdd = { models.add.reset(); screen = Screen.Add },
            onOpen = { screen = Screen.Details(models.edit(it)) },
        )
        Screen.Add -> AddScreen(models.add, list.full, list.maxTokens) { screen = Screen.List }
        is Screen.Details -> TokenDetailsScreen(s.model) { screen = Screen.List }
    }
}

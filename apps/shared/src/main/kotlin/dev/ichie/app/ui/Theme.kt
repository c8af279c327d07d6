package dev.ichie.app.ui

import androidx.compose.material3.ColorScheme
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.staticCompositionLocalOf
import androidx.compose.ui.graphics.Color
import dev.ichie.app.i18n.English
import dev.ichie.app.i18n.Strings

/** The strings table of the current screen (English unless provided). */
val LocalStrings = staticCompositionLocalOf<Strings> { English }

private val Light: ColorScheme = lightColorScheme(
    primary = Color(0xFF2F5DA8),
    onPrimary = Color.White,
    primaryContainer = Color(0xFFD8E2FF),
    onPrimaryContainer = Color(0xFF001A41),
    secondaryContainer = Color(0xFFE0E6F2),
    tertiaryContainer = Color(0xFFFFE7B8),
    onTertiaryContainer = Color(0xFF3D2E00),
    error = Color(0xFFB3261E),
    errorContainer = Color(0xFFF9DEDC),
    onErrorContainer = Color(0xFF410E0B),
    background = Color(0xFFF8F9FC),
    surface = Color(0xFFF8F9FC),
    surfaceVariant = Color(0xFFE3E6EE),
    outline = Color(0xFF8A909C),
)

private val Dark: ColorScheme = darkColorScheme(
    primary = Color(0xFFA9C7FF),
    onPrimary = Color(0xFF002F66),
    primaryContainer = Color(0xFF1F4686),
    onPrimaryContainer = Color(0xFFD8E2FF),
    secondaryContainer = Color(0xFF2B313C),
    tertiaryContainer = Color(0xFF574400),
    onTertiaryContainer = Color(0xFFFFE08B),
    error = Color(0xFFFFB4AB),
    errorContainer = Color(0xFF8C1D18),
    onErrorContainer = Color(0xFFFFDAD6),
    background = Color(0xFF111318),
    surface = Color(0xFF111318),
    surfaceVariant = Color(0xFF2A2E36),
    outline = Color(0xFF8D929B),
)

/** Ichie's Material 3 theme, light or [dark], with [strings] for every screen below. */
@Composable
fun IchieTheme(dark: Boolean, strings: Strings = English, content: @Composable () -> Unit) {
    CompositionLocalProvider(LocalStrings provides strings) {
        MaterialTheme(colorScheme = if (dark) Dark else Light, content = content)
    }
}

package dev.ichie.desktop

import dev.ichie.app.i18n.Strings
import dev.ichie.app.service.ServiceConfig
import java.io.File

/**
 * Where the desktop app finds its vault and its network settings, from the
 * environment (the `ichie` command's conventions):
 *
 * - vault: `ICHIE_VAULT`, else `$XDG_DATA_HOME/ichie/tokens.vault`, else
 *   `~/.local/share/ichie/tokens.vault`;
 * - service directory: `ICHIE_DIRECTORY`, else `$XDG_CONFIG_HOME/ichie/directory.json` if present;
 * - extra CA (PEM file): `ICHIE_CA_PEM`; clock source: `ICHIE_TIME_URL`;
 * - language: `ICHIE_LANG` (`en`, `ja`), else the system's; theme: `ICHIE_THEME` (`dark`, `light`).
 */
data class DesktopConfig(
    val vault: File,
    val service: ServiceConfig,
    val strings: Strings,
    val dark: Boolean?,
) {
    /** Reading the environment. */
    companion object {
        /** The configuration [env] describes (the process environment by default). */
        fun from(env: Map<String, String> = System.getenv()): DesktopConfig {
            val home = env["HOME"] ?: System.getProperty("user.home")
            val data = env["XDG_DATA_HOME"]?.takeIf { it.isNotBlank() } ?: "$home/.local/share"
            val configDir = env["XDG_CONFIG_HOME"]?.takeIf { it.isNotBlank() } ?: "$home/.config"
            val vault = File(env["ICHIE_VAULT"]?.takeIf { it.isNotBlank() } ?: "$data/ichie/tokens.vault")
            val directory = (env["ICHIE_DIRECTORY"]?.let(::File) ?: File("$configDir/ichie/directory.json"))
                .takeIf { it.isFile }?.readText()
            val ca = env["ICHIE_CA_PEM"]?.takeIf { it.isNotBlank() }?.let { File(it).readText() }
            val strings = env["ICHIE_LANG"]?.let(Strings::forLanguage) ?: Strings.forDefaultLocale()
            val dark = when (env["ICHIE_THEME"]) {
                "dark" -> true
                "light" -> false
                else -> null
            }
            return DesktopConfig(vault, ServiceConfig(directory, ca, env["ICHIE_TIME_URL"]), strings, dark)
        }
    }
}

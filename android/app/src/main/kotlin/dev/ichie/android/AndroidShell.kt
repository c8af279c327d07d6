package dev.ichie.android

import android.content.Context
import dev.ichie.IchieAndroid
import dev.ichie.IchieApp
import dev.ichie.generateVaultKey
import java.io.File

/**
 * What the Android shell hands the shared UI: the vault (files under
 * filesDir/[VaultFiles.DIRECTORY], key in the Keystore) and the clipboard.
 */
class AndroidShell(
    context: Context,
    keyOptions: KeystoreVaultKey.Options = KeystoreVaultKey.Options(),
) {
    @PublishedApi
    internal val directory = File(context.applicationContext.filesDir, VaultFiles.DIRECTORY)

    /** The vault file. */
    val vaultFile: File = File(directory, VaultFiles.VAULT)

    /** The vault key's Keystore envelope. */
    val vaultKey: KeystoreVaultKey = KeystoreVaultKey(File(directory, VaultFiles.WRAPPED_KEY), keyOptions)

    /** Copies codes marked sensitive, cleared after 30 s. */
    val clipboard: SecureClipboard = SecureClipboard(context.applicationContext)

    /**
     * Opens the vault (creating it and its key on first use). Blocking
     * (Keystore, file I/O): call it off the main thread. Throws
     * [VaultKeyException] when the key cannot be had, `IchieException` when
     * the vault cannot be read, [IllegalStateException] before `IchieAndroid.init`.
     */
    fun openVault(): IchieApp = withVaultKey { _, _, key -> IchieAndroid.openApp(vaultFile, key) }

    /**
     * Runs [open] with the vault's path, whether it exists, and its 32-byte
     * key (zeroed afterwards) — for a caller that opens the vault itself,
     * such as the shared UI's `RealIchieService.open` / `create` (a suspend
     * call is fine: [open] is inlined). Same errors as [openVault].
     */
    inline fun <T> withVaultKey(open: (vaultPath: String, vaultExists: Boolean, key: ByteArray) -> T): T {
        IchieAndroid.requireInitialized()
        directory.mkdirs()
        val exists = vaultFile.exists()
        val key = vaultKey.vaultKey(exists) { generateVaultKey() }
        try {
            return open(vaultFile.path, exists, key)
        } finally {
            key.fill(0)
        }
    }
}

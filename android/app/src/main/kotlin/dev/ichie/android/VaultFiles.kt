package dev.ichie.android

/**
 * Where the vault lives, relative to `Context.getFilesDir()`. The directory
 * is excluded from Auto Backup and device transfer in
 * res/xml/data_extraction_rules.xml and res/xml/backup_rules.xml (a unit
 * test checks both name [DIRECTORY]): the wrapped key is useless without
 * its Keystore key, which never leaves the device.
 */
object VaultFiles {
    /** The directory under filesDir. */
    const val DIRECTORY = "vault"

    /** The vault (docs/vault-format.md). */
    const val VAULT = "tokens.vault"

    /** The vault key wrapped by the Keystore key ([WrappedKey]). */
    const val WRAPPED_KEY = "vault.key"
}

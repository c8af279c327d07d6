package dev.ichie.android

import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import android.security.keystore.UserNotAuthenticatedException
import java.io.File
import java.security.InvalidKeyException
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.IllegalBlockSizeException
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey

/**
 * Envelope encryption of the 32-byte vault key: an AES-256-GCM key in
 * AndroidKeyStore (StrongBox when the device has one) seals the vault key,
 * and the sealed key + IV ([WrappedKey]) is stored in [wrappedKeyFile]
 * (app-private, excluded from backups). The vault key itself is what
 * `IchieApp.open` / `IchieApp.create` take.
 *
 * Without user authentication: [vaultKey] does everything. With
 * [Options.userAuthentication]: get a cipher from [cipherForProvisioning] or
 * [cipherForUnwrap], authenticate it (BiometricPrompt with a CryptoObject,
 * or — with a timeout — any recent unlock), then [provision] / [unwrap].
 */
class KeystoreVaultKey(
    private val wrappedKeyFile: File,
    private val options: Options = Options(),
) {
    /** How the Keystore key is made. Changing them needs a new key (and a new vault). */
    class Options(
        /** The Keystore alias. */
        val alias: String = DEFAULT_ALIAS,
        /** Use StrongBox (API 28+) when available; falls back to the TEE. */
        val preferStrongBox: Boolean = true,
        /** Gate the key on the user's biometric or device credential; null: no gating. */
        val userAuthentication: UserAuthentication? = null,
        /** Unusable while the device is locked (API 28+). */
        val unlockedDeviceRequired: Boolean = false,
    )

    /** Biometric gating. */
    class UserAuthentication(
        /** 0: every use authenticates a CryptoObject; N > 0: an unlock in the last N seconds suffices. */
        val timeoutSeconds: Int = 0,
        /** Accept the PIN/pattern/password besides strong biometrics (API 30+; always below). */
        val allowDeviceCredential: Boolean = true,
    ) {
        init {
            require(timeoutSeconds >= 0) { "timeout must be >= 0" }
        }
    }

    /** Whether the last key made by [cipherForProvisioning] is in StrongBox. */
    private var strongBoxUsed = false

    private val keyStore: KeyStore by lazy { KeyStore.getInstance(KEYSTORE).apply { load(null) } }

    /** What exists now; [vaultExists] is whether the vault file exists. */
    fun situation(vaultExists: Boolean): VaultKeySituation =
        VaultKeySituation.of(wrappedKeyFile.exists(), keyStore.containsAlias(options.alias), vaultExists)

    /**
     * The vault key: unwrapped when provisioned, else a fresh [newVaultKey]
     * is wrapped and stored first (pass `dev.ichie.generateVaultKey`). Only
     * for keys without per-use authentication. The caller zeroes the result
     * after `IchieApp.open`.
     */
    fun vaultKey(vaultExists: Boolean, newVaultKey: () -> ByteArray): ByteArray =
        when (situation(vaultExists)) {
            VaultKeySituation.READY -> unwrap(cipherForUnwrap())
            VaultKeySituation.FRESH -> {
                val cipher = cipherForProvisioning()
                val key = newVaultKey()
                try {
                    provision(cipher, key)
                } catch (e: Exception) {
                    key.fill(0)
                    throw e
                }
                key
            }
            VaultKeySituation.KEYSTORE_KEY_MISSING ->
                throw VaultKeyException.KeyInvalidated("no key under alias ${options.alias}")
            VaultKeySituation.WRAPPED_KEY_MISSING -> throw VaultKeyException.WrappedKeyMissing()
        }

    /**
     * A new Keystore key (any old one under the alias is deleted) and an
     * ENCRYPT_MODE cipher for [provision]. With per-use authentication, put
     * it in a BiometricPrompt CryptoObject first.
     */
    fun cipherForProvisioning(): Cipher {
        if (keyStore.containsAlias(options.alias)) keyStore.deleteEntry(options.alias)
        val key = generateKey()
        return initCipher { it.init(Cipher.ENCRYPT_MODE, key) }
    }

    /** Seals [vaultKey] with [cipher] (from [cipherForProvisioning]) and stores it. */
    fun provision(cipher: Cipher, vaultKey: ByteArray) {
        val wrapped = WrappedKey.seal(cipher, flags(), vaultKey)
        wrappedKeyFile.parentFile?.mkdirs()
        writeFileAtomically(wrappedKeyFile, wrapped.encode())
    }

    /**
     * A DECRYPT_MODE cipher for [unwrap]: also the test `cipher.init` that
     * finds a permanently invalidated key on devices that only report it
     * late or as a plain [InvalidKeyException].
     */
    fun cipherForUnwrap(): Cipher {
        val wrapped = readWrapped()
        val key = existingKey()
        return initCipher { it.init(Cipher.DECRYPT_MODE, key, wrapped.gcmSpec()) }
    }

    /** The 32-byte vault key, with [cipher] from [cipherForUnwrap] (authenticated if needed). */
    fun unwrap(cipher: Cipher): ByteArray = try {
        readWrapped().open(cipher)
    } catch (e: IllegalBlockSizeException) {
        // How the Keystore refuses doFinal: a per-use key not authenticated
        // through a CryptoObject, or a key invalidated after the test init.
        if (options.userAuthentication != null) {
            throw VaultKeyException.AuthenticationRequired(e)
        }
        throw VaultKeyException.KeyInvalidated("the Keystore refused to decrypt", e)
    }

    /** Deletes the Keystore key and the wrapped key: the vault becomes unreadable. */
    fun destroy() {
        if (keyStore.containsAlias(options.alias)) keyStore.deleteEntry(options.alias)
        wrappedKeyFile.delete()
    }

    private fun readWrapped(): WrappedKey = WrappedKey.decode(wrappedKeyFile.readBytes())

    private fun existingKey(): SecretKey =
        keyStore.getKey(options.alias, null) as? SecretKey
            ?: throw VaultKeyException.KeyInvalidated("no key under alias ${options.alias}")

    private inline fun initCipher(init: (Cipher) -> Unit): Cipher {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        try {
            init(cipher)
        } catch (e: KeyPermanentlyInvalidatedException) {
            throw VaultKeyException.KeyInvalidated("invalidated", e)
        } catch (e: UserNotAuthenticatedException) {
            throw VaultKeyException.AuthenticationRequired(e)
        } catch (e: InvalidKeyException) {
            // Some devices report an invalidated key this way only.
            throw VaultKeyException.KeyInvalidated("refused: ${e.javaClass.simpleName} ${e.message}", e)
        }
        return cipher
    }

    private fun flags(): Int {
        var flags = 0
        if (options.userAuthentication != null) flags = flags or WrappedKey.FLAG_USER_AUTHENTICATION
        if (strongBoxUsed) flags = flags or WrappedKey.FLAG_STRONGBOX
        return flags
    }

    private fun generateKey(): SecretKey {
        if (options.preferStrongBox && Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
            try {
                return generateKey(strongBox = true).also { strongBoxUsed = true }
            } catch (e: StrongBoxUnavailableException) {
                // No StrongBox on this device: the TEE-backed key below.
            }
        }
        strongBoxUsed = false
        return generateKey(strongBox = false)
    }

    private fun generateKey(strongBox: Boolean): SecretKey {
        val spec = KeyGenParameterSpec.Builder(
            options.alias,
            KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT,
        )
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .setRandomizedEncryptionRequired(true)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
            spec.setIsStrongBoxBacked(strongBox)
            if (options.unlockedDeviceRequired) spec.setUnlockedDeviceRequired(true)
        }
        options.userAuthentication?.let { auth ->
            spec.setUserAuthenticationRequired(true)
            spec.setInvalidatedByBiometricEnrollment(true)
            if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
                var types = KeyProperties.AUTH_BIOMETRIC_STRONG
                if (auth.allowDeviceCredential) types = types or KeyProperties.AUTH_DEVICE_CREDENTIAL
                spec.setUserAuthenticationParameters(auth.timeoutSeconds, types)
            } else {
                @Suppress("DEPRECATION")
                spec.setUserAuthenticationValidityDurationSeconds(if (auth.timeoutSeconds == 0) -1 else auth.timeoutSeconds)
            }
        }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, KEYSTORE)
        generator.init(spec.build())
        return generator.generateKey()
    }

    companion object {
        const val DEFAULT_ALIAS = "dev.ichie.vault-key-wrapping"
        private const val KEYSTORE = "AndroidKeyStore"
        private const val TRANSFORMATION = "AES/GCM/NoPadding"
    }
}

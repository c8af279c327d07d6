package dev.ichie.android

import java.io.File
import java.io.FileOutputStream
import java.io.IOException
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.spec.GCMParameterSpec

/**
 * The 32-byte vault key sealed with AES-256-GCM under a wrapping key (on the
 * phone an AndroidKeyStore key, see KeystoreVaultKey), as stored in
 * filesDir/vault/vault.key. Version 1, 67 bytes:
 *
 * ```
 * 0   4  magic "ICHK"
 * 4   1  version (1)
 * 5   1  flags: bit 0 user authentication required, bit 1 StrongBox
 * 6   1  IV length (12)
 * 7  12  IV (chosen by the Keystore: randomized encryption)
 * 19 48  ciphertext (32) + GCM tag (16)
 * ```
 *
 * The first six bytes are the GCM associated data, so flipping a flag or the
 * version breaks the tag. Plain JCA: unit-tested on the JVM with a software
 * AES key; the phone passes ciphers initialised with its Keystore key.
 */
class WrappedKey(val flags: Int, iv: ByteArray, sealed: ByteArray) {
    private val ivBytes = iv.copyOf()
    private val sealedBytes = sealed.copyOf()

    init {
        require(flags in 0..0xff && flags and FLAG_MASK.inv() == 0) { "unknown flags $flags" }
        require(ivBytes.size == IV_LENGTH) { "IV must be $IV_LENGTH bytes" }
        require(sealedBytes.size == SEALED_LENGTH) { "sealed key must be $SEALED_LENGTH bytes" }
    }

    val iv: ByteArray get() = ivBytes.copyOf()
    val userAuthentication: Boolean get() = flags and FLAG_USER_AUTHENTICATION != 0
    val strongBox: Boolean get() = flags and FLAG_STRONGBOX != 0

    /** The GCM parameters to initialise a DECRYPT_MODE cipher for [open]. */
    fun gcmSpec(): GCMParameterSpec = GCMParameterSpec(TAG_BITS, ivBytes)

    /** The file contents. */
    fun encode(): ByteArray = header(flags) + byteArrayOf(IV_LENGTH.toByte()) + ivBytes + sealedBytes

    /**
     * The vault key, with [cipher] initialised in DECRYPT_MODE with the
     * wrapping key and [gcmSpec]. A wrong key or altered bytes: [VaultKeyException.Corrupt].
     */
    fun open(cipher: Cipher): ByteArray {
        cipher.updateAAD(header(flags))
        val key = try {
            cipher.doFinal(sealedBytes)
        } catch (e: AEADBadTagException) {
            throw VaultKeyException.Corrupt("the wrapped vault key does not authenticate", e)
        }
        if (key.size != KEY_LENGTH) {
            key.fill(0)
            throw VaultKeyException.Corrupt("the wrapped vault key has ${key.size} bytes")
        }
        return key
    }

    companion object {
        const val VERSION = 1
        const val FLAG_USER_AUTHENTICATION = 1
        const val FLAG_STRONGBOX = 2
        private const val FLAG_MASK = FLAG_USER_AUTHENTICATION or FLAG_STRONGBOX
        const val KEY_LENGTH = 32
        const val IV_LENGTH = 12
        const val TAG_BITS = 128
        const val SEALED_LENGTH = KEY_LENGTH + TAG_BITS / 8
        private val MAGIC = "ICHK".toByteArray(Charsets.US_ASCII)
        const val ENCODED_LENGTH = 4 + 1 + 1 + 1 + IV_LENGTH + SEALED_LENGTH

        /** The associated data: magic, version, flags. */
        fun header(flags: Int): ByteArray = MAGIC + byteArrayOf(VERSION.toByte(), flags.toByte())

        /**
         * Seals [vaultKey] (32 bytes) with [cipher], initialised in
         * ENCRYPT_MODE without parameters so that the provider picks the IV.
         */
        fun seal(cipher: Cipher, flags: Int, vaultKey: ByteArray): WrappedKey {
            require(vaultKey.size == KEY_LENGTH) { "a vault key has $KEY_LENGTH bytes" }
            cipher.updateAAD(header(flags))
            val sealed = cipher.doFinal(vaultKey)
            val iv = cipher.iv ?: throw VaultKeyException.Corrupt("the cipher chose no IV")
            return WrappedKey(flags, iv, sealed)
        }

        /** Parses a file written by [encode]; anything else is [VaultKeyException.Corrupt]. */
        fun decode(bytes: ByteArray): WrappedKey {
            fun corrupt(why: String): Nothing = throw VaultKeyException.Corrupt("wrapped vault key: $why")
            if (bytes.size < 7) corrupt("${bytes.size} bytes")
            if (!bytes.copyOfRange(0, 4).contentEquals(MAGIC)) corrupt("not an Ichie wrapped key")
            val version = bytes[4].toInt() and 0xff
            if (version != VERSION) corrupt("version $version is not supported")
            val flags = bytes[5].toInt() and 0xff
            if (flags and FLAG_MASK.inv() != 0) corrupt("unknown flags $flags")
            if ((bytes[6].toInt() and 0xff) != IV_LENGTH) corrupt("IV length ${bytes[6].toInt() and 0xff}")
            if (bytes.size != ENCODED_LENGTH) corrupt("${bytes.size} bytes, expected $ENCODED_LENGTH")
            return WrappedKey(flags, bytes.copyOfRange(7, 7 + IV_LENGTH), bytes.copyOfRange(7 + IV_LENGTH, bytes.size))
        }
    }
}

/** What the app finds on start, before touching the Keystore key. */
enum class VaultKeySituation {
    /** No wrapped key and no vault: make a new vault key (a stale Keystore key is replaced). */
    FRESH,

    /** Wrapped key and Keystore key: unwrap. */
    READY,

    /** A wrapped key without its Keystore key (data restored or copied, Keystore reset): the vault is lost. */
    KEYSTORE_KEY_MISSING,

    /** A vault without its wrapped key: never overwrite the vault with a new key. */
    WRAPPED_KEY_MISSING,
    ;

    companion object {
        fun of(wrappedKeyExists: Boolean, keystoreKeyExists: Boolean, vaultExists: Boolean): VaultKeySituation =
            when {
                wrappedKeyExists && keystoreKeyExists -> READY
                wrappedKeyExists -> KEYSTORE_KEY_MISSING
                vaultExists -> WRAPPED_KEY_MISSING
                else -> FRESH
            }
    }
}

/** Why the vault key cannot be had; each says what the user can do. */
sealed class VaultKeyException(message: String, cause: Throwable? = null) : Exception(message, cause) {
    /** The wrapped key file is damaged or does not authenticate. */
    class Corrupt(reason: String, cause: Throwable? = null) : VaultKeyException(reason, cause)

    /**
     * The Keystore key is permanently invalidated (a new fingerprint or face
     * enrolled, the screen lock removed) or gone. The vault cannot be
     * decrypted any more: import an exported backup into a new vault.
     */
    class KeyInvalidated(reason: String, cause: Throwable? = null) : VaultKeyException(
        "the Keystore key protecting the vault is no longer usable ($reason); " +
            "the vault cannot be opened: start a new vault and import a backup",
        cause,
    )

    /** A vault exists but its wrapped key does not: refusing to create a new key over it. */
    class WrappedKeyMissing : VaultKeyException(
        "the vault exists but its wrapped key (${VaultFiles.WRAPPED_KEY}) is missing; refusing to replace it",
    )

    /** The key needs the user to authenticate (BiometricPrompt or the device credential) first. */
    class AuthenticationRequired(cause: Throwable? = null) : VaultKeyException(
        "the vault key needs the user to authenticate first",
        cause,
    )
}

/** Writes [bytes] to [file] through a synced temporary file and a rename. */
fun writeFileAtomically(file: File, bytes: ByteArray) {
    val tmp = File(file.parentFile, file.name + ".tmp")
    FileOutputStream(tmp).use { out ->
        out.write(bytes)
        out.fd.sync()
    }
    if (!tmp.renameTo(file)) {
        tmp.delete()
        throw IOException("cannot replace $file")
    }
}

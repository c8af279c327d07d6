package dev.ichie.android

import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey

/** The envelope with a software AES-256 key standing in for the Keystore's. */
class WrappedKeyTest {
    private val wrapping: SecretKey = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
    private val vaultKey = ByteArray(32).also { SecureRandom().nextBytes(it) }

    private fun sealCipher(key: SecretKey = wrapping) =
        Cipher.getInstance("AES/GCM/NoPadding").apply { init(Cipher.ENCRYPT_MODE, key) }

    private fun openCipher(wrapped: WrappedKey, key: SecretKey = wrapping) =
        Cipher.getInstance("AES/GCM/NoPadding").apply { init(Cipher.DECRYPT_MODE, key, wrapped.gcmSpec()) }

    @Test
    fun `seal, encode, decode, open gives the vault key back`() {
        val flags = WrappedKey.FLAG_USER_AUTHENTICATION or WrappedKey.FLAG_STRONGBOX
        val bytes = WrappedKey.seal(sealCipher(), flags, vaultKey).encode()
        assertEquals(WrappedKey.ENCODED_LENGTH, bytes.size)
        assertEquals(67, bytes.size)
        assertArrayEquals("ICHK".toByteArray(), bytes.copyOfRange(0, 4))
        val decoded = WrappedKey.decode(bytes)
        assertTrue(decoded.userAuthentication)
        assertTrue(decoded.strongBox)
        assertArrayEquals(vaultKey, decoded.open(openCipher(decoded)))
    }

    @Test
    fun `the key is not in the file and two seals differ`() {
        val a = WrappedKey.seal(sealCipher(), 0, vaultKey).encode()
        val b = WrappedKey.seal(sealCipher(), 0, vaultKey).encode()
        assertFalse(a.contentEquals(b))
        val hex = a.joinToString("") { "%02x".format(it) }
        assertFalse(hex.contains(vaultKey.copyOfRange(0, 8).joinToString("") { "%02x".format(it) }))
    }

    @Test
    fun `a flipped flag, IV or ciphertext bit does not open`() {
        val bytes = WrappedKey.seal(sealCipher(), 0, vaultKey).encode()
        // 5: flags (authenticated as associated data), 7: IV, 19 and 66: ciphertext and tag.
        for (at in listOf(5, 7, 19, 66)) {
            val altered = bytes.copyOf()
            altered[at] = (altered[at].toInt() xor if (at == 5) WrappedKey.FLAG_STRONGBOX else 1).toByte()
            val wrapped = WrappedKey.decode(altered)
            assertThrows<VaultKeyException.Corrupt>("byte $at") { wrapped.open(openCipher(wrapped)) }
        }
    }

    @Test
    fun `another wrapping key does not open`() {
        val other = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
        val wrapped = WrappedKey.decode(WrappedKey.seal(sealCipher(), 0, vaultKey).encode())
        assertThrows<VaultKeyException.Corrupt> { wrapped.open(openCipher(wrapped, other)) }
    }

    @Test
    fun `malformed files are refused`() {
        val good = WrappedKey.seal(sealCipher(), 0, vaultKey).encode()
        fun refused(bytes: ByteArray) = assertThrows<VaultKeyException.Corrupt> { WrappedKey.decode(bytes) }
        refused(ByteArray(0))
        refused(good.copyOf(good.size - 1))
        refused(good + 0)
        refused(good.copyOf().also { it[0] = 'X'.code.toByte() })
        refused(good.copyOf().also { it[4] = 2 })
        refused(good.copyOf().also { it[5] = 4 })
        refused(good.copyOf().also { it[6] = 16 })
        assertEquals(good.toList(), WrappedKey.decode(good).encode().toList())
    }

    @Test
    fun `only 32-byte keys are sealed`() {
        assertThrows<IllegalArgumentException> { WrappedKey.seal(sealCipher(), 0, ByteArray(31)) }
        assertThrows<IllegalArgumentException> { WrappedKey.seal(sealCipher(), 8, vaultKey) }
    }

    @Test
    fun `what to do on start`() {
        fun of(wrapped: Boolean, keystore: Boolean, vault: Boolean) = VaultKeySituation.of(wrapped, keystore, vault)
        assertEquals(VaultKeySituation.FRESH, of(false, false, false))
        assertEquals(VaultKeySituation.FRESH, of(false, true, false))
        assertEquals(VaultKeySituation.READY, of(true, true, true))
        assertEquals(VaultKeySituation.READY, of(true, true, false))
        assertEquals(VaultKeySituation.KEYSTORE_KEY_MISSING, of(true, false, true))
        assertEquals(VaultKeySituation.KEYSTORE_KEY_MISSING, of(true, false, false))
        assertEquals(VaultKeySituation.WRAPPED_KEY_MISSING, of(false, true, true))
        assertEquals(VaultKeySituation.WRAPPED_KEY_MISSING, of(false, false, true))
    }

    @Test
    fun `files are replaced whole`(@TempDir dir: File) {
        val file = File(dir, VaultFiles.WRAPPED_KEY)
        writeFileAtomically(file, byteArrayOf(1, 2, 3))
        writeFileAtomically(file, byteArrayOf(4, 5))
        assertArrayEquals(byteArrayOf(4, 5), file.readBytes())
        assertEquals(listOf(VaultFiles.WRAPPED_KEY), dir.list()!!.toList())
    }
}

package dev.ichie.app.ui

import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec

/** An independent TOTP (RFC 6238, SHA-1) to check the core's codes against. */
object Rfc6238 {
    /** The RFC's SHA-1 seed. */
    val SEED = "12345678901234567890".toByteArray()

    /** The [digits]-digit code at Unix time [seconds], 30 s step. */
    fun code(seconds: Long, digits: Int = 8, seed: ByteArray = SEED): String {
        val mac = Mac.getInstance("HmacSHA1").apply { init(SecretKeySpec(seed, "HmacSHA1")) }
        val counter = seconds / 30
        val hash = mac.doFinal(ByteArray(8) { i -> (counter ushr (56 - 8 * i)).toByte() })
        val offset = hash.last().toInt() and 0x0f
        val binary = ((hash[offset].toInt() and 0x7f) shl 24) or ((hash[offset + 1].toInt() and 0xff) shl 16) or
            ((hash[offset + 2].toInt() and 0xff) shl 8) or (hash[offset + 3].toInt() and 0xff)
        var modulus = 1
        repeat(digits) { modulus *= 10 }
        return (binary % modulus).toString().padStart(digits, '0')
    }
}

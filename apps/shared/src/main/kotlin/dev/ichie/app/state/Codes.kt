package dev.ichie.app.state

/**
 * A code grouped for reading aloud: `123 456`, `1234 5678`, `123 4567`.
 * Anything that is not 6 to 8 digits is returned unchanged.
 */
fun groupCode(code: String): String {
    if (code.length !in 6..8 || !code.all { it.isDigit() }) return code
    val split = code.length / 2
    return code.substring(0, split) + " " + code.substring(split)
}

package dev.ichie.app.service

import java.io.File
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Only RealIchieService may touch the generated bindings (package `dev.ichie`). */
class BoundaryTest {
    @Test
    fun onlyRealIchieServiceImportsTheGeneratedBindings() {
        val generated = Regex("""^import dev\.ichie\.(?!app\.)""", RegexOption.MULTILINE)
        val sources = File("src").walk().filter { it.isFile && it.extension == "kt" }.toList()
        assertTrue(sources.size > 10, "sources not found from ${File(".").absolutePath}")
        val offenders = sources.filter { generated.containsMatchIn(it.readText()) }.map { it.name }
        assertEquals(listOf("RealIchieService.kt"), offenders)
    }
}

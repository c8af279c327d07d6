package dev.ichie.android

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.w3c.dom.Element
import java.io.File
import javax.xml.parsers.DocumentBuilderFactory

/**
 * The manifest and the backup rules say what the Kotlin assumes: the vault
 * directory is excluded everywhere, the deep link filter is the one
 * ActivationLinks accepts. Paths are relative to the app module (Gradle) or
 * given by the glue check's pom.
 */
class ManifestAndBackupRulesTest {
    private val res = File(System.getProperty("ichie.android.res") ?: "src/main/res")
    private val manifest = File(System.getProperty("ichie.android.manifest") ?: "src/main/AndroidManifest.xml")
    private val android = "http://schemas.android.com/apk/res/android"

    private fun parse(file: File): Element =
        DocumentBuilderFactory.newInstance().apply { isNamespaceAware = true }
            .newDocumentBuilder().parse(file).documentElement

    private fun Element.children(tag: String): List<Element> {
        val nodes = getElementsByTagName(tag)
        return List(nodes.length) { nodes.item(it) as Element }
    }

    private fun excludesVault(section: Element) = section.children("exclude").any {
        it.getAttribute("domain") == "file" && it.getAttribute("path") == VaultFiles.DIRECTORY + "/"
    }

    @Test
    fun `data extraction rules exclude the vault from cloud backup and device transfer`() {
        val rules = parse(File(res, "xml/data_extraction_rules.xml"))
        for (tag in listOf("cloud-backup", "device-transfer")) {
            val sections = rules.children(tag)
            assertEquals(1, sections.size, tag)
            assertTrue(excludesVault(sections[0]), tag)
        }
    }

    @Test
    fun `full backup content excludes the vault`() {
        assertTrue(excludesVault(parse(File(res, "xml/backup_rules.xml"))))
    }

    @Test
    fun `the manifest disables backup, names the rules and the application`() {
        val app = parse(manifest).children("application").single()
        assertEquals("false", app.getAttributeNS(android, "allowBackup"))
        assertEquals("@xml/data_extraction_rules", app.getAttributeNS(android, "dataExtractionRules"))
        assertEquals("@xml/backup_rules", app.getAttributeNS(android, "fullBackupContent"))
        assertEquals(".IchieApplication", app.getAttributeNS(android, "name"))
    }

    @Test
    fun `the deep link filter is ichie colon slash slash activate on a singleTop MainActivity`() {
        val activity = parse(manifest).children("activity").single()
        assertEquals(".MainActivity", activity.getAttributeNS(android, "name"))
        assertEquals("singleTop", activity.getAttributeNS(android, "launchMode"))
        val viewFilter = activity.children("intent-filter").single { filter ->
            filter.children("action").any { it.getAttributeNS(android, "name") == ActivationLinks.ACTION_VIEW }
        }
        val categories = viewFilter.children("category").map { it.getAttributeNS(android, "name") }.toSet()
        assertEquals(setOf("android.intent.category.DEFAULT", "android.intent.category.BROWSABLE"), categories)
        val data = viewFilter.children("data").single()
        val scheme = data.getAttributeNS(android, "scheme")
        val host = data.getAttributeNS(android, "host")
        assertEquals(ActivationLinks.PREFIX, "$scheme://$host?")
    }
}

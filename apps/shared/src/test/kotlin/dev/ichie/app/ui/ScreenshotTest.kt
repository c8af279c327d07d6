package dev.ichie.app.ui

import androidx.compose.runtime.Composable
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.unit.Density
import dev.ichie.app.i18n.English
import dev.ichie.app.i18n.Japanese
import dev.ichie.app.i18n.Strings
import java.io.File
import org.jetbrains.skia.EncodedImageFormat
import org.jetbrains.skia.Image
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * PNGs of the main screens, rendered headless from the real composables
 * over the fake service on a fixed clock, into `docs/screenshots/`
 * (system property `ichie.screenshots.dir`; the module's target directory
 * when unset).
 */
class ScreenshotTest {
    private val dir = File(System.getProperty("ichie.screenshots.dir") ?: "target/screenshots").apply { mkdirs() }

    private fun shoot(name: String, strings: Strings, dark: Boolean, content: @Composable () -> Unit) {
        val scene = ImageComposeScene(WIDTH_DP * 2, HEIGHT_DP * 2, Density(2f)) {
            IchieTheme(dark = dark, strings = strings, content = content)
        }
        try {
            // Frames until enter animations (the dialog's fade and scale) are over.
            var image: Image = scene.render(0)
            for (frame in 1..SETTLE_FRAMES) image = scene.render(frame * FRAME_NS)
            val bitmap = org.jetbrains.skia.Bitmap.makeFromImage(image)
            // Not blank: the screen has text on a background, so many colours.
            val colours = HashSet<Int>()
            for (y in 0 until bitmap.height step 7) for (x in 0 until bitmap.width step 7) colours += bitmap.getColor(x, y)
            assertTrue(colours.size > 8, "$name looks blank (${colours.size} colours)")
            val png = image.encodeToData(EncodedImageFormat.PNG)!!.bytes
            File(dir, "$name.png").writeBytes(png)
        } finally {
            scene.close()
        }
    }

    @Test
    fun tokenListInBothLanguagesLightAndDark() {
        for ((lang, strings) in listOf("en" to English, "ja" to Japanese)) {
            for (dark in listOf(false, true)) {
                val app = FakeApp.typical(japanese = lang == "ja")
                // 26 s in: the 30-second codes are in their last seconds, the 60-second one is not.
                app.advance(26_000)
                app.models.list.tap(app.models.list.state.value.tokens[0].id)
                app.settle()
                shoot("list-$lang-${if (dark) "dark" else "light"}", strings, dark) {
                    TokenListScreen(app.models.list, app.models.clock, onAdd = {}, onOpen = {})
                }
                app.close()
            }
        }
    }

    @Test
    fun clockBanner() {
        for ((lang, strings) in listOf("en" to English, "ja" to Japanese)) {
            val app = FakeApp.typical(japanese = lang == "ja")
            app.fake.deviceClockErrorMs = 95_000
            app.models.clock.check()
            app.settle()
            shoot("clock-banner-$lang", strings, dark = false) {
                TokenListScreen(app.models.list, app.models.clock, onAdd = {}, onOpen = {})
            }
            app.close()
        }
    }

    @Test
    fun activationWithAnError() {
        for ((lang, strings) in listOf("en" to English, "ja" to Japanese)) {
            val app = FakeApp.wrongPassword()
            shoot("add-wrong-password-$lang", strings, dark = false) {
                AddScreen(app.models.add, full = false, maxTokens = 10, onBack = {})
            }
            app.close()
        }
    }

    @Test
    fun linkConfirmation() {
        for ((lang, strings) in listOf("en" to English, "ja" to Japanese)) {
            val app = FakeApp.unknownService()
            shoot("link-confirm-$lang", strings, dark = true) {
                AddScreen(app.models.add, full = false, maxTokens = 10, onBack = {})
            }
            app.close()
        }
    }

    private companion object {
        const val WIDTH_DP = 400
        const val HEIGHT_DP = 760
        const val FRAME_NS = 16_000_000L
        const val SETTLE_FRAMES = 60
    }
}

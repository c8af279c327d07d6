package dev.ichie.app.ui

import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.assertTextEquals
import androidx.compose.ui.test.onAllNodesWithTag
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.runComposeUiTest
import dev.ichie.app.service.RealIchieService
import dev.ichie.app.service.ServiceConfig
import dev.ichie.app.service.ok
import dev.ichie.app.service.tempVault
import dev.ichie.app.state.AppModels
import dev.ichie.app.state.MemoryClipboard
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.security.KeyStore
import java.security.cert.CertificateFactory
import javax.net.ssl.SSLContext
import javax.net.ssl.TrustManagerFactory
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.Test

/**
 * The real ichie-server the test scripts start (the variables the bindings'
 * tests read), or the test is skipped — unless `ICHIE_REQUIRE_SERVER=1`.
 */
private class Server(env: Map<String, String>) {
    val url = env.getValue("ICHIE_SERVER_URL").trimEnd('/')
    val caPem: String = File(env.getValue("ICHIE_CA_PEM")).readText()
    val link = env.getValue("ICHIE_LINK")
    val password = env.getValue("ICHIE_PASSWORD")
    val user = env.getValue("ICHIE_USER")
    val verifierKey = env.getValue("ICHIE_VERIFIER_KEY")

    /** POSTs [json] to [path] with the verifier's bearer key: status and body. */
    fun post(path: String, json: String): Pair<Int, String> {
        val store = KeyStore.getInstance(KeyStore.getDefaultType()).apply { load(null, null) }
        CertificateFactory.getInstance("X.509").generateCertificates(caPem.byteInputStream())
            .forEachIndexed { i, cert -> store.setCertificateEntry("ca$i", cert) }
        val tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm()).apply { init(store) }
        val tls = SSLContext.getInstance("TLS").apply { init(null, tmf.trustManagers, null) }
        val request = HttpRequest.newBuilder(URI.create(url + path))
            .header("Authorization", "Bearer $verifierKey")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build()
        val response = HttpClient.newBuilder().sslContext(tls).build().send(request, HttpResponse.BodyHandlers.ofString())
        return response.statusCode() to response.body()
    }

    companion object {
        fun fromEnv(): Server {
            val env = System.getenv()
            val present = env.containsKey("ICHIE_SERVER_URL")
            if (env["ICHIE_REQUIRE_SERVER"] == "1") check(present) { "ICHIE_REQUIRE_SERVER=1 but no ICHIE_SERVER_URL" }
            assumeTrue(present, "no ichie-server (set ICHIE_SERVER_URL etc., see scripts/apps-test.sh)")
            return Server(env)
        }
    }
}

/** A network answer takes real time: wait for the node, not for a duration. */
@OptIn(ExperimentalTestApi::class)
private fun ComposeUiTest.awaitTag(tag: String) =
    waitUntil(timeoutMillis = 30_000) { onAllNodesWithTag(tag, useUnmergedTree = true).fetchSemanticsNodes().isNotEmpty() }

/**
 * One activation through the screens against a real ichie-server over TLS:
 * the link of a service the app does not know is confirmed in the dialog,
 * a wrong password shows the attempts left, the right one adds the token,
 * and the code the list shows is accepted by `POST /v1/verify`.
 */
@OptIn(ExperimentalTestApi::class)
class EndToEndTest {
    @Test
    fun activateThroughTheScreensAndVerifyTheCode() = runComposeUiTest {
        val server = Server.fromEnv()
        val config = ServiceConfig(extraRootPem = server.caPem, timeUrl = server.url + "/v1/time")
        val service = runBlocking {
            RealIchieService.create(tempVault(), RealIchieService.newVaultKey().ok(), config).ok()
        }
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        try {
            val models = AppModels(service, scope, MemoryClipboard())
            models.start()
            setContent { IchieTheme(dark = false) { IchieAppContent(models) } }
            awaitTag("empty")
            onNodeWithTag("add").performClick()
            onNodeWithTag("link-field").performTextInput(server.link)
            onNodeWithTag("check-link").performClick()
            awaitTag("confirm-host")
            onNodeWithTag("confirm-host", useUnmergedTree = true).assertTextEquals(URI(server.url).authority)
            onNodeWithTag("trust").performClick()

            val wrong = if (server.password == "000000") "111111" else "000000"
            onNodeWithTag("password-field").performTextInput(wrong)
            onNodeWithTag("activate").performClick()
            awaitTag("add-failure")
            onNodeWithTag("add-failure").assertTextContains("Wrong activation password. 4 attempts left.")

            onNodeWithTag("password-field").performTextInput(server.password)
            onNodeWithTag("activate").performClick()
            awaitTag("added")
            onNodeWithTag("done").performClick()
            waitUntil(timeoutMillis = 30_000) { models.list.state.value.tokens.any { it.rawCode != null } }
            val token = models.list.state.value.tokens.single()
            awaitTag("code-${token.id}")
            val shown = onNodeWithTag("code-${token.id}", useUnmergedTree = true).fetchSemanticsNode()
                .config[androidx.compose.ui.semantics.SemanticsProperties.Text].joinToString("") { it.text }
            val code = shown.replace(" ", "")
            assertTrue(Regex("""\d{6,8}""").matches(code), shown)

            val (status, body) = server.post("/v1/verify", """{"user_id":"${server.user}","code":"$code"}""")
            assertEquals(200, status, body)
            assertTrue(body.replace(" ", "").contains("\"result\":\"accepted\""), body)
        } finally {
            scope.cancel()
            service.close()
        }
    }
}

package dev.ichie

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.security.KeyStore
import java.security.cert.CertificateFactory
import java.util.concurrent.atomic.AtomicLong
import javax.net.ssl.SSLContext
import javax.net.ssl.TrustManagerFactory
import org.junit.jupiter.api.Assumptions.assumeTrue

/** RFC 6238's SHA-1 seed, `12345678901234567890`, in base32. */
const val RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
const val RFC_URI = "otpauth://totp/RFC%206238:alice?secret=$RFC_SECRET&digits=8&issuer=RFC%206238"

/** A clock the test sets: the foreign `WallClock` trait implemented in Kotlin. */
class ScriptedClock(ms: Long) : WallClock {
    val now = AtomicLong(ms)
    override fun nowMs(): ULong = now.get().toULong()
}

fun tempVault(): String {
    val dir = Files.createTempDirectory("ichie-kotlin")
    dir.toFile().deleteOnExit()
    return dir.resolve("vault.ichie").toString()
}

/** The real ichie-server scripts/bindings-test.sh started, or the test is skipped. */
class Server private constructor(env: Map<String, String>) {
    val url = env.getValue("ICHIE_SERVER_URL")
    val caPem: String = File(env.getValue("ICHIE_CA_PEM")).readText()
    val link = env.getValue("ICHIE_LINK")
    val password = env.getValue("ICHIE_PASSWORD")
    val user = env.getValue("ICHIE_USER")
    val lockLink = env.getValue("ICHIE_LOCK_LINK")
    val verifierKey = env.getValue("ICHIE_VERIFIER_KEY")
    val adminKey = env.getValue("ICHIE_ADMIN_KEY")

    private val http: HttpClient = HttpClient.newBuilder().sslContext(sslContext(caPem)).build()

    /** POSTs JSON with a bearer key; returns the status and body. */
    fun post(path: String, bearer: String, json: String): Pair<Int, String> {
        val request = HttpRequest.newBuilder(URI.create(url.trimEnd('/') + path))
            .header("Authorization", "Bearer $bearer")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        return response.statusCode() to response.body()
    }

    companion object {
        fun fromEnv(): Server {
            val env = System.getenv()
            val present = env.containsKey("ICHIE_SERVER_URL")
            if (env["ICHIE_REQUIRE_SERVER"] == "1") {
                check(present) { "ICHIE_REQUIRE_SERVER=1 but no ICHIE_SERVER_URL" }
            }
            assumeTrue(present, "no ichie-server (run scripts/bindings-test.sh)")
            return Server(env)
        }

        private fun sslContext(pem: String): SSLContext {
            val store = KeyStore.getInstance(KeyStore.getDefaultType()).apply { load(null, null) }
            CertificateFactory.getInstance("X.509").generateCertificates(pem.byteInputStream())
                .forEachIndexed { i, cert -> store.setCertificateEntry("ca$i", cert) }
            val tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm())
            tmf.init(store)
            return SSLContext.getInstance("TLS").apply { init(null, tmf.trustManagers, null) }
        }
    }
}

fun deleteTree(path: Path) {
    path.toFile().deleteRecursively()
}

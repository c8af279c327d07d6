package dev.ichie

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Network errors that need no server, then everything against a real ichie-server. */
class NetworkTest {
    private val unreachableLink =
        "ichie://activate?v=2&url=https%3A%2F%2F127.0.0.1%3A1&service=demo&user=taro&kid=k1&pk=" + "A".repeat(43)

    @Test
    fun offlineNetworkErrors() = runBlocking {
        IchieApp.create(tempVault(), generateVaultKey(), 10u, null).use { app ->
            assertThrows<IchieException.InvalidInput> {
                runBlocking { app.activateWithLink("ichie://nonsense", "123456", null, true, null, false) }
            }
            assertThrows<IchieException.InvalidInput> {
                runBlocking { app.activateWithLink(unreachableLink, "12ab", null, true, null, false) }
            }
            // A service the app does not know: inspect, and activate only once the user confirmed.
            val seen = inspectActivationLink(unreachableLink, null)
            assertEquals(false, seen.knownService)
            assertEquals("127.0.0.1:1", seen.host)
            assertEquals(39, seen.keyFingerprint.length)
            assertThrows<IchieException.UnconfirmedService> {
                runBlocking { app.activateWithLink(unreachableLink, "123456", null, false, null, false) }
            }
            assertThrows<IchieException.Network> {
                runBlocking { app.activateWithLink(unreachableLink, "123456", null, true, null, false) }
            }
            assertThrows<IchieException.NoMatch> {
                runBlocking { app.activateWithService("""{"services":[]}""", "demo", "taro", "123456", null, false) }
            }
            assertThrows<IchieException.InvalidInput> {
                runBlocking { app.checkClock("not a url", null, false) }
            }
            assertEquals(0, app.refreshStatus(null).size)
        }
    }

    @Test
    fun clockCheckAgainstTheServer() = runBlocking {
        val server = Server.fromEnv()
        IchieApp.create(tempVault(), generateVaultKey(), 10u, null).use { app ->
            val report = app.checkClock(server.url + "/v1/time", server.caPem, false)
            assertEquals(ClockVerdict.FINE, report.verdict, report.toString())
            assertTrue(report.estimate.samples >= 3u)
            // Without the CA the server's certificate is not trusted.
            assertThrows<IchieException.Tls> {
                runBlocking { app.checkClock(server.url + "/v1/time", null, false) }
            }
            // A device clock an hour behind is seen as such.
            IchieApp.create(tempVault(), generateVaultKey(), 10u, ScriptedClock(System.currentTimeMillis() - 3_600_000))
                .use { skewed ->
                    val off = skewed.checkClock(server.url + "/v1/time", server.caPem, false)
                    assertEquals(ClockVerdict.CODES_WRONG, off.verdict)
                    assertTrue(off.estimate.offsetMs in 3_590_000L..3_610_000L, off.toString())
                    // "Correct automatically": an hour is beyond 5 minutes, so only when forced.
                    val refused = assertThrows<IchieException.CorrectionRefused> {
                        skewed.applyClockEstimate(off.estimate, false)
                    }
                    assertTrue(refused.needsForce)
                    assertEquals(0L, skewed.clockCorrectionMs())
                    val stored = skewed.applyClockEstimate(off.estimate, true)
                    assertEquals(off.estimate.offsetMs, stored)
                    skewed.addUri("otpauth://totp/X?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
                    assertEquals(stored, skewed.list().single().clockCorrectionMs)
                }
        }
    }

    @Test
    fun fullActivationVerifyRevoke() = runBlocking {
        val server = Server.fromEnv()
        IchieApp.create(tempVault(), generateVaultKey(), 10u, null).use { app ->
            // The app's service directory knows this service: its server and key.
            val kid = Regex("kid=([^&]+)").find(server.link)!!.groupValues[1]
            val pk = Regex("pk=([A-Za-z0-9_-]+)").find(server.link)!!.groupValues[1]
            val serviceId = Regex("service=([^&]+)").find(server.link)!!.groupValues[1]
            val directory = """{"services":[{"service_id":"$serviceId","name":"Test Bank","base_url":"${server.url}","keys":[{"key_id":"$kid","public_key":"$pk"}]}]}"""
            val seen = inspectActivationLink(server.link, directory)
            assertEquals(true, seen.knownService)
            assertEquals("Test Bank", seen.serviceName)
            // A forged link for that service (phishing): refused before anything is sent.
            val forged = server.link.replace(Regex("pk=[A-Za-z0-9_-]+"), "pk=" + "A".repeat(43))
            assertThrows<IchieException.LinkMismatch> { inspectActivationLink(forged, directory) }
            assertThrows<IchieException.LinkMismatch> {
                runBlocking { app.activateWithLink(forged, server.password, directory, true, server.caPem, false) }
            }
            // Without a directory and trusted by the user, the forged key fails the signature.
            assertThrows<IchieException.SignatureMismatch> {
                runBlocking { app.activateWithLink(forged, server.password, null, true, server.caPem, false) }
            }
            // A device clock an hour off is refused before the password is sent.
            IchieApp.create(tempVault(), generateVaultKey(), 10u, ScriptedClock(System.currentTimeMillis() - 3_600_000))
                .use { skewed ->
                    val e = assertThrows<IchieException.ClockOff> {
                        runBlocking { skewed.activateWithLink(server.link, server.password, directory, false, server.caPem, false) }
                    }
                    assertTrue(e.offsetMs > 3_000_000L)
                }
            val wrong = if (server.password == "000000") "111111" else "000000"
            val e = assertThrows<IchieException.WrongActivationPassword> {
                runBlocking { app.activateWithLink(server.link, wrong, directory, false, server.caPem, false) }
            }
            assertTrue(e.attemptsLeft > 0u)

            val report = app.activateWithLink(server.link, server.password, directory, false, server.caPem, false)
            assertEquals(ClockVerdict.FINE, report.clock.verdict)
            val token = app.view(report.id)
            assertEquals(server.url, token.server)
            val (status, body) = server.post(
                "/v1/verify", server.verifierKey,
                """{"user_id":"${server.user}","code":"${token.code}"}""",
            )
            assertEquals(200, status, body)
            assertTrue(body.replace(" ", "").contains("\"result\":\"accepted\""), body)

            // The issuance is used up: answered like any user without one
            // (a decoy challenge, then "wrong password"), so users cannot be probed.
            assertThrows<IchieException.WrongActivationPassword> {
                runBlocking { app.activateWithLink(server.link, server.password, directory, false, server.caPem, false) }
            }
            assertEquals(listOf(RemoteTokenState.ACTIVE), app.refreshStatus(server.caPem).map { it.state })

            val (revoked, revokeBody) = server.post("/v1/admin/users/${server.user}/revoke", server.adminKey, "{}")
            assertTrue(revoked in 200..299, revokeBody)
            assertEquals(listOf(RemoteTokenState.REVOKED), app.refreshStatus(server.caPem).map { it.state })
            assertEquals(TokenState.REVOKED, app.view(report.id).state)
        }
    }

    @Test
    fun tooManyWrongPasswordsLock() = runBlocking {
        val server = Server.fromEnv()
        IchieApp.create(tempVault(), generateVaultKey(), 10u, null).use { app ->
            var locked = false
            for (attempt in 1..20) {
                try {
                    app.activateWithLink(server.lockLink, "99999999", null, true, server.caPem, false)
                    error("a wrong password was accepted")
                } catch (e: IchieException.WrongActivationPassword) {
                    continue
                } catch (e: IchieException.Locked) {
                    locked = true
                    break
                }
            }
            assertTrue(locked, "never locked")
        }
    }
}

package dev.ichie

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Network errors that need no server, then everything against a real ichie-server. */
class NetworkTest {
    private val unreachableLink =
        "ichie://activate?v=1&url=https%3A%2F%2F127.0.0.1%3A1&service=demo&user=taro&kid=k1&pk=" + "A".repeat(43)

    @Test
    fun offlineNetworkErrors() = runBlocking {
        IchieApp.create(tempVault(), generateVaultKey(), 10u, null).use { app ->
            assertThrows<IchieException.InvalidInput> {
                runBlocking { app.activateWithLink("ichie://nonsense", "123456", null, false) }
            }
            assertThrows<IchieException.InvalidInput> {
                runBlocking { app.activateWithLink(unreachableLink, "12ab", null, false) }
            }
            assertThrows<IchieException.Network> {
                runBlocking { app.activateWithLink(unreachableLink, "123456", null, false) }
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
                }
        }
    }

    @Test
    fun fullActivationVerifyRevoke() = runBlocking {
        val server = Server.fromEnv()
        IchieApp.create(tempVault(), generateVaultKey(), 10u, null).use { app ->
            // A forged pinned key: the signed challenge does not verify.
            val forged = server.link.replace(Regex("pk=[A-Za-z0-9_-]+"), "pk=" + "A".repeat(43))
            assertThrows<IchieException.SignatureMismatch> {
                runBlocking { app.activateWithLink(forged, server.password, server.caPem, false) }
            }
            // A device clock an hour off is refused before the password is sent.
            IchieApp.create(tempVault(), generateVaultKey(), 10u, ScriptedClock(System.currentTimeMillis() - 3_600_000))
                .use { skewed ->
                    val e = assertThrows<IchieException.ClockOff> {
                        runBlocking { skewed.activateWithLink(server.link, server.password, server.caPem, false) }
                    }
                    assertTrue(e.offsetMs > 3_000_000L)
                }
            val wrong = if (server.password == "000000") "111111" else "000000"
            val e = assertThrows<IchieException.WrongActivationPassword> {
                runBlocking { app.activateWithLink(server.link, wrong, server.caPem, false) }
            }
            assertTrue(e.attemptsLeft > 0u)

            val report = app.activateWithLink(server.link, server.password, server.caPem, false)
            assertEquals(ClockVerdict.FINE, report.clock.verdict)
            val token = app.view(report.id)
            assertEquals(server.url, token.server)
            val (status, body) = server.post(
                "/v1/verify", server.verifierKey,
                """{"user_id":"${server.user}","code":"${token.code}"}""",
            )
            assertEquals(200, status, body)
            assertTrue(body.replace(" ", "").contains("\"result\":\"accepted\""), body)

            // The issuance is used up.
            assertThrows<IchieException.ExpiredOrUnknown> {
                runBlocking { app.activateWithLink(server.link, server.password, server.caPem, false) }
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
                    app.activateWithLink(server.lockLink, "99999999", server.caPem, false)
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

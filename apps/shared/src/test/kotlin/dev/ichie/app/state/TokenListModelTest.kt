package dev.ichie.app.state

import dev.ichie.app.i18n.English
import dev.ichie.app.i18n.Japanese
import dev.ichie.app.service.FakeIchieService
import dev.ichie.app.service.IchieFailure
import dev.ichie.app.service.Operation
import dev.ichie.app.service.TokenKind
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.advanceTimeBy
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** A Unix time on a whole minute: both 30 s and 60 s steps start here. */
const val BASE_MS = 1_800_000_000_000L

/** The list model over the fake, on virtual time: no real waiting anywhere. */
@OptIn(ExperimentalCoroutinesApi::class)
class TokenListModelTest {
    private fun TestScope.setUp(maxTokens: Int = 10): Triple<FakeIchieService, TokenListModel, MemoryClipboard> {
        val clock = { BASE_MS + testScheduler.currentTime }
        val fake = FakeIchieService(clock, maxTokens)
        val clipboard = MemoryClipboard()
        return Triple(fake, TokenListModel(fake, backgroundScope, clipboard, clock), clipboard)
    }

    private fun TokenListModel.row(id: String) = state.value.tokens.single { it.id == id }

    @Test
    fun codesAreGroupedAndChangeOnTheirOwnStep() = runTest {
        val (fake, model, _) = setUp()
        val bank = fake.seed("Bank", "taro", periodSeconds = 30, digits = 6)
        val shop = fake.seed("Shop", "hanako", periodSeconds = 60, digits = 8)
        model.reload()
        runCurrent()
        assertEquals(groupCode(fake.codeAt(bank, BASE_MS)), model.row(bank).code)
        assertTrue(Regex("""\d{3} \d{3}""").matches(model.row(bank).code!!), model.row(bank).code)
        assertTrue(Regex("""\d{4} \d{4}""").matches(model.row(shop).code!!), model.row(shop).code)
        assertEquals(groupCode(fake.codeAt(bank, BASE_MS + 30_000)), model.row(bank).nextCode)
        assertEquals(1f, model.row(bank).fraction(model.now.value))

        // The countdown ticks on whole seconds without asking the service again.
        advanceTimeBy(1_500)
        runCurrent()
        assertEquals(BASE_MS + 1_000, model.now.value)
        advanceTimeBy(8_500)
        runCurrent()
        val now = model.now.value
        assertEquals(BASE_MS + 10_000, now)
        assertEquals(20f / 30f, model.row(bank).fraction(now), 1e-6f)
        assertEquals(50f / 60f, model.row(shop).fraction(now), 1e-6f)
        assertEquals(20, model.row(bank).secondsLeft(now))
        assertEquals(1, fake.calls(Operation.TOKENS))

        // The last 5 seconds of each token's own step.
        advanceTimeBy(14_000)
        runCurrent()
        assertFalse(model.row(bank).lastSeconds(model.now.value), "6 s left")
        advanceTimeBy(1_000)
        runCurrent()
        assertTrue(model.row(bank).lastSeconds(model.now.value), "5 s left")
        assertFalse(model.row(shop).lastSeconds(model.now.value))

        // At 30 s the 30-second code changes: one read, the next code is now current.
        val next = model.row(bank).nextCode
        val shopCode = model.row(shop).code
        advanceTimeBy(5_000)
        runCurrent()
        assertEquals(2, fake.calls(Operation.TOKENS))
        assertEquals(next, model.row(bank).code)
        assertEquals(shopCode, model.row(shop).code)
        assertEquals(1f, model.row(bank).fraction(model.now.value))
        assertTrue(model.row(shop).lastSeconds(BASE_MS + 55_000))

        // At 60 s both change, in one read.
        advanceTimeBy(30_000)
        runCurrent()
        assertEquals(3, fake.calls(Operation.TOKENS))
        assertEquals(groupCode(fake.codeAt(shop, BASE_MS + 60_000)), model.row(shop).code)
        assertNotEquals(shopCode, model.row(shop).code)
    }

    @Test
    fun copyPutsTheCodeOnTheClipboardAndClearsItAfter30Seconds() = runTest {
        val (fake, model, clipboard) = setUp()
        val id = fake.seed("Bank", "taro")
        model.reload()
        runCurrent()
        model.tap(id)
        runCurrent()
        val code = fake.codeAt(id, BASE_MS)
        assertEquals(code, clipboard.text())
        assertEquals(id, model.state.value.copiedId)
        advanceTimeBy(29_999)
        runCurrent()
        assertEquals(code, clipboard.text())
        advanceTimeBy(1)
        runCurrent()
        assertNull(clipboard.text())
        assertNull(model.state.value.copiedId)

        // Something else copied meanwhile is left alone.
        model.tap(id)
        runCurrent()
        clipboard.setText("a shopping list")
        advanceTimeBy(30_000)
        runCurrent()
        assertEquals("a shopping list", clipboard.text())
    }

    @Test
    fun hotpGeneratesOnTapAndRevokedTokensShowTheBadge() = runTest {
        val (fake, model, clipboard) = setUp()
        val counter = fake.seed("Shop", "bob", kind = TokenKind.HOTP)
        val gone = fake.seed("Old", "taro", server = "https://otp.example.com")
        model.reload()
        runCurrent()
        assertNull(model.row(counter).code)
        model.tap(counter)
        runCurrent()
        val first = clipboard.text()!!
        assertEquals(groupCode(first), model.row(counter).hotpCode)
        model.tap(counter)
        runCurrent()
        assertNotEquals(first, clipboard.text())
        assertEquals(2, fake.calls(Operation.NEXT_HOTP))

        assertFalse(model.row(gone).revoked)
        fake.revoke(gone)
        model.refreshStatus()
        runCurrent()
        assertTrue(model.row(gone).revoked)
        assertEquals(groupCode(clipboard.text()!!), model.row(counter).hotpCode, "HOTP code kept across reloads")
        val before = clipboard.text()
        model.tap(gone)
        runCurrent()
        assertEquals(before, clipboard.text(), "a revoked token's code is not copied")
    }

    @Test
    fun searchShowsWithManyTokensAndFilters() = runTest {
        val (fake, model, _) = setUp()
        listOf("Bank" to "taro", "Mail" to "taro", "Shop" to "hanako", "Cloud" to "jiro").forEach { (i, a) -> fake.seed(i, a) }
        model.reload()
        runCurrent()
        assertFalse(model.state.value.showSearch)
        fake.seed("Bank2", "hanako")
        model.reload()
        runCurrent()
        assertTrue(model.state.value.showSearch)
        model.search("hanako")
        assertEquals(listOf("Shop", "Bank2"), model.state.value.visible.map { it.title })
        model.search("BANK")
        assertEquals(listOf("Bank", "Bank2"), model.state.value.visible.map { it.title })
    }

    @Test
    fun fullVaultAndLoadFailures() = runTest {
        val (fake, model, _) = setUp(maxTokens = 10)
        repeat(10) { fake.seed("Issuer $it", "user") }
        model.reload()
        runCurrent()
        assertTrue(model.state.value.full)
        assertEquals(
            "The vault is full: it holds at most 10 tokens. Delete one to add another.",
            English.vaultFull(model.state.value.maxTokens),
        )
        assertEquals("保管庫がいっぱいです (最大10個)。追加するにはトークンを削除してください。", Japanese.vaultFull(10))

        fake.failNext(Operation.TOKENS, IchieFailure.DamagedVault("bad tag"))
        model.reload()
        runCurrent()
        assertEquals(IchieFailure.DamagedVault("bad tag"), model.state.value.failure)
        assertEquals("The vault file is damaged: bad tag.", English.describe(model.state.value.failure!!))
    }
}

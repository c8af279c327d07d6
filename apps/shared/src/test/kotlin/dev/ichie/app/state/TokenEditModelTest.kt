package dev.ichie.app.state

import dev.ichie.app.i18n.English
import dev.ichie.app.service.FakeIchieService
import dev.ichie.app.service.IchieFailure
import dev.ichie.app.service.IchieResult
import dev.ichie.app.service.Operation
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Rename, reorder, delete with confirmation. */
@OptIn(ExperimentalCoroutinesApi::class)
class TokenEditModelTest {
    @Test
    fun renameMoveAndDeleteAfterConfirmation() = runTest {
        val clock = { BASE_MS + testScheduler.currentTime }
        val fake = FakeIchieService(clock)
        val first = fake.seed("Bank", "taro")
        fake.seed("Mail", "taro")
        val list = TokenListModel(fake, backgroundScope, MemoryClipboard(), clock)
        list.reload()
        runCurrent()
        val edit = TokenEditModel(fake, backgroundScope, list.state.value.tokens[0], 0, 2) { list.reload() }
        assertEquals("Bank", edit.state.value.issuer)
        assertEquals("taro", edit.state.value.account)

        edit.setIssuer("Big Bank")
        edit.setAccount("taro.yamada")
        edit.save()
        runCurrent()
        assertTrue(edit.state.value.saved)
        assertEquals("Big Bank", list.state.value.tokens[0].title)
        assertEquals("taro.yamada", list.state.value.tokens[0].subtitle)

        edit.moveUp()
        runCurrent()
        assertEquals(0, fake.calls(Operation.MOVE), "already at the top")
        edit.moveDown()
        runCurrent()
        assertEquals(listOf("Mail", "Big Bank"), list.state.value.tokens.map { it.title })
        assertEquals("Position 2 of 2", English.position(edit.state.value.position, 2))

        edit.confirmDelete()
        runCurrent()
        assertEquals(0, fake.calls(Operation.DELETE), "no delete without the question")
        edit.requestDelete()
        assertTrue(edit.state.value.confirmingDelete)
        edit.cancelDelete()
        edit.confirmDelete()
        runCurrent()
        assertEquals(0, fake.calls(Operation.DELETE))

        fake.failNext(Operation.DELETE, IchieFailure.Storage("disk full"))
        edit.requestDelete()
        edit.confirmDelete()
        runCurrent()
        assertFalse(edit.state.value.deleted)
        assertEquals("Could not read or write the vault: disk full.", English.describe(edit.state.value.failure!!))

        edit.requestDelete()
        edit.confirmDelete()
        runCurrent()
        assertTrue(edit.state.value.deleted)
        assertEquals(listOf("Mail"), list.state.value.tokens.map { it.title })
        assertEquals(IchieResult.Err(IchieFailure.NotFound(first)), fake.delete(first))
    }
}

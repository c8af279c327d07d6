package dev.ichie.android

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

class InitGateTest {
    @Test
    fun `require before init fails with a message saying what to call`() {
        val gate = InitGate("IchieAndroid.init(context)")
        val e = assertThrows<IllegalStateException> { gate.require() }
        assertTrue(e.message!!.contains("IchieAndroid.init(context)"), e.message)
        assertTrue(e.message!!.contains("Application.onCreate()"), e.message)
        assertFalse(gate.isDone)
    }

    @Test
    fun `runs once and then lets require pass`() {
        val gate = InitGate("x")
        var runs = 0
        gate.runOnce { runs++ }
        gate.runOnce { runs++ }
        assertEquals(1, runs)
        assertTrue(gate.isDone)
        gate.require()
    }

    @Test
    fun `a failing block leaves the gate closed and is retried`() {
        val gate = InitGate("x")
        assertThrows<UnsatisfiedLinkError> { gate.runOnce { throw UnsatisfiedLinkError("no libichie_ffi.so") } }
        assertFalse(gate.isDone)
        assertThrows<IllegalStateException> { gate.require() }
        gate.runOnce { }
        assertTrue(gate.isDone)
    }

    @Test
    fun `concurrent callers run the block once`() {
        val gate = InitGate("x")
        val runs = AtomicInteger()
        val start = CountDownLatch(1)
        val pool = Executors.newFixedThreadPool(8)
        repeat(32) {
            pool.execute {
                start.await()
                gate.runOnce {
                    Thread.sleep(5)
                    runs.incrementAndGet()
                }
            }
        }
        start.countDown()
        pool.shutdown()
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS))
        assertEquals(1, runs.get())
    }
}

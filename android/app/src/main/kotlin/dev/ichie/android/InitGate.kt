package dev.ichie.android

/**
 * A one-time initialisation that later calls can insist on: [runOnce] runs
 * its block once (a block that throws leaves the gate closed, so a later
 * call tries again), and [require] throws an [IllegalStateException] naming
 * [what] until it has succeeded. Plain Kotlin, so that the rule "fail
 * clearly when Ichie was not initialised" is unit-tested on the JVM.
 */
class InitGate(private val what: String) {
    @Volatile
    private var done = false

    /** True once a [runOnce] block completed. */
    val isDone: Boolean get() = done

    /** Runs [block] unless a previous call completed; concurrent callers wait. */
    fun runOnce(block: () -> Unit) {
        if (done) return
        synchronized(this) {
            if (!done) {
                block()
                done = true
            }
        }
    }

    /** Throws [IllegalStateException] unless [runOnce] completed. */
    fun require() {
        check(done) {
            "Ichie is not initialised: call $what in Application.onCreate() before " +
                "opening the vault or making any network call (the TLS certificate " +
                "verifier needs the application Context)"
        }
    }
}

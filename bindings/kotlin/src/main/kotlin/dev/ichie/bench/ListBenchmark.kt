package dev.ichie.bench

import dev.ichie.IchieApp
import dev.ichie.generateVaultKey
import java.nio.file.Files

/**
 * Times `list()` and the per-tick `codes()` with 10 TOTP tokens through JNA
 * (codes computed in Rust, records copied across the FFI):
 * `mvn compile exec:java`.
 */
fun main() {
    val dir = Files.createTempDirectory("ichie-bench")
    try {
        IchieApp.create(dir.resolve("vault.ichie").toString(), generateVaultKey(), 10u, null).use { app ->
            val secrets = listOf(
                "GEZDGNBVGY3TQOJQ", "JBSWY3DPEHPK3PXP", "KRSXG5CTMVRXEZLU", "MFRGGZDFMZTWQ2LK",
                "ONSWG4TFOQYTEMZU", "NBSWY3DPO5XXE3DE", "MZXW6YTBOI2DKNRX", "GAYTEMZUGU3DOOBZ",
                "OBQXG43XN5ZGIZLS", "IFBEGRCFIZDUQSKK",
            )
            for ((i, s) in secrets.withIndex()) {
                app.addUri("otpauth://totp/Bench:user$i?secret=$s&issuer=Bench")
            }
            check(app.list().size == 10)
            check(app.codes().map { it.code } == app.list().map { it.code })
            val rounds = 20_000
            for ((name, call) in listOf<Pair<String, () -> Unit>>(
                "list()" to { app.list() },
                "codes()" to { app.codes() },
            )) {
                repeat(2_000) { call() }
                val start = System.nanoTime()
                repeat(rounds) { call() }
                val us = (System.nanoTime() - start) / 1_000.0 / rounds
                println("%s with 10 tokens through JNA: %.1f µs per call (%d calls)".format(name, us, rounds))
            }
        }
    } finally {
        dir.toFile().deleteRecursively()
    }
}

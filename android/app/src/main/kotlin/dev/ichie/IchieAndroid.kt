package dev.ichie

import android.content.Context
import dev.ichie.android.InitGate
import java.io.File

/**
 * Android set-up of the Ichie library. [init] loads `libichie_ffi.so` (the
 * same library JNA loads for the generated bindings: on Android JNA goes
 * through `System.loadLibrary`, so both see one instance) and hands the
 * application [Context] to rustls-platform-verifier through the JNI entry
 * point `Java_dev_ichie_IchieAndroid_nativeInit` (bindings/src/https.rs).
 * Without it the first TLS handshake fails inside Rust.
 *
 * Call [init] from `Application.onCreate()` (IchieApplication does). The
 * vault is opened through [openApp] only, which refuses with an
 * [IllegalStateException] until [init] succeeded: every network call goes
 * through an [IchieApp], so none can run uninitialised.
 */
object IchieAndroid {
    /** The library name (`libichie_ffi.so`), as in uniffi.toml's `cdylib_name`. */
    const val LIBRARY = "ichie_ffi"

    /** The CLI's default token limit, for [openApp]. */
    const val DEFAULT_MAX_TOKENS: UInt = 10u

    private val gate = InitGate("IchieAndroid.init(context)")

    /** Loads the library and initialises the TLS verifier; idempotent. */
    @JvmStatic
    fun init(context: Context) {
        gate.runOnce {
            System.loadLibrary(LIBRARY)
            // Never an Activity: the verifier keeps a global reference for the process.
            nativeInit(context.applicationContext ?: context)
        }
    }

    /** True once [init] completed in this process. */
    @JvmStatic
    val isInitialized: Boolean get() = gate.isDone

    /** Throws [IllegalStateException] with what to do when [init] was not called. */
    @JvmStatic
    fun requireInitialized() = gate.require()

    /**
     * Opens the vault at [vaultFile] with its 32-byte [key], or creates it
     * when the file does not exist yet. Refuses before [init].
     */
    @JvmStatic
    fun openApp(
        vaultFile: File,
        key: ByteArray,
        maxTokens: UInt = DEFAULT_MAX_TOKENS,
        clock: WallClock? = null,
    ): IchieApp {
        requireInitialized()
        return if (vaultFile.exists()) {
            IchieApp.open(vaultFile.path, key, maxTokens, clock)
        } else {
            IchieApp.create(vaultFile.path, key, maxTokens, clock)
        }
    }

    /** `Java_dev_ichie_IchieAndroid_nativeInit(env, class, context)`: a static native method. */
    @JvmStatic
    private external fun nativeInit(context: Context)
}

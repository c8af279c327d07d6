package dev.ichie.android

import androidx.activity.ComponentActivity
import java.util.ServiceLoader

/**
 * The shared Compose UI (apps/shared) as MainActivity sees it. The glue is
 * compiled without Compose, so the implementation — one class calling
 * `setContent { … }` with the shared entry composable — lives in the Gradle
 * build's UI source set and is found through [ServiceLoader] (listed in
 * META-INF/services/dev.ichie.android.SharedUiEntry); see android/README.md.
 */
interface SharedUiEntry {
    /** Sets [activity]'s content over [shell]; [activationLink] came with the launching Intent. */
    fun show(activity: ComponentActivity, shell: AndroidShell, activationLink: String?)

    /** An activation link that arrived while the activity runs (onNewIntent). */
    fun onActivationLink(link: String)

    companion object {
        /** The connected UI; an [IllegalStateException] saying how to connect one if none is. */
        fun load(): SharedUiEntry =
            ServiceLoader.load(SharedUiEntry::class.java, SharedUiEntry::class.java.classLoader)
                .firstOrNull()
                ?: throw IllegalStateException(
                    "no shared UI connected: add an implementation of dev.ichie.android.SharedUiEntry " +
                        "and list it in META-INF/services (android/README.md, \"Connecting the shared UI\")",
                )
    }
}

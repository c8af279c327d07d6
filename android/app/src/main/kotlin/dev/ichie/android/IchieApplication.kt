package dev.ichie.android

import android.app.Application
import dev.ichie.IchieAndroid

/** Initialises Ichie (library + TLS verifier) before any Activity runs. */
class IchieApplication : Application() {
    override fun onCreate() {
        super.onCreate()
        IchieAndroid.init(this)
    }
}

package dev.ichie.android

import android.content.Intent
import android.os.Bundle
import android.view.WindowManager
import androidx.activity.ComponentActivity
import dev.ichie.IchieAndroid

/**
 * The one activity: no screenshots or recents thumbnails of codes
 * (FLAG_SECURE), `ichie://activate?…` links from the launching Intent and
 * from later ones (singleTop) handed to the shared UI.
 */
class MainActivity : ComponentActivity() {
    private lateinit var ui: SharedUiEntry

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
        IchieAndroid.requireInitialized()
        ui = SharedUiEntry.load()
        // After a configuration change the UI keeps its own state; the link was handled.
        val link = if (savedInstanceState == null) ActivationLinks.fromIntent(intent?.action, intent?.dataString) else null
        ui.show(this, AndroidShell(this), link)
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        setIntent(intent)
        ActivationLinks.fromIntent(intent.action, intent.dataString)?.let(ui::onActivationLink)
    }
}

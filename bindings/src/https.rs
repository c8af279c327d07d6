//! The HTTPS client for network calls, and the Android TLS initialisation.
//!
//! The core builds the TLS configuration (ring, the platform verifier, extra
//! roots); this only passes the app's extra root certificate along.

use ichie_core::https::{self, HttpsConfig};

use crate::error::IchieError;

/// An HTTPS client trusting the platform's roots plus `extra_root_pem` (one
/// or more PEM `CERTIFICATE` blocks, for private deployments and tests).
pub(crate) fn client(extra_root_pem: Option<String>) -> Result<https::Client, IchieError> {
    let config = HttpsConfig {
        extra_roots_pem: extra_root_pem.map(String::into_bytes).into_iter().collect(),
        ..HttpsConfig::default()
    };
    Ok(https::client(&config)?)
}

/// `dev.ichie.IchieAndroid.nativeInit(context)`: hands the application
/// context to rustls-platform-verifier, which needs it (and the JavaVM) to ask
/// Android's trust manager about certificates. The Android shell must call it
/// once, from `Application.onCreate()`, before any network call; otherwise the
/// first TLS handshake fails. See `bindings/README.md`.
#[cfg(target_os = "android")]
#[allow(unsafe_code)] // A JNI entry point must keep its exact symbol name.
mod android {
    use jni::EnvUnowned;
    use jni::objects::{JClass, JObject};

    /// `external fun nativeInit(context: Context)` in `object IchieAndroid`.
    #[unsafe(no_mangle)]
    pub extern "system" fn Java_dev_ichie_IchieAndroid_nativeInit<'caller>(
        mut unowned_env: EnvUnowned<'caller>,
        _class: JClass<'caller>,
        context: JObject<'caller>,
    ) {
        // with_env catches panics; errors become a Java RuntimeException.
        unowned_env
            .with_env(|env| rustls_platform_verifier::android::init_with_env(env, context))
            .resolve::<jni::errors::ThrowRuntimeExAndDefault>()
    }
}

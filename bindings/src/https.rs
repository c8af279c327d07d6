//! The HTTPS client for network calls, and the Android TLS initialisation.
//!
//! The core builds the TLS configuration (ring, the platform verifier, extra
//! roots); this only passes the app's extra root certificate along.

use std::sync::atomic::{AtomicBool, Ordering};

use ichie_core::https::{self, HttpsConfig};

use crate::error::IchieError;

/// An HTTPS client trusting the platform's roots plus `extra_root_pem` (one
/// or more PEM `CERTIFICATE` blocks, for private deployments and tests).
pub(crate) fn client(extra_root_pem: Option<String>) -> Result<https::Client, IchieError> {
    tls_ready(cfg!(target_os = "android"))?;
    let config = HttpsConfig {
        extra_roots_pem: extra_root_pem.map(String::into_bytes).into_iter().collect(),
        ..HttpsConfig::default()
    };
    Ok(https::client(&config)?)
}

/// Whether the platform's TLS verifier was initialised (Android only needs it).
static TLS_INITIALISED: AtomicBool = AtomicBool::new(false);

/// Records that the platform verifier has what it needs.
#[cfg_attr(not(target_os = "android"), allow(dead_code))]
fn mark_tls_initialised() {
    TLS_INITIALISED.store(true, Ordering::SeqCst);
}

/// Refuses network work, with a clear error instead of a panic inside the
/// first handshake, when the platform needs an initialisation that did not
/// happen.
fn tls_ready(platform_needs_init: bool) -> Result<(), IchieError> {
    if platform_needs_init && !TLS_INITIALISED.load(Ordering::SeqCst) {
        return Err(IchieError::Tls {
            reason: "TLS is not initialised: call IchieAndroid.init(context) from \
                     Application.onCreate() before any network call"
                .into(),
        });
    }
    Ok(())
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
            .with_env(|env| {
                rustls_platform_verifier::android::init_with_env(env, context)?;
                super::mark_tls_initialised();
                Ok::<(), jni::errors::Error>(())
            })
            .resolve::<jni::errors::ThrowRuntimeExAndDefault>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_work_waits_for_the_platform_initialisation() {
        // Platforms that need nothing are never refused.
        assert!(tls_ready(false).is_ok());
        let err = tls_ready(true).unwrap_err();
        assert!(
            matches!(&err, IchieError::Tls { reason } if reason.contains("IchieAndroid.init")),
            "{err:?}"
        );
        mark_tls_initialised();
        assert!(tls_ready(true).is_ok());
    }
}

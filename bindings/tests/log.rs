//! The log sink hears what the library did — vault opened, a clock check and
//! an activation that failed, changes — and never a secret, a code or a
//! password.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use ichie_ffi::{IchieApp, IchieError, LogLevel, LogSink, set_log_sink};

#[derive(Default)]
struct Lines(Mutex<Vec<(LogLevel, String)>>);

impl LogSink for Lines {
    fn log(&self, level: LogLevel, message: String) -> Result<(), IchieError> {
        self.0.lock().unwrap().push((level, message));
        Ok(())
    }
}

#[test]
fn the_log_tells_what_happened_and_no_secret() {
    let lines = Arc::new(Lines::default());
    set_log_sink(Some(lines.clone()));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v").display().to_string();
    let app = IchieApp::create(path, vec![6; 32], 10, None).unwrap();
    app.add_uri("otpauth://totp/A:one?secret=JBSWY3DPEHPK3PXP".into())
        .unwrap();
    let code = app.list().unwrap()[0].code.clone().unwrap();
    // Nor does the records' Debug output show a code.
    let debug = format!("{:?} {:?}", app.list().unwrap(), app.codes().unwrap());
    assert!(!debug.contains(&code), "{debug}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Nothing listens on port 1: both fail fast.
    assert!(
        runtime
            .block_on(app.check_clock("https://127.0.0.1:1/v1/time".into(), None, false))
            .is_err()
    );
    let link = format!(
        "ichie://activate?v=2&url=https%3A%2F%2F127.0.0.1%3A1&service=demo&user=taro&kid=k1&pk={}",
        "A".repeat(43)
    );
    assert!(
        runtime
            .block_on(app.activate_with_link(link, "97531864".into(), None, true, None, false))
            .is_err()
    );
    set_log_sink(None);
    app.add_uri("otpauth://totp/B:two?secret=GEZDGNBVGY3TQOJQ".into())
        .unwrap();

    let lines = lines.0.lock().unwrap().clone();
    let text: Vec<&str> = lines.iter().map(|(_, m)| m.as_str()).collect();
    let has = |needle: &str, level: LogLevel| {
        lines.iter().any(|(l, m)| *l == level && m.contains(needle))
    };
    assert!(has("vault open: 0 tokens", LogLevel::Info), "{text:?}");
    assert!(has("vault changed", LogLevel::Debug), "{text:?}");
    assert!(has("clock check failed", LogLevel::Warn), "{text:?}");
    assert!(
        has(
            "activation for service demo at https://127.0.0.1:1",
            LogLevel::Info
        ),
        "{text:?}"
    );
    assert!(has("activation failed", LogLevel::Warn), "{text:?}");
    // Removed sinks hear nothing: the second add is not logged.
    assert_eq!(
        text.iter().filter(|m| **m == "vault changed").count(),
        1,
        "{text:?}"
    );
    for line in &text {
        for secret in ["97531864", "JBSWY3DPEHPK3PXP", code.as_str()] {
            assert!(!line.contains(secret), "{line} shows {secret}");
        }
    }
}

//! Garbage through every exported function: each call answers with a typed
//! `IchieError` (or a sensible value), never a panic.

#![allow(clippy::unwrap_used)] // Test helpers: a failure is a test failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ichie_ffi::{Algorithm, IchieApp, IchieError, TokenState, WallClock, generate_vault_key};

/// RFC 6238's SHA-1 seed, `12345678901234567890`, in base32.
const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

struct ScriptedClock(AtomicU64);

impl WallClock for ScriptedClock {
    fn now_ms(&self) -> Result<u64, IchieError> {
        Ok(self.0.load(Ordering::SeqCst))
    }
}

/// An app clock that fails, as a Kotlin or Swift implementation that throws.
struct BrokenClock;

impl WallClock for BrokenClock {
    fn now_ms(&self) -> Result<u64, IchieError> {
        Err(IchieError::Internal {
            reason: "no time today".into(),
        })
    }
}

/// A throwing app clock is a typed error of each call that needed the time
/// (never a panic); calls that do not need it are unaffected.
#[test]
fn a_failing_app_clock_is_a_typed_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v").display().to_string();
    let app = IchieApp::create(path, vec![1; 32], 10, Some(Arc::new(BrokenClock))).unwrap();
    app.add_uri(format!("otpauth://totp/X?secret={RFC_SECRET}"))
        .unwrap();
    let id = app
        .add_uri("otpauth://totp/Y?secret=JBSWY3DPEHPK3PXP".into())
        .unwrap()
        .added
        .remove(0);
    for result in [
        app.list().map(|_| ()),
        app.codes().map(|_| ()),
        app.view(id.clone()).map(|_| ()),
        app.find("X".into()).map(|_| ()),
        app.corrected_now_ms().map(|_| ()),
    ] {
        match result {
            Err(IchieError::Internal { reason }) => {
                assert!(reason.contains("no time today"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }
    // Calls that do not need the time are unaffected.
    assert_eq!(app.clock_correction_ms(), 0);
    app.rename(id, None, "why".into()).unwrap();
}

fn scripted(ms: u64) -> Arc<ScriptedClock> {
    Arc::new(ScriptedClock(AtomicU64::new(ms)))
}

fn fresh(dir: &tempfile::TempDir, max_tokens: u32) -> Arc<IchieApp> {
    let path = dir.path().join("vault.ichie");
    let key = generate_vault_key().unwrap();
    IchieApp::create(path.display().to_string(), key, max_tokens, None).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

macro_rules! assert_err {
    ($call:expr, $pattern:pat) => {{
        let result = $call;
        assert!(
            matches!(result, Err($pattern)),
            "{}: expected {}, got {:?}",
            stringify!($call),
            stringify!($pattern),
            result
        );
    }};
}

#[test]
fn rfc_6238_code_through_a_scripted_clock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.ichie").display().to_string();
    let key = generate_vault_key().unwrap();
    let clock = scripted(59_000);
    let app = IchieApp::create(path, key, 10, Some(clock.clone())).unwrap();
    let uri = format!("otpauth://totp/RFC:6238?secret={RFC_SECRET}&digits=8&issuer=RFC");
    let report = app.add_uri(uri).unwrap();
    assert_eq!(report.added.len(), 1);
    let view = app.list().unwrap().remove(0);
    assert_eq!(view.code.as_deref(), Some("94287082"));
    assert_eq!(view.ms_until_next, Some(1_000));
    clock.0.store(1_111_111_109_000, Ordering::SeqCst);
    assert_eq!(app.list().unwrap()[0].code.as_deref(), Some("07081804"));
}

#[test]
fn bad_keys_and_files_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.ichie").display().to_string();
    for len in [0, 16, 31, 33, 1024] {
        assert_err!(
            IchieApp::create(path.clone(), vec![7; len], 10, None),
            IchieError::InvalidInput { .. }
        );
        assert_err!(
            IchieApp::open(path.clone(), vec![7; len], 10, None),
            IchieError::InvalidInput { .. }
        );
    }
    // First launch and "already there" are their own cases, not disk failures.
    assert_err!(
        IchieApp::open(path.clone(), vec![7; 32], 10, None),
        IchieError::NoVault { .. }
    );
    IchieApp::create(path.clone(), vec![7; 32], 10, None).unwrap();
    assert_err!(
        IchieApp::create(path.clone(), vec![7; 32], 10, None),
        IchieError::VaultExists { .. }
    );
    assert_err!(
        IchieApp::open(path.clone(), vec![8; 32], 10, None),
        IchieError::WrongKey
    );
    assert_err!(
        IchieApp::open_with_passphrase(path.clone(), "pass".into(), 10, None),
        IchieError::InvalidInput { .. }
    );
    let junk = dir.path().join("junk").display().to_string();
    std::fs::write(&junk, b"ICHIEVLT and then nonsense").unwrap();
    assert_err!(
        IchieApp::open(junk.clone(), vec![7; 32], 10, None),
        IchieError::CorruptVault { .. }
    );
    assert_err!(
        IchieApp::open_with_passphrase(junk, "pass".into(), 10, None),
        IchieError::CorruptVault { .. }
    );
    assert_err!(
        IchieApp::open("".into(), vec![7; 32], 10, None),
        IchieError::NoVault { .. }
    );
}

#[test]
fn garbage_tokens_and_ids_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let app = fresh(&dir, 2);
    for uri in [
        "",
        "hello",
        "otpauth://",
        "otpauth://totp/x",
        "otpauth://totp/x?secret=!!!!",
        "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=99",
        "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=0",
        "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP",
        "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&secret=JBSWY3DPEHPK3PXP",
        "otpauth://totp/%zz?secret=JBSWY3DPEHPK3PXP",
        "otpauth-migration://offline?data=%%%",
        "otpauth-migration://offline?data=AAAA",
        "\u{0}\u{ffff}",
    ] {
        assert_err!(app.add_uri(uri.into()), IchieError::InvalidInput { .. });
    }
    for (secret, digits, period) in [
        ("", 6, None),
        ("not base32!", 6, None),
        (RFC_SECRET, 0, None),
        (RFC_SECRET, 255, None),
        (RFC_SECRET, 6, Some(0)),
        (RFC_SECRET, 6, Some(u32::MAX)),
    ] {
        assert_err!(
            app.add_manual(
                None,
                "a".into(),
                secret.into(),
                Algorithm::Sha1,
                digits,
                period,
                None
            ),
            IchieError::InvalidInput { .. }
        );
    }
    let totp = app
        .add_manual(
            Some("Bank".into()),
            "a".into(),
            RFC_SECRET.into(),
            Algorithm::Sha256,
            6,
            None,
            None,
        )
        .unwrap();
    assert_err!(
        app.add_manual(
            Some("Bank".into()),
            "a".into(),
            RFC_SECRET.into(),
            Algorithm::Sha256,
            6,
            None,
            None
        ),
        IchieError::Duplicate { .. }
    );
    let hotp = app
        .add_manual(
            Some("Shop".into()),
            "b".into(),
            RFC_SECRET.into(),
            Algorithm::Sha1,
            6,
            None,
            Some(u64::MAX),
        )
        .unwrap();
    // The counter saturates rather than wrapping or panicking.
    app.next_hotp_code(hotp.clone()).unwrap();
    assert_err!(
        app.add_uri(format!("otpauth://totp/Third?secret={RFC_SECRET}&digits=7")),
        IchieError::VaultFull { limit: 2 }
    );
    assert_err!(
        app.next_hotp_code(totp.clone()),
        IchieError::InvalidInput { .. }
    );
    for unknown in ["", "nope", "\u{0}", &"x".repeat(10_000)] {
        let id = unknown.to_owned();
        assert_err!(app.view(id.clone()), IchieError::NoMatch { .. });
        assert_err!(app.delete(id.clone()), IchieError::NoMatch { .. });
        assert_err!(
            app.rename(id.clone(), None, "x".into()),
            IchieError::NoMatch { .. }
        );
        assert_err!(
            app.set_state(id.clone(), TokenState::Revoked),
            IchieError::NoMatch { .. }
        );
        assert_err!(app.next_hotp_code(id.clone()), IchieError::NoMatch { .. });
        assert_err!(app.move_to(id.clone(), 0), IchieError::NoMatch { .. });
    }
    assert_err!(app.find("".into()), IchieError::NoMatch { .. });
    assert_err!(app.find("zzzz".into()), IchieError::NoMatch { .. });
    assert!(matches!(
        app.find("(".into()),
        Err(IchieError::Ambiguous { ref names, .. }) if names.len() == 2
    ));
    for position in [2, 3, u64::from(u32::MAX), u64::MAX] {
        assert_err!(
            app.move_to(totp.clone(), position),
            IchieError::InvalidInput { .. }
        );
    }
    app.move_to(totp, 1).unwrap();
    for correction in [i64::MIN, i64::MAX] {
        assert_err!(
            app.set_clock_correction(correction),
            IchieError::CorrectionRefused {
                needs_force: false,
                ..
            }
        );
        let _ = app.list();
    }
    app.set_clock_correction(0).unwrap();
    // Absurd measurements handed back to "correct automatically".
    for (offset_ms, uncertainty_ms, force) in [
        (i64::MIN, 0, true),
        (i64::MAX, u64::MAX, true),
        (600_000, 0, false),
        (1_000, u64::MAX, true),
    ] {
        let estimate = ichie_ffi::ClockEstimate {
            offset_ms,
            uncertainty_ms,
            round_trip_ms: u64::MAX,
            samples: u32::MAX,
        };
        assert_err!(
            app.apply_clock_estimate(estimate, force),
            IchieError::CorrectionRefused { .. }
        );
        assert_eq!(app.clock_correction_ms(), 0);
    }
    for bytes in [vec![], vec![0; 3], b"ICHIEBAK".to_vec(), vec![0xff; 4096]] {
        assert_err!(
            app.import_backup(bytes, "pass".into()),
            IchieError::InvalidInput { .. }
        );
    }
    assert_err!(
        app.change_passphrase(String::new()),
        IchieError::InvalidInput { .. }
    );
    for len in [0, 31, 33] {
        assert_err!(
            app.change_key(vec![1; len]),
            IchieError::InvalidInput { .. }
        );
    }
    let backup = app.export_backup("right".into()).unwrap();
    assert_err!(
        app.import_backup(backup.clone(), "wrong".into()),
        IchieError::WrongKey
    );
    let report = app.import_backup(backup, "right".into()).unwrap();
    assert_eq!(
        (report.added.len(), report.skipped_duplicates.len()),
        (0, 2)
    );
}

#[test]
fn absurd_clocks_do_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    for ms in [0, 1, u64::MAX / 2, u64::MAX] {
        let path = dir.path().join(format!("v{ms}")).display().to_string();
        let app = IchieApp::create(path, vec![1; 32], 10, Some(scripted(ms))).unwrap();
        app.add_uri(format!("otpauth://totp/X?secret={RFC_SECRET}"))
            .unwrap();
        // Corrections beyond ±24 h are refused; the largest allowed ones
        // must not overflow either.
        for correction in [i64::MIN, i64::MAX] {
            assert_err!(
                app.set_clock_correction(correction),
                IchieError::CorrectionRefused { .. }
            );
        }
        for correction in [-86_400_000, -1, 0, 1, 86_400_000] {
            app.set_clock_correction(correction).unwrap();
            let _ = app.list();
            let _ = app.corrected_now_ms();
        }
    }
}

fn link(base_url: &str) -> String {
    let pk = "A".repeat(43);
    format!("ichie://activate?v=2&url={base_url}&service=demo&user=taro&kid=k1&pk={pk}")
}

#[test]
fn garbage_activation_inputs_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let app = fresh(&dir, 10);
    let rt = runtime();
    // Nothing listens on port 1 of this machine.
    let unreachable = link("https%3A%2F%2F127.0.0.1%3A1");
    for garbage in [
        "",
        "ichie://",
        "ichie://activate?v=2",
        "https://x/activate?v=1",
        &link("http%3A%2F%2Fexample.com"),
        &unreachable.replace("pk=", "pk=!"),
        "\u{0}",
    ] {
        assert_err!(
            rt.block_on(app.activate_with_link(
                garbage.into(),
                "123456".into(),
                None,
                true,
                None,
                false
            )),
            IchieError::InvalidInput { .. }
        );
    }
    for password in ["", "12", "abcdef", "123456789", "12 34", "１２３４"] {
        assert_err!(
            rt.block_on(app.activate_with_link(
                unreachable.clone(),
                password.into(),
                None,
                true,
                None,
                false
            )),
            IchieError::InvalidInput { .. }
        );
    }
    for pem in [
        "",
        "garbage",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ] {
        assert_err!(
            rt.block_on(app.activate_with_link(
                unreachable.clone(),
                "123456".into(),
                None,
                true,
                Some(pem.into()),
                false
            )),
            IchieError::InvalidInput { .. }
        );
    }
    assert_err!(
        rt.block_on(app.activate_with_link(
            unreachable.clone(),
            "123456".into(),
            None,
            true,
            None,
            true
        )),
        IchieError::Network { .. }
    );
    // Not confirmed: nothing is sent.
    assert_err!(
        rt.block_on(app.activate_with_link(
            unreachable.clone(),
            "123456".into(),
            None,
            false,
            None,
            false
        )),
        IchieError::UnconfirmedService { .. }
    );
    for json in ["", "{}", "\u{0}", "{\"services\":[{}]}"] {
        assert_err!(
            ichie_ffi::inspect_activation_link(unreachable.clone(), Some(json.into())),
            IchieError::InvalidInput { .. }
        );
        assert_err!(
            rt.block_on(app.activate_with_link(
                unreachable.clone(),
                "123456".into(),
                Some(json.into()),
                true,
                None,
                false
            )),
            IchieError::InvalidInput { .. }
        );
    }
    for garbage in ["", "ichie://", "\u{0}", "https://x/activate?v=1"] {
        assert_err!(
            ichie_ffi::inspect_activation_link(garbage.into(), None),
            IchieError::InvalidInput { .. }
        );
    }
    for json in ["", "{}", "[]", "{\"services\":[{}]}", "\u{0}"] {
        assert_err!(
            rt.block_on(app.activate_with_service(
                json.into(),
                "demo".into(),
                "taro".into(),
                "123456".into(),
                None,
                false
            )),
            IchieError::InvalidInput { .. }
        );
    }
    let directory = format!(
        r#"{{"services":[{{"service_id":"demo","base_url":"https://127.0.0.1:1","keys":[{{"key_id":"k1","public_key":"{}"}}]}}]}}"#,
        "A".repeat(43)
    );
    assert_err!(
        rt.block_on(app.activate_with_service(
            directory.clone(),
            "other".into(),
            "taro".into(),
            "123456".into(),
            None,
            false
        )),
        IchieError::NoMatch { .. }
    );
    assert_err!(
        rt.block_on(app.activate_with_service(
            directory.clone(),
            "demo".into(),
            "bad user id with spaces and \u{0}".into(),
            "123456".into(),
            None,
            false
        )),
        IchieError::InvalidInput { .. }
    );
    assert_err!(
        rt.block_on(app.activate_with_service(
            directory,
            "demo".into(),
            "taro".into(),
            "123456".into(),
            None,
            false
        )),
        IchieError::Network { .. }
    );
    for url in ["", "not a url", "ftp://x", "http://127.0.0.1:1/v1/time"] {
        let result = rt.block_on(app.check_clock(url.into(), None, false));
        assert!(
            matches!(
                result,
                Err(IchieError::InvalidInput { .. } | IchieError::Network { .. })
            ),
            "{url}: {result:?}"
        );
    }
    assert_err!(
        rt.block_on(app.check_clock("https://127.0.0.1:1/v1/time".into(), None, true)),
        IchieError::Network { .. }
    );
    assert_eq!(rt.block_on(app.refresh_status(None)).unwrap(), vec![]);
    assert_err!(
        rt.block_on(app.refresh_status(Some("garbage".into()))),
        IchieError::InvalidInput { .. }
    );
    assert!(app.list().unwrap().is_empty());
}

use super::*;
use crate::clock::{ManualClock, Sample};
use crate::otp::{Hotp, Secret};

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    clock: Arc<ManualClock>,
    key: [u8; 32],
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.vault");
        Self {
            _dir: dir,
            path,
            clock: Arc::new(ManualClock::new(59_000)),
            key: [7; 32],
        }
    }

    fn create(&self) -> App {
        self.create_with(VaultOptions::default())
    }

    fn create_with(&self, options: VaultOptions) -> App {
        App::create(
            &self.path,
            VaultKey::from_bytes(self.key),
            None,
            options,
            self.clock.clone(),
        )
        .unwrap()
    }

    fn reopen(&self) -> App {
        App::open(
            &self.path,
            VaultKey::from_bytes(self.key),
            VaultOptions::default(),
            self.clock.clone(),
        )
        .unwrap()
    }

    fn set_time(&self, ms: u64) {
        self.clock.set(ms);
    }
}

/// RFC 6238's SHA-1 seed, 8 digits.
const RFC_URI: &str = "otpauth://totp/RFC:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8";
const HOTP_URI: &str = "otpauth://hotp/Bank:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0";

#[test]
fn list_shows_rfc_codes_at_the_scripted_time() {
    let f = Fixture::new();
    let mut app = f.create();
    let report = app.add_uri(RFC_URI).unwrap();
    assert_eq!(report.added.len(), 1);
    let views = app.list().unwrap();
    assert_eq!(views.len(), 1);
    let v = &views[0];
    assert_eq!(v.name, "RFC (alice)");
    assert_eq!(v.code.as_deref(), Some("94287082"));
    assert_eq!(v.ms_until_next, Some(1_000));
    assert_eq!(v.period_s, Some(30));
    f.set_time(1_111_111_109_000);
    assert_eq!(app.list().unwrap()[0].code.as_deref(), Some("07081804"));
}

/// The core decides what a revoked token shows: no codes, and no HOTP
/// counter spent; marked active again, it shows codes again.
#[test]
fn a_revoked_token_shows_no_codes() {
    let f = Fixture::new();
    let mut app = f.create();
    let totp = app.add_uri(RFC_URI).unwrap().added.remove(0);
    let hotp = app.add_uri(HOTP_URI).unwrap().added.remove(0);
    for id in [&totp, &hotp] {
        app.set_state(&TokenId::from(id.clone()), TokenState::Revoked)
            .unwrap();
    }
    let views = app.list().unwrap();
    assert_eq!(
        (
            views[0].code.as_deref(),
            views[0].next_code.as_deref(),
            views[0].ms_until_next
        ),
        (None, None, None)
    );
    assert_eq!(views[0].period_s, Some(30));
    let hotp_id = TokenId::from(hotp.clone());
    assert!(matches!(
        app.next_hotp_code(&hotp_id),
        Err(AppError::Revoked(name)) if name == "Bank (bob)"
    ));
    assert_eq!(app.view_of(&hotp_id).unwrap().counter, Some(0));
    app.set_state(&TokenId::from(totp), TokenState::Active)
        .unwrap();
    assert_eq!(app.list().unwrap()[0].code.as_deref(), Some("94287082"));
}

/// A passphrase change keeps the tokens and the Argon2id cost, and only the
/// new passphrase opens the vault afterwards; so does a move to a platform key.
#[test]
fn a_passphrase_change_reencrypts_and_keeps_everything() {
    let f = Fixture::new();
    let kdf = KdfParams::with_cost(64, 1, 1).unwrap();
    let mut app = App::create(
        &f.path,
        kdf.derive(b"old words").unwrap(),
        Some(kdf),
        VaultOptions::default(),
        f.clock.clone(),
    )
    .unwrap();
    app.add_uri(RFC_URI).unwrap();
    assert!(matches!(
        app.change_passphrase(b""),
        Err(AppError::Vault(VaultError::Kdf(_)))
    ));
    app.change_passphrase(b"new words").unwrap();
    let stored = Vault::read_kdf_params(&f.path).unwrap().unwrap();
    assert_eq!(
        (stored.memory_kib, stored.iterations, stored.parallelism),
        (64, 1, 1)
    );
    assert_ne!(stored.salt, kdf.salt);
    let open = |words: &[u8]| {
        App::open(
            &f.path,
            stored.derive(words).unwrap(),
            VaultOptions::default(),
            f.clock.clone(),
        )
    };
    assert!(matches!(
        open(b"old words"),
        Err(AppError::Vault(VaultError::WrongKey))
    ));
    let mut reopened = open(b"new words").unwrap();
    assert_eq!(
        reopened.list().unwrap()[0].code.as_deref(),
        Some("94287082")
    );
    reopened.change_key(VaultKey::from_bytes(f.key)).unwrap();
    assert_eq!(Vault::read_kdf_params(&f.path).unwrap(), None);
    assert_eq!(f.reopen().tokens().len(), 1);
}

/// `codes()` is `list()`'s codes and nothing else.
#[test]
fn codes_are_the_lists_codes() {
    let f = Fixture::new();
    let mut app = f.create();
    app.add_uri(RFC_URI).unwrap();
    app.add_uri(HOTP_URI).unwrap();
    let views = app.list().unwrap();
    let codes = app.codes().unwrap();
    assert_eq!(codes.len(), 2);
    for (view, code) in views.iter().zip(&codes) {
        assert_eq!(
            (&view.id, &view.code, &view.next_code, view.ms_until_next),
            (&code.id, &code.code, &code.next_code, code.ms_until_next)
        );
    }
    assert_eq!(codes[0].code.as_deref(), Some("94287082"));
    assert_eq!(codes[1].code, None);
    assert!(!format!("{codes:?}").contains("94287082"));
}

#[test]
fn clock_correction_shifts_every_code_and_persists() {
    let f = Fixture::new();
    let mut app = f.create();
    app.add_uri(RFC_URI).unwrap();
    f.set_time(1_111_111_109_000 - 45_000);
    app.set_clock_correction(45_000).unwrap();
    assert_eq!(app.list().unwrap()[0].code.as_deref(), Some("07081804"));
    let reopened = f.reopen();
    assert_eq!(reopened.clock_correction_ms(), 45_000);
    assert_eq!(
        reopened.list().unwrap()[0].code.as_deref(),
        Some("07081804")
    );
    // A negative correction larger than the clock (only an older Ichie could
    // have stored one) clamps at the epoch.
    app.vault
        .update(|c| {
            c.clock_correction_ms = -1_000_000_000_000_000;
            Ok(())
        })
        .unwrap();
    assert_eq!(app.corrected_now_ms(), 0);
}

#[test]
fn a_hand_set_correction_beyond_a_day_is_refused_and_nothing_changes() {
    let f = Fixture::new();
    let mut app = f.create();
    app.add_uri(RFC_URI).unwrap();
    app.set_clock_correction(-1_500).unwrap();
    for absurd in [i64::MAX, i64::MIN, 86_400_001, -86_400_001] {
        let err = app.set_clock_correction(absurd).unwrap_err();
        assert!(
            matches!(err, AppError::Correction(CorrectionError::TooLarge { offset_ms, .. }) if offset_ms == absurd),
            "{err}"
        );
        assert_eq!(app.clock_correction_ms(), -1_500);
        assert_eq!(f.reopen().clock_correction_ms(), -1_500);
    }
    // A day, or a time zone set wrong, is allowed when typed in by hand.
    app.set_clock_correction(-9 * 3_600_000).unwrap();
    assert_eq!(f.reopen().clock_correction_ms(), -9 * 3_600_000);
}

#[test]
fn every_view_carries_the_correction_it_was_computed_with() {
    let f = Fixture::new();
    let mut app = f.create();
    app.add_uri(RFC_URI).unwrap();
    app.add_uri(HOTP_URI).unwrap();
    assert!(
        app.list()
            .unwrap()
            .iter()
            .all(|v| v.clock_correction_ms == 0)
    );
    app.set_clock_correction(45_000).unwrap();
    assert!(
        app.list()
            .unwrap()
            .iter()
            .all(|v| v.clock_correction_ms == 45_000)
    );
    let id = app.tokens()[0].id.clone();
    assert_eq!(app.view_of(&id).unwrap().clock_correction_ms, 45_000);
    let json = serde_json::to_value(&app.list().unwrap()[0]).unwrap();
    assert_eq!(json["clock_correction_ms"], 45_000);
}

#[test]
fn a_duplicate_is_refused_and_nothing_is_written() {
    let f = Fixture::new();
    let mut app = f.create();
    app.add_uri(RFC_URI).unwrap();
    // Same secret and parameters under another label is still the same token.
    let err = app
        .add_uri("otpauth://totp/Other:carol?secret=gezdgnbvgy3tqojqgezdgnbvgy3tqojq&digits=8")
        .unwrap_err();
    assert!(
        matches!(err, AppError::Duplicate { ref name } if name == "RFC (alice)"),
        "{err}"
    );
    assert_eq!(f.reopen().tokens().len(), 1);
}

/// A Google Authenticator export of four tokens (from the `uri` tests).
const MIGRATION_URI: &str = "otpauth-migration://offline?data=CiwKCkhlbGxvId6tvu8SEGFsaWNlQGdvb2dsZS5jb20aBkdvb2dsZSABKAEwAgo6ChQxMjM0NTY3ODkwMTIzNDU2Nzg5MBIaQUNNRSBDbzpqb2huLmRvZUBlbWFpbC5jb20aACACKAIwAgoyChQxMjM0NTY3ODkwMTIzNDU2Nzg5MBIJaG90cC11c2VyGgdFeGFtcGxlIAAoADABOAcKQwoUAAECAwQFBgcICQoLDA0ODxAREhMSFOOBv%2BOBmuOBu%2BmKgOihjDp0YXJvGg%2Fjgb%2FjgZrjgbvpioDooYwgAygDMAIQARgBIAAo%2BdK0%2F%2F%2F%2F%2F%2F%2F%2FAQ%3D%3D";

/// The race of issue 8 made deterministic: a handle opened before another
/// one added the token used to pass its duplicate check on its stale copy,
/// then saw the token dropped under the lock and reported success with
/// nothing added. The check now runs under the lock on the fresh contents.
#[test]
fn a_stale_handle_sees_the_duplicate_another_handle_added() {
    let f = Fixture::new();
    let mut first = f.create();
    let mut stale = f.reopen();
    first.add_uri(RFC_URI).unwrap();
    let err = stale.add_uri(RFC_URI).unwrap_err();
    assert!(
        matches!(err, AppError::Duplicate { ref name } if name == "RFC (alice)"),
        "{err}"
    );
    let params = manual_params(Algorithm::Sha1, 8, None, None).unwrap();
    let err = stale
        .add_manual(
            None,
            "again".into(),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            params,
        )
        .unwrap_err();
    assert!(matches!(err, AppError::Duplicate { .. }), "{err}");
    // The refusal refreshed the stale handle.
    assert_eq!(stale.tokens().len(), 1);
    assert_eq!(f.reopen().tokens().len(), 1);

    // A batch from a stale handle: what another handle added is reported as skipped.
    let mut stale = f.reopen();
    let added = first.add_uri(MIGRATION_URI).unwrap();
    assert_eq!(added.added.len(), 4);
    let bytes_before = std::fs::read(&f.path).unwrap();
    let again = stale.add_uri(MIGRATION_URI).unwrap();
    assert!(again.added.is_empty(), "{again:?}");
    assert_eq!(again.skipped_duplicates.len(), 4, "{again:?}");
    assert_eq!(
        std::fs::read(&f.path).unwrap(),
        bytes_before,
        "nothing is written when nothing is added"
    );
    assert_eq!(f.reopen().tokens().len(), 5);
}

/// Ten threads, each with its own handle, add the same token at the same
/// moment: exactly one succeeds, the others are told it is a duplicate.
#[test]
fn parallel_adds_of_the_same_token_make_one_token() {
    let f = Fixture::new();
    drop(f.create());
    let start = std::sync::Barrier::new(10);
    let results: Vec<Result<TokenId, AppError>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..10)
            .map(|i| {
                let (f, start) = (&f, &start);
                scope.spawn(move || {
                    let mut app = f.reopen();
                    let params = manual_params(Algorithm::Sha1, 6, None, None).unwrap();
                    start.wait();
                    app.add_manual(None, format!("same{i}"), "JBSWY3DPEHPK3PXP", params)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let added = results.iter().filter(|r| r.is_ok()).count();
    let duplicates = results
        .iter()
        .filter(|r| matches!(r, Err(AppError::Duplicate { .. })))
        .count();
    assert_eq!((added, duplicates), (1, 9), "{results:?}");
    assert_eq!(f.reopen().tokens().len(), 1);
}

#[test]
fn the_vault_limit_is_a_clear_error() {
    let f = Fixture::new();
    let mut app = f.create_with(VaultOptions { max_tokens: 2 });
    app.add_uri(RFC_URI).unwrap();
    app.add_uri(HOTP_URI).unwrap();
    let err = app
        .add_uri("otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP")
        .unwrap_err();
    assert!(
        matches!(err, AppError::Vault(VaultError::Full { limit: 2 })),
        "{err}"
    );
    assert_eq!(app.tokens().len(), 2);
}

#[test]
fn hotp_counter_is_persisted_before_the_code_is_returned() {
    let f = Fixture::new();
    let mut app = f.create();
    app.add_uri(HOTP_URI).unwrap();
    let id = app.tokens()[0].id.clone();
    assert_eq!(
        app.list().unwrap()[0].code,
        None,
        "HOTP codes are made on request"
    );
    assert_eq!(app.next_hotp_code(&id).unwrap().to_string(), "755224");
    // Another process opening the vault now sees the advanced counter.
    let other = f.reopen();
    assert_eq!(other.list().unwrap()[0].counter, Some(1));
    assert_eq!(app.next_hotp_code(&id).unwrap().to_string(), "287082");
    assert_eq!(f.reopen().list().unwrap()[0].counter, Some(2));
    let totp = app.add_uri(RFC_URI).unwrap().added[0].clone();
    assert!(matches!(
        app.next_hotp_code(&TokenId::from(totp)),
        Err(AppError::NotHotp(_))
    ));
}

#[test]
fn rename_move_delete_persist() {
    let f = Fixture::new();
    let mut app = f.create();
    app.add_uri(RFC_URI).unwrap();
    app.add_uri(HOTP_URI).unwrap();
    app.add_uri("otpauth://totp/GitHub:dev?secret=JBSWY3DPEHPK3PXP")
        .unwrap();
    let github = app.find("github").unwrap().id.clone();
    app.move_to(&github, 0).unwrap();
    app.rename(&github, Some("GitHub".into()), "octocat".into())
        .unwrap();
    let bank = app.find("bank").unwrap().id.clone();
    app.delete(&bank).unwrap();
    let names: Vec<String> = f
        .reopen()
        .list()
        .unwrap()
        .iter()
        .map(|v| v.name.clone())
        .collect();
    assert_eq!(names, ["GitHub (octocat)", "RFC (alice)"]);
    assert!(matches!(
        app.move_to(&github, 5),
        Err(AppError::BadPosition {
            position: 5,
            len: 2
        })
    ));
    assert!(matches!(
        app.delete(&bank),
        Err(AppError::Vault(VaultError::TokenNotFound(_)))
    ));
}

#[test]
fn find_by_id_prefix_name_or_account_and_reports_ambiguity() {
    let f = Fixture::new();
    let mut app = f.create();
    app.add_uri("otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP")
        .unwrap();
    app.add_uri("otpauth://totp/Example:bob?secret=GEZDGNBVGY3TQOJQ")
        .unwrap();
    let alice = app.find("ALICE").unwrap().id.clone();
    assert_eq!(app.find(&alice.as_str()[..6]).unwrap().id, alice);
    assert_eq!(app.find("Example (bob)").unwrap().spec.account, "bob");
    match app.find("example") {
        Err(AppError::Ambiguous { names, .. }) => assert_eq!(names.len(), 2),
        other => panic!("expected ambiguity, got {other:?}"),
    }
    assert!(matches!(app.find("nobody"), Err(AppError::NoMatch(_))));
    assert!(matches!(app.find("  "), Err(AppError::NoMatch(_))));
}

#[test]
fn manual_entry_checks_the_secret_and_parameters() {
    let f = Fixture::new();
    let mut app = f.create();
    let params = manual_params(Algorithm::Sha1, 6, Some(60), None).unwrap();
    app.add_manual(
        Some("Bank".into()),
        "taro".into(),
        "jbsw y3dp ehpk 3pxp",
        params,
    )
    .unwrap();
    assert_eq!(app.list().unwrap()[0].period_s, Some(60));
    assert!(matches!(
        app.add_manual(None, "x".into(), "not base32!", params),
        Err(AppError::Secret(_))
    ));
    assert!(matches!(
        manual_params(Algorithm::Sha1, 9, None, None),
        Err(AppError::Otp(OtpError::InvalidDigits(9)))
    ));
    assert!(matches!(
        manual_params(Algorithm::Sha1, 6, Some(0), None),
        Err(AppError::Otp(OtpError::InvalidStep(0)))
    ));
}

#[test]
fn backup_round_trip_restores_everything_and_never_duplicates() {
    let f = Fixture::new();
    let mut app = f.create();
    app.add_uri(RFC_URI).unwrap();
    app.add_uri(HOTP_URI).unwrap();
    let kdf = KdfParams::with_cost(64, 1, 1).unwrap();
    let backup = app.export_backup(b"correct horse", &kdf).unwrap();

    let g = Fixture::new();
    let mut restored = g.create();
    restored
        .add_uri("otpauth://totp/Mine:me?secret=JBSWY3DPEHPK3PXP")
        .unwrap();
    assert!(matches!(
        restored.import_backup(&backup, b"wrong"),
        Err(AppError::Backup(_))
    ));
    let report = restored.import_backup(&backup, b"correct horse").unwrap();
    assert_eq!(
        (report.added.len(), report.skipped_duplicates.len()),
        (2, 0)
    );
    assert_eq!(
        restored.find("rfc").unwrap().spec.display_name(),
        "RFC (alice)"
    );
    let again = restored.import_backup(&backup, b"correct horse").unwrap();
    assert_eq!(again.added.len(), 0);
    assert_eq!(again.skipped_duplicates, ["RFC (alice)", "Bank (bob)"]);
    assert_eq!(g.reopen().tokens().len(), 3);
}

#[test]
fn an_import_that_would_overflow_adds_nothing() {
    let f = Fixture::new();
    let mut app = f.create();
    app.add_uri(RFC_URI).unwrap();
    app.add_uri(HOTP_URI).unwrap();
    let backup = app
        .export_backup(b"pw", &KdfParams::with_cost(64, 1, 1).unwrap())
        .unwrap();
    let g = Fixture::new();
    let mut small = g.create_with(VaultOptions { max_tokens: 1 });
    let err = small.import_backup(&backup, b"pw").unwrap_err();
    assert!(
        matches!(err, AppError::Vault(VaultError::Full { limit: 1 })),
        "{err}"
    );
    assert!(small.tokens().is_empty());
}

/// A time source whose server runs `offset_ms` ahead and answers after a
/// scripted one-way delay, on the same scripted clock.
struct LyingServer {
    clock: Arc<ManualClock>,
    offset_ms: u64,
    one_way_ms: u64,
}

impl TimeSource for LyingServer {
    fn sample(
        &self,
        clock: &dyn WallClock,
    ) -> impl Future<Output = Result<Sample, ClockError>> + Send {
        let sent_ms = clock.now_ms();
        self.clock.advance(self.one_way_ms);
        let server_ms = self.clock.now_ms() + self.offset_ms;
        self.clock.advance(self.one_way_ms);
        let received_ms = clock.now_ms();
        std::future::ready(Ok(Sample {
            sent_ms,
            server_ms,
            received_ms,
            server_resolution_ms: 1,
        }))
    }
}

#[tokio::test]
async fn clock_check_is_judged_against_the_shortest_step() {
    let f = Fixture::new();
    let mut app = f.create();
    app.add_uri("otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP&period=60")
        .unwrap();
    let server = LyingServer {
        clock: f.clock.clone(),
        offset_ms: 40_000,
        one_way_ms: 20,
    };
    let report = app.check_clock(&server).await.unwrap();
    assert_eq!(report.estimate.offset_ms, 40_000);
    assert_eq!(report.judged_step_s, 60);
    assert_eq!(report.verdict, ClockVerdict::Warn);
    app.add_uri(RFC_URI).unwrap();
    let report = app.check_clock(&server).await.unwrap();
    assert_eq!(
        (report.judged_step_s, report.verdict),
        (30, ClockVerdict::CodesWrong)
    );
    // Applying the measured offset makes the codes right again.
    app.set_clock_correction(report.estimate.offset_ms).unwrap();
    let true_now = f.clock.now_ms() + 40_000;
    let expected = Hotp::new(
        Algorithm::Sha1,
        &Secret::new(b"12345678901234567890".to_vec()).unwrap(),
        Digits::EIGHT,
    )
    .code(true_now / 30_000)
    .to_string();
    assert_eq!(
        app.find("rfc")
            .map(|t| t.id.clone())
            .and_then(|id| app.view_of(&id))
            .unwrap()
            .code,
        Some(expected)
    );
}

/// A time source that always answers `server_ms`, after `round_trip_ms`.
struct FixedAnswer {
    clock: Arc<ManualClock>,
    server_ms: u64,
    round_trip_ms: u64,
}

impl TimeSource for FixedAnswer {
    fn sample(
        &self,
        clock: &dyn WallClock,
    ) -> impl Future<Output = Result<Sample, ClockError>> + Send {
        let sent_ms = clock.now_ms();
        self.clock.advance(self.round_trip_ms);
        std::future::ready(Ok(Sample {
            sent_ms,
            server_ms: self.server_ms,
            received_ms: clock.now_ms(),
            server_resolution_ms: 1,
        }))
    }
}

#[tokio::test]
async fn absurd_or_doubtful_measurements_never_become_the_correction() {
    let f = Fixture::new();
    f.set_time(1_750_000_000_000);
    let mut app = f.create();
    app.add_uri(RFC_URI).unwrap();
    app.set_clock_correction(1_500).unwrap();
    // `{"unix_ms":18446744073709551615}`: refused even when forced.
    let max = FixedAnswer {
        clock: f.clock.clone(),
        server_ms: u64::MAX,
        round_trip_ms: 40,
    };
    let report = app.check_clock(&max).await.unwrap();
    assert_eq!(report.estimate.offset_ms, i64::MAX);
    for force in [false, true] {
        let err = app.apply_clock_report(&report, force).unwrap_err();
        assert!(
            matches!(err, AppError::Correction(CorrectionError::TooLarge { .. })),
            "{err}"
        );
    }
    // +606 s measured over 12 s round trips (± 6 s): too uncertain for 30 s codes.
    let slow = LyingServer {
        clock: f.clock.clone(),
        offset_ms: 606_000,
        one_way_ms: 6_000,
    };
    let report = app.check_clock(&slow).await.unwrap();
    assert_eq!(report.estimate.offset_ms, 606_000);
    assert_eq!(report.estimate.round_trip_ms, 12_000);
    assert!(report.estimate.uncertainty_ms >= 6_000, "{report:?}");
    for force in [false, true] {
        let err = app.apply_clock_report(&report, force).unwrap_err();
        assert!(
            matches!(
                err,
                AppError::Correction(CorrectionError::TooUncertain { .. })
            ),
            "{err}"
        );
    }
    // Nothing above changed the stored correction.
    assert_eq!(f.reopen().clock_correction_ms(), 1_500);

    // +606 s measured precisely: only when forced.
    let precise = LyingServer {
        clock: f.clock.clone(),
        offset_ms: 606_000,
        one_way_ms: 20,
    };
    let report = app.check_clock(&precise).await.unwrap();
    let err = app.apply_clock_report(&report, false).unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Correction(CorrectionError::NeedsForce { .. })
        ),
        "{err}"
    );
    assert_eq!(f.reopen().clock_correction_ms(), 1_500);
    assert_eq!(app.apply_clock_report(&report, true).unwrap(), 606_000);
    assert_eq!(f.reopen().clock_correction_ms(), 606_000);
    assert_eq!(app.list().unwrap()[0].clock_correction_ms, 606_000);
}

#[tokio::test]
async fn the_uncertainty_is_judged_against_the_shortest_step_in_the_vault() {
    let f = Fixture::new();
    let mut app = f.create();
    app.add_uri(RFC_URI).unwrap();
    // ± 3 s: fine for 30 s codes …
    let server = LyingServer {
        clock: f.clock.clone(),
        offset_ms: 40_000,
        one_way_ms: 3_000,
    };
    let report = app.check_clock(&server).await.unwrap();
    assert_eq!(app.apply_clock_report(&report, false).unwrap(), 40_000);
    // … but not once a 10 s token is in the vault (limit 2.5 s).
    app.add_uri("otpauth://totp/Fast:f?secret=JBSWY3DPEHPK3PXP&period=10")
        .unwrap();
    let report = app.check_clock(&server).await.unwrap();
    let err = app.apply_clock_report(&report, true).unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Correction(CorrectionError::TooUncertain {
                limit_ms: 2_500,
                step_s: 10,
                ..
            })
        ),
        "{err}"
    );
}

/// The activation path's clock decision goes through the same bound.
#[cfg(feature = "client")]
#[test]
fn activation_stores_a_correction_only_within_the_bound() {
    let f = Fixture::new();
    let app = f.create();
    let thirty = Step::THIRTY_SECONDS;
    let report = |offset_ms: i64, uncertainty_ms: u64| {
        let estimate = ClockEstimate {
            offset_ms,
            uncertainty_ms,
            round_trip_ms: uncertainty_ms * 2,
            samples: 1,
        };
        ClockReport {
            estimate,
            verdict: clock::verdict(&estimate, thirty),
            judged_step_s: 30,
        }
    };
    let decide = |app: &App, offset_ms, uncertainty_ms, policy| {
        app.prepare_activation("1234", None, policy)
            .unwrap()
            .correction(&report(offset_ms, uncertainty_ms), thirty)
    };
    use ClockPolicy::{ApplyCorrection, ForceCorrection, Refuse};
    // Fine clocks are left alone; doubtful ones corrected only when asked.
    assert_eq!(decide(&app, 1_000, 50, ApplyCorrection).unwrap(), None);
    assert_eq!(decide(&app, 12_000, 50, Refuse).unwrap(), None);
    assert_eq!(
        decide(&app, 12_000, 50, ApplyCorrection).unwrap(),
        Some(12_000)
    );
    // Wrong codes: refused, corrected within the bound, forced beyond 5 min.
    assert!(matches!(
        decide(&app, 90_000, 50, Refuse),
        Err(AppError::ClockOff { offset_ms: 90_000 })
    ));
    assert_eq!(
        decide(&app, 90_000, 50, ApplyCorrection).unwrap(),
        Some(90_000)
    );
    assert!(matches!(
        decide(&app, 606_000, 50, ApplyCorrection),
        Err(AppError::Correction(CorrectionError::NeedsForce { .. }))
    ));
    assert_eq!(
        decide(&app, 606_000, 50, ForceCorrection).unwrap(),
        Some(606_000)
    );
    for policy in [ApplyCorrection, ForceCorrection] {
        assert!(matches!(
            decide(&app, i64::MAX, 50, policy),
            Err(AppError::Correction(CorrectionError::TooLarge { .. }))
        ));
        assert!(matches!(
            decide(&app, 606_000, 6_000, policy),
            Err(AppError::Correction(CorrectionError::TooUncertain { .. }))
        ));
    }
    // Doubtful codes and a doubtful measurement: go on, uncorrected.
    assert_eq!(decide(&app, 20_000, 6_000, ApplyCorrection).unwrap(), None);
    // A 10 s token already in the vault tightens the bound for a 30 s one.
    let mut app = app;
    app.add_uri("otpauth://totp/Fast:f?secret=JBSWY3DPEHPK3PXP&period=10")
        .unwrap();
    assert!(matches!(
        decide(&app, 90_000, 3_000, ApplyCorrection),
        Err(AppError::Correction(CorrectionError::TooUncertain {
            limit_ms: 2_500,
            ..
        }))
    ));
}

#[test]
fn views_never_show_codes_in_debug() {
    let f = Fixture::new();
    let mut app = f.create();
    app.add_uri(RFC_URI).unwrap();
    let view = &app.list().unwrap()[0];
    let dbg = format!("{view:?} {app:?}");
    assert!(!dbg.contains("94287082"), "{dbg}");
    assert!(!dbg.contains("GEZDGNBV"), "{dbg}");
}

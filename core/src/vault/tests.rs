//! Tests of the vault: round trips, damage, limits, injected write failures,
//! killed writers, concurrent handles, keys and properties.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::format::{HEADER_LEN, offset};
use super::*;
use crate::otp::{Algorithm, Digits, Secret, Step};
use crate::token::{Origin, OtpKind, OtpParams, ServerBinding, TokenSpec, TokenState};

const SECRET_B32: &str = "JBSWY3DPEHPK3PXP";

fn key() -> VaultKey {
    VaultKey::from_bytes([7; 32])
}

fn other_key() -> VaultKey {
    VaultKey::from_bytes([8; 32])
}

fn token(n: i64) -> Token {
    let spec = TokenSpec {
        issuer: Some("Example".into()),
        account: format!("n{n}"),
        secret: crate::token::decode_base32_secret(SECRET_B32).unwrap(),
        params: OtpParams::default(),
    };
    Token::new(spec, Origin::Imported).unwrap()
}

fn accounts(contents: &VaultContents) -> Vec<String> {
    contents
        .tokens
        .iter()
        .map(|t| t.spec.account.clone())
        .collect()
}

fn cheap_kdf() -> KdfParams {
    KdfParams::with_cost(8, 1, 1).unwrap()
}

fn options(max_tokens: usize) -> VaultOptions {
    VaultOptions { max_tokens }
}

/// A fresh directory with a vault holding tokens `n0..n{count}`.
fn vault_with(count: i64) -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.vault");
    let mut vault = Vault::create(&path, key(), None, options(1000)).unwrap();
    for n in 0..count {
        vault
            .update(|c| {
                c.tokens.push(token(n));
                Ok(())
            })
            .unwrap();
    }
    (dir, vault)
}

fn add(vault: &mut Vault, n: i64) -> Result<(), VaultError> {
    vault.update(|c| {
        c.tokens.push(token(n));
        Ok(())
    })
}

/// Files in `dir` other than the vault and its lock.
fn stray_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "tokens.vault" && n != "tokens.vault.lock")
        .collect()
}

/// Seals an arbitrary payload under `key()`, as a vault.
fn seal_payload(json: &str) -> Vec<u8> {
    format::seal(MAGIC, None, &key(), json.as_bytes()).unwrap()
}

// --- basics -----------------------------------------------------------------

#[test]
fn create_update_open_round_trip() {
    let (dir, mut vault) = vault_with(2);
    vault
        .update(|c| {
            c.clock_correction_ms = -1500;
            Ok(())
        })
        .unwrap();
    let path = dir.path().join("tokens.vault");
    let opened = Vault::open(&path, key(), VaultOptions::default()).unwrap();
    assert_eq!(opened.contents(), vault.contents());
    assert_eq!(accounts(opened.contents()), ["n0", "n1"]);
    assert_eq!(opened.contents().clock_correction_ms, -1500);
    assert_eq!(opened.path(), path);
    assert_eq!(opened.options().max_tokens, 10);
    assert_eq!(Vault::read_kdf_params(&path).unwrap(), None);
}

#[test]
fn create_refuses_an_existing_file_but_not_a_stray_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.vault");
    fs::write(&path, b"something else").unwrap();
    assert!(matches!(
        Vault::create(&path, key(), None, VaultOptions::default()),
        Err(VaultError::AlreadyExists(p)) if p == path
    ));
    assert_eq!(fs::read(&path).unwrap(), b"something else");

    let other = dir.path().join("other.vault");
    let stray = file::temp_path_for_tests(&other, "0123456789abcdef");
    fs::write(&stray, b"half a vault").unwrap();
    Vault::create(&other, key(), None, VaultOptions::default()).unwrap();
    assert!(Vault::open(&other, key(), VaultOptions::default()).is_ok());
    assert!(!stray.exists(), "the stray temp file is cleaned up");
}

#[test]
fn open_of_a_missing_file_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.vault");
    assert!(matches!(
        Vault::open(&path, key(), VaultOptions::default()),
        Err(VaultError::NotFound(p)) if p == path
    ));
    assert!(matches!(
        Vault::read_kdf_params(&path),
        Err(VaultError::NotFound(_))
    ));
}

#[test]
fn wrong_key_is_told_apart() {
    let (_dir, vault) = vault_with(1);
    assert!(matches!(
        Vault::open(vault.path(), other_key(), VaultOptions::default()),
        Err(VaultError::WrongKey)
    ));
    let bytes = fs::read(vault.path()).unwrap();
    assert!(matches!(
        decode(&bytes, &other_key()),
        Err(VaultError::WrongKey)
    ));
}

#[test]
fn token_lookup() {
    let (_dir, mut vault) = vault_with(3);
    let id = vault.contents().tokens[1].id.clone();
    assert_eq!(vault.contents().position(&id).unwrap(), 1);
    vault
        .update(|c| {
            c.token_mut(&id)?.state = TokenState::Revoked;
            Ok(())
        })
        .unwrap();
    assert_eq!(vault.contents().tokens[1].state, TokenState::Revoked);
    let missing = TokenId::from("00".repeat(16));
    assert!(matches!(
        vault.contents().position(&missing),
        Err(VaultError::TokenNotFound(i)) if i == missing
    ));
    let before = fs::read(vault.path()).unwrap();
    let err = vault
        .update(|c| c.token_mut(&missing).map(|_| ()))
        .unwrap_err();
    assert!(matches!(err, VaultError::TokenNotFound(_)));
    assert_eq!(fs::read(vault.path()).unwrap(), before);
}

#[test]
fn debug_and_errors_show_no_secrets() {
    let (_dir, vault) = vault_with(1);
    let key_debug = format!("{:?}", VaultKey::from_bytes([0xAB; 32]));
    assert!(!key_debug.contains("171") && !key_debug.to_lowercase().contains("ab"));
    let vault_debug = format!("{vault:?}");
    assert!(!vault_debug.contains(SECRET_B32), "{vault_debug}");
    assert!(!vault_debug.contains("[7, 7"), "{vault_debug}");
    assert!(!format!("{:?}", vault.contents()).contains(SECRET_B32));
}

// --- damage -----------------------------------------------------------------

/// Flips every byte of a vault in turn (with several masks): each time an
/// error of the right kind, and never a write to the file.
#[test]
fn every_flipped_byte_is_an_error_and_never_rewrites_the_file() {
    let (_dir, mut vault) = vault_with(1);
    let path = vault.path().to_owned();
    let good = fs::read(&path).unwrap();
    let key_check = offset::KEY_CHECK..offset::KEY_CHECK + 16;
    let version = offset::VERSION..offset::VERSION + 2;
    for i in 0..good.len() {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut bad = good.clone();
            bad[i] ^= mask;
            fs::write(&path, &bad).unwrap();
            let err = Vault::open(&path, key(), VaultOptions::default()).unwrap_err();
            let ok = if key_check.contains(&i) {
                matches!(err, VaultError::WrongKey)
            } else if version.contains(&i) {
                matches!(err, VaultError::UnsupportedVersion(_))
            } else {
                matches!(err, VaultError::Corrupt(_))
            };
            assert!(ok, "byte {i} ^ {mask:#x}: {err:?}");
            let err = add(&mut vault, 9).unwrap_err();
            assert!(!matches!(err, VaultError::Io { .. }), "byte {i}: {err:?}");
            assert!(vault.reload().is_err());
            assert_eq!(fs::read(&path).unwrap(), bad, "byte {i} ^ {mask:#x}");
            assert_eq!(accounts(vault.contents()), ["n0"]);
        }
    }
}

/// The same with a passphrase-derived key: the KDF fields are authenticated
/// too.
#[test]
fn every_flipped_byte_of_a_passphrase_vault_is_an_error() {
    let kdf = cheap_kdf();
    let key = kdf.derive(b"correct horse").unwrap();
    let contents = VaultContents {
        tokens: vec![token(0)],
        clock_correction_ms: 3,
    };
    let good = encode(&contents, &key, Some(&kdf)).unwrap();
    assert_eq!(decode(&good, &key).unwrap(), contents);
    for i in 0..good.len() {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut bad = good.clone();
            bad[i] ^= mask;
            let err = decode(&bad, &key).unwrap_err();
            let ok = match i {
                8..=9 => matches!(err, VaultError::UnsupportedVersion(_)),
                39..=54 => matches!(err, VaultError::WrongKey),
                _ => matches!(err, VaultError::Corrupt(_)),
            };
            assert!(ok, "byte {i} ^ {mask:#x}: {err:?}");
        }
    }
}

#[test]
fn every_truncation_is_a_typed_error() {
    let (_dir, vault) = vault_with(1);
    let good = fs::read(vault.path()).unwrap();
    for len in 0..good.len() {
        let err = decode(&good[..len], &key()).unwrap_err();
        assert!(
            matches!(err, VaultError::Corrupt(_)),
            "length {len}: {err:?}"
        );
        fs::write(vault.path(), &good[..len]).unwrap();
        let err = Vault::open(vault.path(), key(), VaultOptions::default()).unwrap_err();
        assert!(
            matches!(err, VaultError::Corrupt(_)),
            "length {len}: {err:?}"
        );
    }
    // Trailing bytes are damage too.
    let mut long = good.clone();
    long.push(0);
    assert!(matches!(decode(&long, &key()), Err(VaultError::Corrupt(_))));
}

#[test]
fn unknown_versions_are_unsupported() {
    let good = encode(&VaultContents::default(), &key(), None).unwrap();
    let mut newer = good.clone();
    newer[offset::VERSION..offset::VERSION + 2].copy_from_slice(&2u16.to_be_bytes());
    assert!(matches!(
        decode(&newer, &key()),
        Err(VaultError::UnsupportedVersion(2))
    ));
    // Even a newer file too short for a version-1 header says so.
    assert!(matches!(
        decode(&newer[..12], &key()),
        Err(VaultError::UnsupportedVersion(2))
    ));
    let payload = seal_payload(r#"{"payload_version":7,"tokens":"anything new"}"#);
    assert!(matches!(
        decode(&payload, &key()),
        Err(VaultError::UnsupportedVersion(7))
    ));
}

#[test]
fn not_a_vault_is_corrupt() {
    let backup = crate::backup::export(&[token(0)], b"pw", &cheap_kdf()).unwrap();
    assert!(matches!(
        decode(&backup, &key()),
        Err(VaultError::Corrupt(_))
    ));
    assert!(matches!(decode(b"", &key()), Err(VaultError::Corrupt(_))));
    let mut huge = encode(&VaultContents::default(), &key(), None).unwrap();
    huge.resize(format::MAX_FILE_LEN + 1, 0);
    assert!(matches!(decode(&huge, &key()), Err(VaultError::Corrupt(_))));
}

#[test]
fn duplicate_ids_are_corrupt_and_refused() {
    let t = token(0);
    let json = serde_json::to_string(&t).unwrap();
    let payload =
        format!(r#"{{"payload_version":1,"tokens":[{json},{json}],"clock_correction_ms":0}}"#);
    let err = decode(&seal_payload(&payload), &key()).unwrap_err();
    assert!(
        matches!(&err, VaultError::Corrupt(r) if r.contains(t.id.as_str())),
        "{err:?}"
    );

    let (_dir, mut vault) = vault_with(1);
    let before = fs::read(vault.path()).unwrap();
    let err = vault
        .update(|c| {
            let copy = c.tokens[0].clone();
            c.tokens.push(copy);
            Ok(())
        })
        .unwrap_err();
    assert!(matches!(err, VaultError::DuplicateId(_)), "{err:?}");
    assert_eq!(fs::read(vault.path()).unwrap(), before);
    assert_eq!(vault.contents().tokens.len(), 1);
}

#[test]
fn an_unreadable_token_makes_the_whole_file_corrupt_without_echoing_it() {
    let good = serde_json::to_string(&token(0)).unwrap();
    let bad = serde_json::to_string(&token(1))
        .unwrap()
        .replace(SECRET_B32, "ABC1SECRETXYZ");
    let payload =
        format!(r#"{{"payload_version":1,"tokens":[{good},{bad}],"clock_correction_ms":0}}"#);
    let err = decode(&seal_payload(&payload), &key()).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, VaultError::Corrupt(_)), "{err:?}");
    assert!(
        !message.contains("ABC1") && !message.contains("'1'"),
        "{message}"
    );
    // Unknown fields are refused rather than dropped on the next write.
    let payload = r#"{"payload_version":1,"tokens":[],"clock_correction_ms":0,"later":1}"#;
    assert!(matches!(
        decode(&seal_payload(payload), &key()),
        Err(VaultError::Corrupt(_))
    ));
    // Missing fields are not defaulted either.
    let payload = r#"{"payload_version":1,"tokens":[]}"#;
    assert!(matches!(
        decode(&seal_payload(payload), &key()),
        Err(VaultError::Corrupt(_))
    ));
}

// --- limits -----------------------------------------------------------------

#[test]
fn the_eleventh_token_is_refused_and_the_file_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.vault");
    let mut vault = Vault::create(&path, key(), None, VaultOptions::default()).unwrap();
    for n in 0..10 {
        add(&mut vault, n).unwrap();
    }
    let before = fs::read(&path).unwrap();
    assert!(matches!(
        add(&mut vault, 10),
        Err(VaultError::Full { limit: 10 })
    ));
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(vault.contents().tokens.len(), 10);
    // Changes that do not grow the vault still work.
    vault
        .update(|c| {
            c.tokens.swap(0, 9);
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_limit_is_configurable_and_never_drops_tokens() {
    let (dir, _vault) = vault_with(5);
    let path = dir.path().join("tokens.vault");
    let mut small = Vault::open(&path, key(), options(3)).unwrap();
    assert_eq!(
        small.contents().tokens.len(),
        5,
        "over the limit, still all read"
    );
    assert!(matches!(
        add(&mut small, 5),
        Err(VaultError::Full { limit: 3 })
    ));
    small
        .update(|c| {
            c.tokens.pop();
            Ok(())
        })
        .unwrap();
    assert_eq!(small.contents().tokens.len(), 4);
    let mut large = Vault::open(&path, key(), options(6)).unwrap();
    add(&mut large, 6).unwrap();
    add(&mut large, 7).unwrap();
    assert!(matches!(
        add(&mut large, 8),
        Err(VaultError::Full { limit: 6 })
    ));
}

// --- failures and crashes ---------------------------------------------------

#[test]
fn a_failing_change_leaves_everything_as_it_was() {
    let (_dir, mut vault) = vault_with(2);
    let before = fs::read(vault.path()).unwrap();
    let err = vault
        .update(|c| -> Result<(), VaultError> {
            c.tokens.clear();
            Err(VaultError::Kdf("caller gave up".into()))
        })
        .unwrap_err();
    assert!(matches!(err, VaultError::Kdf(_)));
    assert_eq!(fs::read(vault.path()).unwrap(), before);
    assert_eq!(accounts(vault.contents()), ["n0", "n1"]);
}

/// `try_update` runs the caller's check under the lock on what another
/// handle just wrote; a refusal writes nothing and leaves the handle with the
/// fresh contents. A change that changes nothing writes nothing either.
#[test]
fn try_update_checks_fresh_contents_and_writes_only_changes() {
    #[derive(Debug)]
    enum Refused {
        Taken(usize),
        Vault(VaultError),
    }
    impl From<VaultError> for Refused {
        fn from(e: VaultError) -> Self {
            Self::Vault(e)
        }
    }
    let (dir, mut stale) = vault_with(1);
    let mut other = Vault::open(&dir.path().join("tokens.vault"), key(), options(10)).unwrap();
    add(&mut other, 1).unwrap();
    let before = fs::read(stale.path()).unwrap();
    let err = stale
        .try_update(|c| -> Result<(), Refused> {
            match c.tokens.iter().position(|t| t.spec.account == "n1") {
                Some(at) => Err(Refused::Taken(at)),
                None => {
                    c.tokens.push(token(1));
                    Ok(())
                }
            }
        })
        .unwrap_err();
    assert!(matches!(err, Refused::Taken(1)), "{err:?}");
    assert_eq!(fs::read(stale.path()).unwrap(), before);
    assert_eq!(accounts(stale.contents()), ["n0", "n1"]);
    stale.update(|_| Ok(())).unwrap();
    assert_eq!(
        fs::read(stale.path()).unwrap(),
        before,
        "no change, no write"
    );
    // `other` was opened with a limit of 10.
    let full = other.try_update(|c| -> Result<(), Refused> {
        c.tokens.extend((2..20).map(token));
        Ok(())
    });
    assert!(matches!(
        full,
        Err(Refused::Vault(VaultError::Full { limit: 10 }))
    ));
    assert_eq!(fs::read(stale.path()).unwrap(), before);
}

/// Each step of the atomic write fails in turn: before the rename the file
/// keeps the old contents, after it the new; never an unreadable file, and
/// the open handle keeps the old state.
#[test]
fn a_failure_at_each_write_step_keeps_a_readable_vault() {
    for step in WriteStep::ALL {
        let (dir, mut vault) = vault_with(2);
        let before = fs::read(vault.path()).unwrap();
        vault.fail_next_write_at(step);
        let err = add(&mut vault, 2).unwrap_err();
        assert!(
            matches!(&err, VaultError::Io { source, .. } if source.to_string() == "injected failure"),
            "{step:?}: {err:?}"
        );
        assert_eq!(accounts(vault.contents()), ["n0", "n1"], "{step:?}");
        let reopened = Vault::open(vault.path(), key(), VaultOptions::default())
            .unwrap_or_else(|e| panic!("{step:?}: {e:?}"));
        if step == WriteStep::SyncDir {
            assert_eq!(
                accounts(reopened.contents()),
                ["n0", "n1", "n2"],
                "{step:?}"
            );
        } else {
            assert_eq!(fs::read(vault.path()).unwrap(), before, "{step:?}");
            assert_eq!(accounts(reopened.contents()), ["n0", "n1"], "{step:?}");
        }
        assert_eq!(stray_files(dir.path()), Vec::<String>::new(), "{step:?}");
        // The fail-point is spent: the next write goes through.
        add(&mut vault, 3).unwrap();
        assert_eq!(accounts(vault.contents()).last().unwrap(), "n3", "{step:?}");
    }
}

#[test]
fn stale_temp_files_are_ignored_and_cleaned_up() {
    let (dir, mut vault) = vault_with(1);
    let stale = file::temp_path_for_tests(vault.path(), "deadbeefdeadbeef");
    let half = fs::read(vault.path()).unwrap();
    fs::write(&stale, &half[..half.len() / 2]).unwrap();
    let unrelated = dir.path().join(".other.vault.tmp-1234");
    fs::write(&unrelated, b"x").unwrap();
    let opened = Vault::open(vault.path(), key(), VaultOptions::default()).unwrap();
    assert_eq!(accounts(opened.contents()), ["n0"]);
    add(&mut vault, 1).unwrap();
    assert!(!stale.exists());
    assert!(
        unrelated.exists(),
        "only this vault's temp files are removed"
    );
}

/// Helper of `a_killed_writer_never_leaves_a_broken_vault`: run in a child
/// process, adds tokens until it is killed.
#[test]
#[ignore = "run by a_killed_writer_never_leaves_a_broken_vault in a child process"]
fn kill_writer_helper() {
    let Some(path) = std::env::var_os(KILL_ENV) else {
        return;
    };
    let mut vault = Vault::open(Path::new(&path), key(), options(1000)).unwrap();
    loop {
        vault.update(kill_writer_step).unwrap();
    }
}

const KILL_ENV: &str = "ICHIE_VAULT_KILL_WRITER";
const KILL_WINDOW: i64 = 30;

/// One write of the kill test: the counter goes up by one, a token named
/// after it is added, and the oldest goes once there are more than 30.
fn kill_writer_step(c: &mut VaultContents) -> Result<(), VaultError> {
    let n = c.clock_correction_ms + 1;
    c.tokens.push(token(n));
    if c.tokens.len() > KILL_WINDOW as usize {
        c.tokens.remove(0);
    }
    c.clock_correction_ms = n;
    Ok(())
}

/// A child process adds tokens in a loop and is killed (SIGKILL on unix)
/// after a random delay, 20 times. Each time the vault opens and holds a
/// consistent run of tokens, never less than before.
#[test]
fn a_killed_writer_never_leaves_a_broken_vault() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.vault");
    Vault::create(&path, key(), None, options(1000)).unwrap();
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let mut last = 0;
    for round in 0..20 {
        let mut child = Command::new(&exe)
            .args([
                "vault::tests::kill_writer_helper",
                "--exact",
                "--ignored",
                "--test-threads=1",
            ])
            .env(KILL_ENV, &path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let [jitter]: [u8; 1] = crypto::random_array().unwrap();
        std::thread::sleep(Duration::from_millis(30 + u64::from(jitter) % 200));
        let still_running = child.try_wait().unwrap().is_none();
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(still_running, "round {round}: the writer stopped by itself");

        let vault = Vault::open(&path, key(), VaultOptions::default())
            .unwrap_or_else(|e| panic!("round {round}: {e:?}"));
        let n = vault.contents().clock_correction_ms;
        let first = (n - KILL_WINDOW + 1).max(1);
        let want: Vec<String> = (first..=n).map(|i| format!("n{i}")).collect();
        assert_eq!(accounts(vault.contents()), want, "round {round}");
        assert!(n >= last, "round {round}: went back from {last} to {n}");
        last = n;
    }
    eprintln!("{last} writes in {:?}", started.elapsed());
    assert!(last > 20, "the writers made progress ({last} writes)");
    assert!(
        stray_files(dir.path()).len() <= 1,
        "at most the last writer's temp file is left: {:?}",
        stray_files(dir.path())
    );
    assert!(started.elapsed() < Duration::from_secs(15));
}

// --- concurrency ------------------------------------------------------------

#[test]
fn two_handles_do_not_lose_each_others_tokens() {
    let (dir, _vault) = vault_with(0);
    let path = dir.path().join("tokens.vault");
    let mut a = Vault::open(&path, key(), VaultOptions::default()).unwrap();
    let mut b = Vault::open(&path, key(), VaultOptions::default()).unwrap();
    add(&mut a, 1).unwrap();
    add(&mut b, 2).unwrap();
    assert_eq!(accounts(b.contents()), ["n1", "n2"]);
    assert_eq!(accounts(a.contents()), ["n1"]);
    a.reload().unwrap();
    assert_eq!(accounts(a.contents()), ["n1", "n2"]);
}

#[test]
fn concurrent_updates_from_two_threads_all_survive() {
    let (dir, _vault) = vault_with(0);
    let path = dir.path().join("tokens.vault");
    let workers: Vec<_> = (0..2)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut vault = Vault::open(&path, key(), options(100)).unwrap();
                for i in 0..20 {
                    add(&mut vault, w * 100 + i).unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let vault = Vault::open(&path, key(), options(100)).unwrap();
    let mut got = accounts(vault.contents());
    got.sort();
    let mut want: Vec<String> = (0..20).chain(100..120).map(|n| format!("n{n}")).collect();
    want.sort();
    assert_eq!(got, want);
}

// --- symbolic links ---------------------------------------------------------

/// Issue 8: a symlink at the vault path was replaced by a regular file on the
/// first write, and the file it pointed to kept the old tokens. The link is
/// now resolved once, on open: writes go to the real file, the link stays.
#[cfg(unix)]
#[test]
fn a_symlinked_vault_is_written_through_to_its_real_file() {
    use std::os::unix::fs::symlink;
    let (dir, _vault) = vault_with(1);
    let real = dir.path().join("tokens.vault");
    let elsewhere = tempfile::tempdir().unwrap();
    let link = elsewhere.path().join("link.vault");
    symlink(&real, &link).unwrap();

    let mut through_link = Vault::open(&link, key(), options(100)).unwrap();
    assert_eq!(through_link.path(), fs::canonicalize(&real).unwrap());
    add(&mut through_link, 1).unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let by_real_path = Vault::open(&real, key(), options(100)).unwrap();
    assert_eq!(accounts(by_real_path.contents()), ["n0", "n1"]);
    // Temporary and lock files live next to the real file only.
    let beside_link: Vec<String> = fs::read_dir(elsewhere.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(beside_link, ["link.vault"]);
    assert_eq!(stray_files(dir.path()), Vec::<String>::new());

    // A handle through the link and one through the real path share the
    // lock, so neither loses the other's tokens.
    let workers: Vec<_> = [link.clone(), real.clone()]
        .into_iter()
        .enumerate()
        .map(|(w, path)| {
            std::thread::spawn(move || {
                let mut vault = Vault::open(&path, key(), options(100)).unwrap();
                for i in 0..15 {
                    add(&mut vault, 100 * (w as i64 + 1) + i).unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let all = Vault::open(&link, key(), options(100)).unwrap();
    assert_eq!(all.contents().tokens.len(), 2 + 30);
}

#[cfg(unix)]
#[test]
fn create_refuses_a_symlink_even_a_dangling_one() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.vault");
    let link = dir.path().join("tokens.vault");
    symlink(&target, &link).unwrap();
    let err = Vault::create(&link, key(), None, options(10)).unwrap_err();
    assert!(matches!(err, VaultError::AlreadyExists(_)), "{err:?}");
    assert!(!target.exists(), "nothing is created through the link");
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// Issue 8: the lock file followed symlinks, so a link planted at
/// `tokens.vault.lock` made Ichie create or open a file wherever it pointed.
/// Now it is refused with a typed error and nothing is touched.
#[cfg(unix)]
#[test]
fn a_symlinked_lock_file_is_refused_and_never_followed() {
    use std::os::unix::fs::symlink;
    let (dir, mut vault) = vault_with(1);
    let lock = dir.path().join("tokens.vault.lock");
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    fs::write(&victim, b"precious").unwrap();
    let dangling = outside.path().join("not-yet");
    let before = fs::read(vault.path()).unwrap();
    for target in [&victim, &dangling] {
        fs::remove_file(&lock).unwrap();
        symlink(target, &lock).unwrap();
        let err = add(&mut vault, 1).unwrap_err();
        assert!(
            matches!(&err, VaultError::LockNotAFile(path) if path == &lock),
            "{err:?}"
        );
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert_eq!(fs::read(vault.path()).unwrap(), before);
        assert_eq!(accounts(vault.contents()), ["n0"]);
    }
    assert_eq!(fs::read(&victim).unwrap(), b"precious");
    assert!(
        !dangling.exists(),
        "the dangling link's target is never created"
    );
    // A directory there is refused the same way.
    fs::remove_file(&lock).unwrap();
    fs::create_dir(&lock).unwrap();
    assert!(matches!(
        add(&mut vault, 1),
        Err(VaultError::LockNotAFile(_))
    ));
    // Once the link is gone, the vault works again (the lock file is recreated).
    fs::remove_dir(&lock).unwrap();
    add(&mut vault, 1).unwrap();
    assert!(fs::symlink_metadata(&lock).unwrap().file_type().is_file());
    // Creating a vault next to a symlinked lock is refused too.
    let fresh = outside.path().join("fresh.vault");
    symlink(&victim, outside.path().join("fresh.vault.lock")).unwrap();
    assert!(matches!(
        Vault::create(&fresh, key(), None, options(10)),
        Err(VaultError::LockNotAFile(_))
    ));
    assert!(!fresh.exists());
    assert_eq!(fs::read(&victim).unwrap(), b"precious");
}

// --- keys ---------------------------------------------------------------------

#[test]
fn kdf_is_deterministic_per_salt_and_checked() {
    let kdf = cheap_kdf();
    let a = kdf.derive(b"passphrase").unwrap();
    let b = kdf.derive(b"passphrase").unwrap();
    assert_eq!(a.expose(), b.expose());
    assert_ne!(a.expose(), kdf.derive(b"passphrasf").unwrap().expose());
    let resalted = cheap_kdf();
    assert_ne!(resalted.salt, kdf.salt);
    assert_ne!(a.expose(), resalted.derive(b"passphrase").unwrap().expose());
    for (m, t, p) in [
        (7, 1, 1),
        (15, 1, 2),
        (8, 0, 1),
        (8, 1, 0),
        (8, 17, 1),
        (256 * 1024 + 1, 1, 1),
        (1024, 1, 17),
    ] {
        assert!(
            matches!(KdfParams::with_cost(m, t, p), Err(VaultError::Kdf(_))),
            "m={m} t={t} p={p}"
        );
    }
    assert!(KdfParams::with_cost(16, 1, 2).is_ok());
}

#[test]
fn recommended_kdf_params() {
    let kdf = KdfParams::recommended().unwrap();
    assert_eq!(
        (kdf.memory_kib, kdf.iterations, kdf.parallelism),
        (65536, 3, 1)
    );
    let started = Instant::now();
    let key = kdf.derive(b"a reasonable passphrase").unwrap();
    eprintln!("recommended Argon2id took {:?}", started.elapsed());
    assert_ne!(key.expose(), &[0; 32]);
}

#[test]
fn passphrase_vault_round_trip_and_wrong_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.vault");
    let kdf = cheap_kdf();
    let mut vault = Vault::create(
        &path,
        kdf.derive(b"right").unwrap(),
        Some(kdf),
        VaultOptions::default(),
    )
    .unwrap();
    add(&mut vault, 0).unwrap();
    let read = Vault::read_kdf_params(&path).unwrap().unwrap();
    assert_eq!(read, kdf);
    let opened = Vault::open(
        &path,
        read.derive(b"right").unwrap(),
        VaultOptions::default(),
    )
    .unwrap();
    assert_eq!(accounts(opened.contents()), ["n0"]);
    assert!(matches!(
        Vault::open(
            &path,
            read.derive(b"wrong").unwrap(),
            VaultOptions::default()
        ),
        Err(VaultError::WrongKey)
    ));
}

#[test]
fn change_key_re_encrypts() {
    let (_dir, mut vault) = vault_with(3);
    let path = vault.path().to_owned();
    let before = vault.contents().clone();
    let kdf = cheap_kdf();
    let new_key = kdf.derive(b"new passphrase").unwrap();
    vault.change_key(new_key.clone(), Some(kdf)).unwrap();
    assert!(matches!(
        Vault::open(&path, key(), VaultOptions::default()),
        Err(VaultError::WrongKey)
    ));
    let opened = Vault::open(&path, new_key, VaultOptions::default()).unwrap();
    assert_eq!(opened.contents(), &before);
    assert_eq!(Vault::read_kdf_params(&path).unwrap(), Some(kdf));
    // The handle keeps working under the new key, and can go back.
    add(&mut vault, 3).unwrap();
    vault.change_key(other_key(), None).unwrap();
    assert_eq!(Vault::read_kdf_params(&path).unwrap(), None);
    let opened = Vault::open(&path, other_key(), VaultOptions::default()).unwrap();
    assert_eq!(accounts(opened.contents()), ["n0", "n1", "n2", "n3"]);
}

#[test]
fn a_vault_can_be_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Vault>();
    send_sync::<VaultError>();
}

#[test]
fn generated_keys_differ() {
    assert_ne!(
        VaultKey::generate().unwrap().expose(),
        VaultKey::generate().unwrap().expose()
    );
}

// --- properties ---------------------------------------------------------------

fn arb_token() -> impl Strategy<Value = Token> {
    let kind = prop_oneof![
        (1u64..=3600, 0u64..=2_000_000_000).prop_map(|(s, t0)| OtpKind::Totp {
            step: Step::from_secs(s).unwrap(),
            t0
        }),
        any::<u64>().prop_map(|counter| OtpKind::Hotp { counter }),
    ];
    let origin = prop_oneof![
        Just(Origin::Imported),
        (".*", "[0-9a-f]{1,40}").prop_map(|(base_url, token_id)| Origin::Activated(
            ServerBinding { base_url, token_id }
        )),
    ];
    (
        proptest::option::of(".*"),
        ".*",
        proptest::collection::vec(any::<u8>(), 1..=64),
        prop_oneof![
            Just(Algorithm::Sha1),
            Just(Algorithm::Sha256),
            Just(Algorithm::Sha512)
        ],
        6u64..=8,
        kind,
        origin,
        any::<bool>(),
    )
        .prop_map(
            |(issuer, account, secret, algorithm, digits, kind, origin, revoked)| {
                let spec = TokenSpec {
                    issuer,
                    account,
                    secret: Secret::new(secret).unwrap(),
                    params: OtpParams {
                        algorithm,
                        digits: Digits::new(digits).unwrap(),
                        kind,
                    },
                };
                let mut token = Token::new(spec, origin).unwrap();
                if revoked {
                    token.state = TokenState::Revoked;
                }
                token
            },
        )
}

proptest! {
    #[test]
    fn decode_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        prop_assert!(decode(&bytes, &key()).is_err());
    }

    #[test]
    fn decode_never_panics_behind_a_valid_prefix(
        kdf_id in 0u8..3,
        rest in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&1u16.to_be_bytes());
        bytes.push(kdf_id);
        bytes.extend_from_slice(&rest);
        prop_assert!(decode(&bytes, &key()).is_err());
        prop_assert!(bytes.len() >= HEADER_LEN || matches!(decode(&bytes, &key()), Err(VaultError::Corrupt(_))));
    }

    #[test]
    fn encode_decode_round_trip(
        tokens in proptest::collection::vec(arb_token(), 0..8),
        clock_correction_ms in any::<i64>(),
    ) {
        let contents = VaultContents { tokens, clock_correction_ms };
        let bytes = encode(&contents, &key(), None).unwrap();
        prop_assert_eq!(decode(&bytes, &key()).unwrap(), contents);
    }
}

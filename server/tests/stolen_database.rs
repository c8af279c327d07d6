//! What a thief of the database gets, on SQLite and PostgreSQL: issuances
//! hold only the activation password's PRS sealed under the master key, a
//! fresh ciphertext per issuance, so one password issued twice stores two
//! unrelated values and no candidate password can be tested against the
//! rows (or, on SQLite, against the whole database file). With the master
//! key the PRS opens: the one thing the thief needs besides the database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::StatusCode;
use common::{SERVICE, TestEnv};
use ichie_core::activation::{ActivationPassword, Prs};
use ichie_server::seal::{MasterKey, prs_aad};

on_both_databases!(a_stolen_database_reveals_no_activation_password);

/// The four-digit candidates a thief would try first.
fn candidates() -> impl Iterator<Item = String> {
    (0..10_000).map(|n| format!("{n:04}"))
}

async fn a_stolen_database_reveals_no_activation_password(env: TestEnv) {
    // One password for two users, and twice for the same user (the first
    // issuance expires before the second).
    let password = "4821";
    let mut issuances = Vec::new();
    for user in ["ume", "kiku", "ume"] {
        if !issuances.is_empty() {
            env.clock.advance(8 * 24 * 3600 * 1000);
        }
        let (status, created) = env.issue(user, password).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        issuances.push((user, created["issuance_id"].as_str().unwrap().to_owned()));
    }
    let mut sealed = Vec::new();
    for (_, id) in &issuances {
        sealed.push(
            env.service
                .store()
                .issuance_sealed_prs(id)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    // Three unrelated values, none holding the PRS or the digits.
    assert_ne!(sealed[0], sealed[1]);
    assert_ne!(sealed[0], sealed[2]);
    for (blob, (user, _)) in sealed.iter().zip(&issuances) {
        let prs = Prs::derive(SERVICE, user, &ActivationPassword::new(password).unwrap());
        assert!(!contains(blob, prs.expose()));
        assert!(!contains(blob, password.as_bytes()));
    }
    // No candidate's PRS appears anywhere in the rows...
    let database_file = std::fs::read(env.dir.path().join("t.db")).ok();
    for candidate in candidates() {
        let guess = ActivationPassword::new(&candidate).unwrap();
        for (blob, (user, _)) in sealed.iter().zip(&issuances) {
            let prs = Prs::derive(SERVICE, user, &guess);
            assert!(!contains(blob, prs.expose()), "{candidate}");
        }
    }
    // ...nor in the SQLite file as a thief would copy it.
    if let Some(file) = &database_file {
        let prs = Prs::derive(SERVICE, "ume", &ActivationPassword::new(password).unwrap());
        assert!(!contains(file, prs.expose()));
    }
    // With the master key (kept outside the database) the PRS opens.
    let master = MasterKey::new(&[7u8; 32]).unwrap();
    let (user, id) = &issuances[2];
    let opened = master.open(&prs_aad(id), &sealed[2]).unwrap();
    assert_eq!(
        Prs::from_bytes(&opened).unwrap(),
        Prs::derive(SERVICE, user, &ActivationPassword::new(password).unwrap())
    );
    // And the issuance still activates with the password.
    env.activate("ume", password).await.unwrap();
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

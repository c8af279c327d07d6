use proptest::prelude::*;

use super::*;

fn secret(bytes: &[u8]) -> Secret {
    Secret::new(bytes.to_vec()).unwrap()
}

const RFC4226_SECRET: &[u8] = b"12345678901234567890";

#[test]
fn rfc4226_appendix_d() {
    let expected = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    let hotp = Hotp::new(Algorithm::Sha1, &secret(RFC4226_SECRET), Digits::SIX);
    for (counter, want) in expected.iter().enumerate() {
        let code = hotp.code(counter as u64);
        assert_eq!(code.to_string(), *want, "counter {counter}");
        assert!(code.matches(want), "counter {counter}");
    }
}

#[test]
fn rfc6238_appendix_b() {
    let sha1 = secret(b"12345678901234567890");
    let sha256 = secret(b"12345678901234567890123456789012");
    let sha512 = secret(b"1234567890123456789012345678901234567890123456789012345678901234");
    let table: [(u64, &str, &str, &str); 6] = [
        (59, "94287082", "46119246", "90693936"),
        (1111111109, "07081804", "68084774", "25091201"),
        (1111111111, "14050471", "67062674", "99943326"),
        (1234567890, "89005924", "91819424", "93441116"),
        (2000000000, "69279037", "90698825", "38618901"),
        (20000000000, "65353130", "77737706", "47863826"),
    ];
    for (time, want1, want256, want512) in table {
        for (alg, key, want) in [
            (Algorithm::Sha1, &sha1, want1),
            (Algorithm::Sha256, &sha256, want256),
            (Algorithm::Sha512, &sha512, want512),
        ] {
            let totp = Totp::new(alg, key, Digits::EIGHT, Step::THIRTY_SECONDS, 0);
            let code = totp.code_at(time * 1000).unwrap();
            assert_eq!(code.to_string(), want, "{alg} at T={time}");
        }
    }
}

#[test]
fn window_reports_step_next_code_and_remaining_time() {
    let totp = Totp::new(
        Algorithm::Sha1,
        &secret(RFC4226_SECRET),
        Digits::SIX,
        Step::THIRTY_SECONDS,
        0,
    );
    // 59.25 s: step 1, which ends at 60 s.
    let w = totp.window_at(59_250).unwrap();
    assert_eq!(w.step, 1);
    assert_eq!(w.ms_until_next, 750);
    assert_eq!(w.valid_from_ms, 30_000);
    assert_eq!(w.code.to_string(), "287082");
    assert_eq!(w.next_code.to_string(), "359152");
    // Exactly on a boundary the new step is valid for a whole step.
    let w = totp.window_at(60_000).unwrap();
    assert_eq!((w.step, w.ms_until_next), (2, 30_000));
    // The last representable instant (a bogus device clock) does not overflow.
    let w = totp.window_at(u64::MAX).unwrap();
    assert_eq!(w.step, u64::MAX / 30_000);
    assert_eq!(w.ms_until_next, 30_000 - u64::MAX % 30_000);
}

#[test]
fn t0_shifts_the_steps_and_earlier_times_are_refused() {
    let totp = Totp::new(
        Algorithm::Sha1,
        &secret(RFC4226_SECRET),
        Digits::SIX,
        Step::SIXTY_SECONDS,
        1_000,
    );
    assert_eq!(totp.step_at(1_000_000).unwrap(), 0);
    assert_eq!(totp.step_at(1_060_000).unwrap(), 1);
    assert_eq!(totp.step_at(999_999), Err(OtpError::TimeBeforeT0));
}

#[test]
fn verify_finds_the_step_within_the_window_only() {
    let totp = Totp::new(
        Algorithm::Sha1,
        &secret(RFC4226_SECRET),
        Digits::SIX,
        Step::THIRTY_SECONDS,
        0,
    );
    let now = 1_000 * 30_000 + 5;
    let previous = totp.code_for_step(999).to_string();
    let next = totp.code_for_step(1001).to_string();
    let far = totp.code_for_step(1003).to_string();
    assert_eq!(totp.verify(&previous, now, 1).unwrap(), Some(999));
    assert_eq!(totp.verify(&next, now, 1).unwrap(), Some(1001));
    assert_eq!(totp.verify(&previous, now, 0).unwrap(), None);
    assert_eq!(totp.verify(&far, now, 1).unwrap(), None);
    assert_eq!(totp.verify("12345", now, 1).unwrap(), None, "wrong length");
    assert_eq!(totp.verify("abcdef", now, 1).unwrap(), None, "not digits");
}

#[test]
fn hotp_verify_looks_ahead() {
    let hotp = Hotp::new(Algorithm::Sha1, &secret(RFC4226_SECRET), Digits::SIX);
    assert_eq!(hotp.verify("162583", 3, 5), Some(7));
    assert_eq!(hotp.verify("162583", 3, 3), None);
    assert_eq!(hotp.verify("755224", u64::MAX, 5), None);
}

#[test]
fn code_matching_ignores_spaces_but_not_other_characters() {
    let hotp = Hotp::new(Algorithm::Sha1, &secret(RFC4226_SECRET), Digits::SIX);
    let code = hotp.code(0);
    assert!(code.matches("755 224"));
    assert!(code.matches(" 755224 "));
    assert!(!code.matches("755-224"));
    assert!(!code.matches("7552240"));
    assert!(!code.matches("755225"));
    assert!(!code.matches("１２３４５６"), "non-ASCII digits");
}

#[test]
fn parameters_outside_their_range_are_refused() {
    for d in [0, 5, 9, 10, 255] {
        assert_eq!(
            Digits::new(d),
            Err(OtpError::InvalidDigits(d)),
            "digits {d}"
        );
    }
    for d in 6..=8 {
        assert_eq!(Digits::new(d).unwrap().get(), d as u8);
    }
    for s in [0, 3601, u64::MAX] {
        assert_eq!(
            Step::from_secs(s),
            Err(OtpError::InvalidStep(s)),
            "step {s}"
        );
    }
    assert_eq!(Step::from_secs(1).unwrap().as_millis(), 1000);
    assert_eq!(Secret::new(vec![]), Err(OtpError::EmptySecret));
    assert_eq!(
        Secret::new(vec![1; 1025]),
        Err(OtpError::SecretTooLong(1025))
    );
    assert!(matches!(
        "MD5".parse::<Algorithm>(),
        Err(OtpError::UnknownAlgorithm(_))
    ));
    for (name, alg) in [
        ("sha1", Algorithm::Sha1),
        ("SHA-256", Algorithm::Sha256),
        ("Sha512", Algorithm::Sha512),
    ] {
        assert_eq!(name.parse::<Algorithm>().unwrap(), alg, "{name}");
    }
}

#[test]
fn secrets_and_codes_never_show_in_debug() {
    let s = secret(b"super secret seed!!!");
    let dbg = format!("{s:?}");
    assert!(!dbg.contains("super"), "{dbg}");
    let hotp = Hotp::new(Algorithm::Sha1, &secret(RFC4226_SECRET), Digits::SIX);
    let code = hotp.code(0);
    assert!(!format!("{code:?}").contains("755224"));
    assert!(!format!("{hotp:?}").contains("1234"));
}

#[test]
fn serde_rejects_invalid_parameters() {
    assert!(serde_json::from_str::<Digits>("9").is_err());
    assert!(serde_json::from_str::<Step>("0").is_err());
    assert_eq!(
        serde_json::from_str::<Step>("60").unwrap(),
        Step::SIXTY_SECONDS
    );
    assert_eq!(
        serde_json::to_string(&Algorithm::Sha256).unwrap(),
        "\"SHA256\""
    );
}

fn oracle_algorithm(alg: Algorithm) -> totp_rs::Algorithm {
    match alg {
        Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
        Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
        Algorithm::Sha512 => totp_rs::Algorithm::SHA512,
    }
}

proptest! {
    /// Our codes equal totp-rs's (an independent implementation) everywhere.
    #[test]
    fn codes_match_totp_rs(
        key in proptest::collection::vec(any::<u8>(), 16..=64),
        alg in prop_oneof![Just(Algorithm::Sha1), Just(Algorithm::Sha256), Just(Algorithm::Sha512)],
        digits in 6u8..=8,
        step in prop_oneof![Just(30u64), Just(60u64), 1u64..=3600],
        time in 0u64..=20_000_000_000,
    ) {
        let ours = Totp::new(
            alg,
            &Secret::new(key.clone()).unwrap(),
            Digits::new(u64::from(digits)).unwrap(),
            Step::from_secs(step).unwrap(),
            0,
        );
        let oracle = totp_rs::Builder::new()
            .with_algorithm(oracle_algorithm(alg))
            .with_digits(digits)
            .with_step_duration(step)
            .with_secret(key)
            .build()
            .unwrap();
        prop_assert_eq!(
            ours.code_at(time * 1000).unwrap().to_string(),
            oracle.generate(time).to_string(),
            "{} digits={} step={} t={}", alg, digits, step, time
        );
    }
}

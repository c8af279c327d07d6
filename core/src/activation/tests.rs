use data_encoding::HEXLOWER;
use proptest::prelude::*;
use ring::agreement;
use serde::{Deserialize, Serialize};

use super::keys::{self, SessionKeys};
use super::transcript::{transcript_bytes, transcript_hash};
use super::*;
use crate::otp::{Algorithm, Digits, Step, Totp};
use crate::token::{OtpKind, OtpParams};

// ---------------------------------------------------------------- helpers

fn hex(bytes: impl AsRef<[u8]>) -> String {
    HEXLOWER.encode(bytes.as_ref())
}

fn unhex<const N: usize>(text: &str) -> [u8; N] {
    HEXLOWER
        .decode(text.as_bytes())
        .unwrap()
        .try_into()
        .unwrap()
}

/// A randomness source that yields `bytes` (for fixed ephemeral keys).
#[allow(deprecated)]
fn fixed(bytes: &[u8]) -> ring::test::rand::FixedSliceRandom<'_> {
    ring::test::rand::FixedSliceRandom { bytes }
}

fn signing_key() -> SigningKey {
    SigningKey::from_seed("k1", &[7u8; 32]).unwrap()
}

fn totp_params(algorithm: Algorithm, digits: Digits, step: Step) -> OtpParams {
    OtpParams {
        algorithm,
        digits,
        kind: OtpKind::Totp { step, t0: 0 },
    }
}

const NOW: u64 = 1_767_225_600_000;

/// Steps 1 and 2 with real randomness.
fn handshake(
    params: OtpParams,
) -> (
    ClientActivation,
    ActivationRequest,
    PendingActivation,
    ActivationChallenge,
    SigningKey,
) {
    let key = signing_key();
    let (client, request) = ClientActivation::start("svc", "alice").unwrap();
    let (pending, challenge) = respond(&request, "act-1", params, NOW, &key).unwrap();
    (client, request, pending, challenge, key)
}

fn password(text: &str) -> ActivationPassword {
    ActivationPassword::new(text).unwrap()
}

// ---------------------------------------------------------------- round trips

#[test]
fn round_trip_gives_both_sides_the_same_seed_and_codes() {
    for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
        for (digits, step) in [
            (Digits::SIX, Step::THIRTY_SECONDS),
            (Digits::EIGHT, Step::SIXTY_SECONDS),
            (Digits::new(7).unwrap(), Step::from_secs(3600).unwrap()),
        ] {
            let params = totp_params(algorithm, digits, step);
            let (client, _, pending, challenge, key) = handshake(params);
            let verified = client
                .accept_challenge(&challenge, &[key.pinned()])
                .unwrap();
            assert_eq!(verified.params(), params);
            assert_eq!(verified.server_time_ms(), NOW);
            assert_eq!(verified.activation_id(), "act-1");
            assert_eq!(verified.key_id(), "k1");
            let (awaiting, confirm) = verified.confirm(&password("0042")).unwrap();
            assert_eq!(awaiting.confirm_message(), &confirm);

            // The state crosses to another server instance as bytes.
            let stored = pending.to_bytes();
            let pending = PendingActivation::from_bytes(&stored).unwrap();
            assert_eq!(pending.open_password(&confirm).unwrap().expose(), "0042");
            let (server_seed, result) = pending.complete("tok-1").unwrap();

            let token = awaiting.finish(&result).unwrap();
            assert_eq!(token.token_id, "tok-1");
            assert_eq!(token.params, params);
            assert_eq!(
                token.secret.expose().len(),
                algorithm.output_len(),
                "{algorithm}"
            );
            assert!(token.secret.ct_eq(&server_seed), "{algorithm}");
            let ours = Totp::new(algorithm, &token.secret, digits, step, 0);
            let theirs = Totp::new(algorithm, &server_seed, digits, step, 0);
            assert_eq!(
                ours.code_at(NOW).unwrap().to_string(),
                theirs.code_at(NOW).unwrap().to_string()
            );
        }
    }
}

#[test]
fn messages_survive_json_transport() {
    let (client, request, pending, challenge, key) = handshake(OtpParams::default());
    let request2 = ActivationRequest::from_json(&request.to_json().unwrap()).unwrap();
    assert_eq!(request2, request);
    let challenge2 = ActivationChallenge::from_json(&challenge.to_json().unwrap()).unwrap();
    assert_eq!(challenge2, challenge);
    let verified = client
        .accept_challenge(&challenge2, &[key.pinned()])
        .unwrap();
    let (awaiting, confirm) = verified.confirm(&password("12345678")).unwrap();
    let confirm2 = ActivationConfirm::from_json(&confirm.to_json().unwrap()).unwrap();
    assert_eq!(
        pending.open_password(&confirm2).unwrap().expose(),
        "12345678"
    );
    let (_, result) = pending.complete("t").unwrap();
    let result2 = ActivationResult::from_json(&result.to_json().unwrap()).unwrap();
    awaiting.finish(&result2).unwrap();

    let json = String::from_utf8(challenge.to_json().unwrap()).unwrap();
    assert!(
        json.contains(r#""params":{"algorithm":"SHA1","digits":6,"period":30}"#),
        "{json}"
    );
}

#[test]
fn to_otp_params_refuses_what_the_protocol_cannot_carry() {
    let request = ClientActivation::start("s", "u").unwrap().1;
    for kind in [
        OtpKind::Hotp { counter: 0 },
        OtpKind::Totp {
            step: Step::THIRTY_SECONDS,
            t0: 5,
        },
    ] {
        let params = OtpParams {
            kind,
            ..OtpParams::default()
        };
        assert!(matches!(
            respond(&request, "a", params, NOW, &signing_key()),
            Err(ActivationError::UnsupportedParams(_))
        ));
    }
}

#[test]
fn other_versions_are_refused_with_their_number() {
    let mut request = ClientActivation::start("s", "u").unwrap().1;
    request.version = 2;
    assert_eq!(
        respond(&request, "a", OtpParams::default(), NOW, &signing_key()).unwrap_err(),
        ActivationError::VersionUnsupported(2)
    );
}

// ---------------------------------------------------------------- MITM

#[test]
fn swapped_server_key_fails_the_signature() {
    let (client, _, _, mut challenge, key) = handshake(OtpParams::default());
    // An attacker puts their own ephemeral key in and keeps the signature.
    let (_, attacker) = ClientActivation::start("s", "u").unwrap();
    challenge.server_public_key = attacker.client_public_key;
    assert_eq!(
        client
            .accept_challenge(&challenge, &[key.pinned()])
            .unwrap_err(),
        ActivationError::BadSignature
    );
}

#[test]
fn swapped_client_key_fails_the_signature() {
    // The attacker forwards their own request; the server signs that transcript.
    let key = signing_key();
    let (client, _) = ClientActivation::start("svc", "alice").unwrap();
    let (_, attacker_request) = ClientActivation::start("svc", "alice").unwrap();
    let (_, challenge) =
        respond(&attacker_request, "act", OtpParams::default(), NOW, &key).unwrap();
    assert_eq!(
        client
            .accept_challenge(&challenge, &[key.pinned()])
            .unwrap_err(),
        ActivationError::BadSignature
    );
}

#[test]
fn challenge_signed_by_another_key_fails() {
    let (client, request, _, _, key) = handshake(OtpParams::default());
    let other = SigningKey::from_seed("k1", &[8u8; 32]).unwrap();
    let (_, forged) = respond(&request, "act-1", OtpParams::default(), NOW, &other).unwrap();
    assert_eq!(
        client
            .accept_challenge(&forged, &[key.pinned()])
            .unwrap_err(),
        ActivationError::BadSignature
    );
}

#[test]
fn unpinned_key_id_is_named() {
    let (client, request, _, _, key) = handshake(OtpParams::default());
    let other = SigningKey::from_seed("rogue", &[8u8; 32]).unwrap();
    let (_, forged) = respond(&request, "act-1", OtpParams::default(), NOW, &other).unwrap();
    assert_eq!(
        client
            .accept_challenge(&forged, &[key.pinned()])
            .unwrap_err(),
        ActivationError::UnknownKeyId("rogue".into())
    );
}

#[test]
fn pinned_key_is_found_among_several() {
    let (client, _, _, challenge, key) = handshake(OtpParams::default());
    let decoy = SigningKey::from_seed("k0", &[9u8; 32]).unwrap().pinned();
    client
        .accept_challenge(&challenge, &[decoy, key.pinned()])
        .unwrap();
}

#[test]
fn every_signed_field_is_covered_by_the_signature() {
    type Tamper = fn(&mut ActivationChallenge);
    let tampers: [(&str, Tamper); 6] = [
        ("server_time_ms", |c| c.server_time_ms += 60_000),
        ("algorithm", |c| c.params.algorithm = Algorithm::Sha256),
        ("digits", |c| c.params.digits = Digits::EIGHT),
        ("period", |c| c.params.period = Step::SIXTY_SECONDS),
        ("server_nonce", |c| c.server_nonce[0] ^= 1),
        ("activation_id", |c| {
            c.activation_id = Identifier::new("act-2").unwrap()
        }),
    ];
    for (field, tamper) in tampers {
        let (client, _, _, mut challenge, key) = handshake(OtpParams::default());
        tamper(&mut challenge);
        assert_eq!(
            client
                .accept_challenge(&challenge, &[key.pinned()])
                .unwrap_err(),
            ActivationError::BadSignature,
            "{field}"
        );
    }
}

#[test]
fn low_order_keys_are_refused_on_both_sides() {
    // u = 0 and u = 1 are low-order points: X25519 gives all zeros.
    for bad in [[0u8; 32], {
        let mut one = [0u8; 32];
        one[0] = 1;
        one
    }] {
        let mut request = ClientActivation::start("s", "u").unwrap().1;
        request.client_public_key = bad;
        assert_eq!(
            respond(&request, "a", OtpParams::default(), NOW, &signing_key()).unwrap_err(),
            ActivationError::InvalidPeerKey
        );

        // A (compromised) server that signs a low-order key of its own.
        let key = signing_key();
        let (client, request) = ClientActivation::start("s", "u").unwrap();
        let (_, mut challenge) = respond(&request, "a", OtpParams::default(), NOW, &key).unwrap();
        challenge.server_public_key = bad;
        challenge.signature = key.sign(&transcript_hash(&request, &challenge));
        assert_eq!(
            client
                .accept_challenge(&challenge, &[key.pinned()])
                .unwrap_err(),
            ActivationError::InvalidPeerKey
        );
    }
}

// ---------------------------------------------------------------- password and ciphertexts

#[test]
fn password_format_is_4_to_8_ascii_digits() {
    for bad in [
        "",
        "123",
        "123456789",
        "12a4",
        "12 34",
        "１２３４",
        "-1234",
        "1234\n",
    ] {
        assert_eq!(
            ActivationPassword::new(bad).unwrap_err(),
            ActivationError::WrongPasswordFormat,
            "{bad:?}"
        );
    }
    for good in ["0000", "12345", "123456", "1234567", "99999999"] {
        assert_eq!(password(good).expose(), good);
    }
}

#[test]
fn verifier_accepts_only_the_right_password_under_the_right_pepper() {
    let stored = password_verifier(b"pepper", &password("123456"));
    assert!(verify_password(b"pepper", &password("123456"), &stored));
    assert!(!verify_password(b"pepper", &password("123457"), &stored));
    assert!(!verify_password(
        b"other pepper",
        &password("123456"),
        &stored
    ));
    assert!(!verify_password(
        b"pepper",
        &password("123456"),
        &stored[..31]
    ));
    assert!(!verify_password(b"pepper", &password("123456"), &[]));
}

#[test]
fn wrong_password_reaches_the_server_intact_and_fails_verification() {
    let stored = password_verifier(b"pepper", &password("123456"));
    let (client, _, pending, challenge, key) = handshake(OtpParams::default());
    let verified = client
        .accept_challenge(&challenge, &[key.pinned()])
        .unwrap();
    let (_, confirm) = verified.confirm(&password("654321")).unwrap();
    let opened = pending.open_password(&confirm).unwrap();
    assert!(!verify_password(b"pepper", &opened, &stored));
}

#[test]
fn tampered_or_foreign_ciphertexts_do_not_decrypt() {
    let (client, _, pending, challenge, key) = handshake(OtpParams::default());
    let verified = client
        .accept_challenge(&challenge, &[key.pinned()])
        .unwrap();
    let (awaiting, confirm) = verified.confirm(&password("123456")).unwrap();

    for i in 0..confirm.ciphertext.len() {
        let mut bad = confirm.clone();
        bad.ciphertext[i] ^= 0x80;
        assert_eq!(
            pending.open_password(&bad).unwrap_err(),
            ActivationError::DecryptFailed,
            "byte {i}"
        );
    }
    let short = ActivationConfirm {
        ciphertext: confirm.ciphertext[..15].to_vec(),
    };
    assert_eq!(
        pending.open_password(&short).unwrap_err(),
        ActivationError::DecryptFailed
    );

    // A confirm made in another session does not open here.
    let (client2, _, _, challenge2, _) = handshake(OtpParams::default());
    let (_, foreign) = client2
        .accept_challenge(&challenge2, &[key.pinned()])
        .unwrap()
        .confirm(&password("123456"))
        .unwrap();
    assert_eq!(
        pending.open_password(&foreign).unwrap_err(),
        ActivationError::DecryptFailed
    );

    let (_, result) = pending.clone().complete("tok").unwrap();
    let mut bad = result.clone();
    bad.ciphertext[3] ^= 1;
    // `finish` consumes the state, so each try needs its own session.
    assert_eq!(
        awaiting.finish(&bad).unwrap_err(),
        ActivationError::DecryptFailed
    );

    // A result for a different transcript does not decrypt either.
    let (client3, _, pending3, challenge3, _) = handshake(OtpParams::default());
    let (awaiting3, _) = client3
        .accept_challenge(&challenge3, &[key.pinned()])
        .unwrap()
        .confirm(&password("123456"))
        .unwrap();
    drop(pending3);
    assert_eq!(
        awaiting3.finish(&result).unwrap_err(),
        ActivationError::DecryptFailed
    );
}

/// A session whose server side is at hand, for hand-made results.
fn awaiting_session() -> (AwaitingResult, PendingActivation) {
    let (client, _, pending, challenge, key) = handshake(OtpParams::default());
    let (awaiting, _) = client
        .accept_challenge(&challenge, &[key.pinned()])
        .unwrap()
        .confirm(&password("1234"))
        .unwrap();
    (awaiting, pending)
}

fn sealed_result(pending: &PendingActivation, plaintext: &[u8]) -> ActivationResult {
    let keys = pending.keys();
    ActivationResult {
        ciphertext: keys::seal(&keys.k_s2c, &keys.th, plaintext).unwrap(),
    }
}

#[test]
fn wrong_confirmation_mac_is_a_mismatch() {
    let (awaiting, pending) = awaiting_session();
    let token_id = Identifier::new("tok").unwrap();
    let result = sealed_result(&pending, &keys::encode_result(&token_id, &[0u8; 32]));
    assert_eq!(
        awaiting.finish(&result).unwrap_err(),
        ActivationError::ConfirmationMismatch
    );

    // The MAC of the seed of another token ID does not match either.
    let (awaiting, pending) = awaiting_session();
    let other = pending
        .keys()
        .seed(&Identifier::new("other").unwrap(), Algorithm::Sha1)
        .unwrap();
    let mac = keys::confirmation_mac(&other, &pending.keys().th);
    let result = sealed_result(&pending, &keys::encode_result(&token_id, &mac));
    assert_eq!(
        awaiting.finish(&result).unwrap_err(),
        ActivationError::ConfirmationMismatch
    );
}

#[test]
fn malformed_result_plaintext_is_a_bad_message() {
    let mut too_long = 200u32.to_be_bytes().to_vec();
    too_long.extend_from_slice(&[b'a'; 232]);
    let mut not_utf8 = 1u32.to_be_bytes().to_vec();
    not_utf8.extend_from_slice(&[0xff; 33]);
    let mut trailing = keys::encode_result(&Identifier::new("t").unwrap(), &[0; 32]).to_vec();
    trailing.push(0);
    for plaintext in [vec![], vec![0, 0, 0], too_long, not_utf8, trailing] {
        let (awaiting, pending) = awaiting_session();
        let result = sealed_result(&pending, &plaintext);
        assert!(
            matches!(
                awaiting.finish(&result),
                Err(ActivationError::BadMessage(_))
            ),
            "{plaintext:?}"
        );
    }
}

#[test]
fn server_refuses_a_decrypted_password_of_the_wrong_shape() {
    let (_, pending) = awaiting_session();
    let keys = pending.keys();
    for plaintext in [&b"12a4"[..], b"123", b"123456789", b""] {
        let confirm = ActivationConfirm {
            ciphertext: keys::seal(&keys.k_c2s, &keys.th, plaintext).unwrap(),
        };
        assert_eq!(
            pending.open_password(&confirm).unwrap_err(),
            ActivationError::WrongPasswordFormat,
            "{plaintext:?}"
        );
    }
}

// ---------------------------------------------------------------- state export

#[test]
fn pending_state_round_trips_and_refuses_garbage() {
    let (_, _, pending, _, _) = handshake(totp_params(
        Algorithm::Sha512,
        Digits::EIGHT,
        Step::SIXTY_SECONDS,
    ));
    let bytes = pending.to_bytes();
    let back = PendingActivation::from_bytes(&bytes).unwrap();
    assert_eq!(back, pending);
    assert_eq!(back.activation_id(), "act-1");
    assert_eq!(back.service_id(), "svc");
    assert_eq!(back.user_id(), "alice");
    assert_eq!(back.created_ms(), NOW);
    assert_eq!(
        back.params(),
        totp_params(Algorithm::Sha512, Digits::EIGHT, Step::SIXTY_SECONDS)
    );

    for len in 0..bytes.len() {
        assert!(
            matches!(
                PendingActivation::from_bytes(&bytes[..len]),
                Err(ActivationError::BadState(_))
            ),
            "truncated to {len}"
        );
    }
    let mut trailing = bytes.to_vec();
    trailing.push(0);
    assert!(matches!(
        PendingActivation::from_bytes(&trailing),
        Err(ActivationError::BadState(_))
    ));
    let magic_len = b"ichie-pending-activation\x01".len();
    let algorithm_at = magic_len + 4 * 32;
    for (at, value) in [
        (magic_len - 1, 2u8),     // format version
        (algorithm_at, 4),        // algorithm code
        (algorithm_at + 1, 9),    // digits
        (algorithm_at + 2, 0xff), // period > 3600
        (algorithm_at + 14, 0),   // empty activation ID
    ] {
        let mut bad = bytes.to_vec();
        bad[at] = value;
        assert!(
            matches!(
                PendingActivation::from_bytes(&bad),
                Err(ActivationError::BadState(_))
            ),
            "byte {at} = {value}"
        );
    }
}

// ---------------------------------------------------------------- wire details

#[test]
fn identifiers_are_bounded_and_printable() {
    assert!(Identifier::new(&"a".repeat(128)).is_ok());
    assert!(Identifier::new("みずほ銀行").is_ok());
    for bad in [
        "".to_owned(),
        "a".repeat(129),
        "a\nb".into(),
        "a\u{7f}".into(),
    ] {
        assert!(
            matches!(Identifier::new(&bad), Err(ActivationError::BadMessage(_))),
            "{bad:?}"
        );
        assert!(ClientActivation::start(&bad, "u").is_err(), "{bad:?}");
        assert!(ClientActivation::start("s", &bad).is_err(), "{bad:?}");
    }
    let request = ClientActivation::start("s", "u").unwrap().1;
    assert!(respond(&request, "", OtpParams::default(), NOW, &signing_key()).is_err());
    assert!(SigningKey::from_seed("", &[0; 32]).is_err());
    let (_, pending) = awaiting_session();
    assert!(matches!(
        pending.complete(&"t".repeat(129)),
        Err(ActivationError::BadMessage(_))
    ));
}

#[test]
fn json_parsers_are_strict_about_binary_fields() {
    let request = ClientActivation::start("s", "u").unwrap().1;
    let good = String::from_utf8(request.to_json().unwrap()).unwrap();
    let key = data_encoding::BASE64URL_NOPAD.encode(&request.client_public_key);
    let cases = [
        // padded base64url
        good.replace(&key, &format!("{key}=")),
        // standard base64 alphabet
        good.replace(
            &key,
            &key.replace(['-', '_'], "+").replacen(&key[..1], "+", 1),
        ),
        // 31 bytes
        good.replace(
            &key,
            &data_encoding::BASE64URL_NOPAD.encode(&request.client_public_key[..31]),
        ),
        // a missing field
        good.replace("\"version\":1,", ""),
        // an identifier too long
        good.replace(
            "\"service_id\":\"s\"",
            &format!("\"service_id\":\"{}\"", "s".repeat(129)),
        ),
    ];
    for case in cases {
        assert_ne!(case, good);
        assert!(
            matches!(
                ActivationRequest::from_json(case.as_bytes()),
                Err(ActivationError::BadMessage(_))
            ),
            "{case}"
        );
    }
    // Unknown fields are ignored (a later version bumps `version` instead).
    let extra = good.replacen('{', "{\"future\":true,", 1);
    assert_eq!(
        ActivationRequest::from_json(extra.as_bytes()).unwrap(),
        request
    );

    let huge = format!("{{\"ciphertext\":\"{}\"}}", "A".repeat(400));
    assert!(ActivationConfirm::from_json(huge.as_bytes()).is_err());
    let bad_params = r#"{"algorithm":"MD5","digits":6,"period":30}"#;
    assert!(serde_json::from_str::<TotpParams>(bad_params).is_err());
    let bad_period = r#"{"algorithm":"SHA1","digits":6,"period":0}"#;
    assert!(serde_json::from_str::<TotpParams>(bad_period).is_err());
}

#[test]
fn error_bodies_carry_stable_codes() {
    let table = [
        (ErrorCode::UnknownOrExpired, "unknown_or_expired", 404),
        (ErrorCode::WrongPassword, "wrong_password", 403),
        (ErrorCode::Locked, "locked", 423),
        (ErrorCode::Revoked, "revoked", 410),
        (ErrorCode::BadRequest, "bad_request", 400),
        (ErrorCode::VersionUnsupported, "version_unsupported", 400),
        (ErrorCode::RateLimited, "rate_limited", 429),
        (ErrorCode::Internal, "internal", 500),
    ];
    assert_eq!(table.len(), ErrorCode::ALL.len());
    for (code, text, status) in table {
        assert_eq!(code.as_str(), text);
        assert_eq!(code.http_status(), status, "{text}");
        assert_eq!(text.parse::<ErrorCode>().unwrap(), code);
    }
    let body = ActivationErrorBody::new(ErrorCode::WrongPassword, "wrong activation password")
        .with_attempts_left(3);
    let json = String::from_utf8(body.to_json().unwrap()).unwrap();
    assert_eq!(
        json,
        r#"{"code":"wrong_password","message":"wrong activation password","attempts_left":3}"#
    );
    assert_eq!(
        ActivationErrorBody::from_json(json.as_bytes()).unwrap(),
        body
    );
    let plain = ActivationErrorBody::new(ErrorCode::Internal, "internal error");
    assert!(
        !String::from_utf8(plain.to_json().unwrap())
            .unwrap()
            .contains("attempts")
    );
    let unknown = ActivationErrorBody::from_json(br#"{"code":"new_thing","message":""}"#).unwrap();
    assert_eq!(unknown.error_code(), None);

    assert_eq!(
        ActivationError::VersionUnsupported(3).error_code(),
        ErrorCode::VersionUnsupported
    );
    assert_eq!(
        ActivationError::DecryptFailed.error_code(),
        ErrorCode::BadRequest
    );
    assert_eq!(ActivationError::Crypto.error_code(), ErrorCode::Internal);
}

#[test]
fn debug_output_shows_no_secret() {
    let (client, _, pending, challenge, key) = handshake(OtpParams::default());
    let keys: SessionKeys = pending.keys().clone();
    let secrets: Vec<Vec<u8>> = vec![
        keys.k_c2s.to_vec(),
        keys.k_s2c.to_vec(),
        keys.k_seed.to_vec(),
        vec![7u8; 32], // the signing seed
    ];
    let pw = password("90715342");
    let client_debug = format!("{client:?}");
    let verified = client
        .accept_challenge(&challenge, &[key.pinned()])
        .unwrap();
    let verified_debug = format!("{verified:?}");
    let (awaiting, confirm) = verified.confirm(&pw).unwrap();
    let awaiting_debug = format!("{awaiting:?}");
    let pending_debug = format!("{pending:?}");
    let (seed, result) = pending.complete("tok").unwrap();
    let token = awaiting.finish(&result).unwrap();
    let debugs = [
        client_debug,
        verified_debug,
        awaiting_debug,
        pending_debug,
        format!("{keys:?}"),
        format!("{key:?}"),
        format!("{token:?}"),
        format!("{pw:?}"),
        format!("{confirm:?}"),
    ];
    let mut forbidden: Vec<String> = vec!["90715342".into()];
    for secret in secrets.iter().chain([&seed.expose().to_vec()]) {
        forbidden.push(hex(secret));
        forbidden.push(format!("{secret:?}"));
        forbidden.push(
            format!("{:?}", &secret[..4])
                .trim_end_matches(']')
                .to_owned(),
        );
    }
    for debug in &debugs {
        for needle in &forbidden {
            assert!(!debug.contains(needle.as_str()), "{debug} shows {needle}");
        }
    }
}

// ---------------------------------------------------------------- worked example

#[derive(Debug, Serialize, Deserialize)]
struct WorkedExample {
    inputs: Inputs,
    values: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Inputs {
    signing_key_id: String,
    signing_seed: String,
    client_ephemeral_private: String,
    server_ephemeral_private: String,
    client_nonce: String,
    server_nonce: String,
    service_id: String,
    user_id: String,
    activation_id: String,
    server_time_ms: u64,
    params: TotpParams,
    password: String,
    token_id: String,
    pepper: String,
    totp_times_ms: Vec<u64>,
}

const EXAMPLE_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/test_data/activation_worked_example.json"
);
const PROTOCOL_DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md");
const BEGIN: &str = "<!-- worked-example:begin (generated by the activation tests) -->\n";
const END: &str = "<!-- worked-example:end -->\n";

/// Runs the protocol on the fixed inputs and lists every intermediate value.
fn compute(inputs: &Inputs) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |name: &str, value: String| out.push((name.to_owned(), value));

    let client_private: [u8; 32] = unhex(&inputs.client_ephemeral_private);
    let server_private: [u8; 32] = unhex(&inputs.server_ephemeral_private);
    let key = SigningKey::from_seed(&inputs.signing_key_id, &unhex(&inputs.signing_seed)).unwrap();
    put("signing_public_key", hex(key.public_key()));

    let (client, request) = start_with(
        &inputs.service_id,
        &inputs.user_id,
        &fixed(&client_private),
        unhex(&inputs.client_nonce),
    )
    .unwrap();
    put("e_C", hex(request.client_public_key));
    put(
        "request_json",
        String::from_utf8(request.to_json().unwrap()).unwrap(),
    );

    let (pending, challenge) = respond_with(
        &request,
        &inputs.activation_id,
        inputs.params.to_otp_params(),
        inputs.server_time_ms,
        &key,
        &fixed(&server_private),
        unhex(&inputs.server_nonce),
    )
    .unwrap();
    put("e_S", hex(challenge.server_public_key));
    put("transcript", hex(transcript_bytes(&request, &challenge)));
    let th = transcript_hash(&request, &challenge);
    put("TH", hex(th));
    put("signature", hex(challenge.signature));
    put(
        "challenge_json",
        String::from_utf8(challenge.to_json().unwrap()).unwrap(),
    );

    // Z from both ends.
    let own = agreement::EphemeralPrivateKey::generate(&agreement::X25519, &fixed(&client_private))
        .unwrap();
    let z = keys::shared_secret(own, &challenge.server_public_key).unwrap();
    let own = agreement::EphemeralPrivateKey::generate(&agreement::X25519, &fixed(&server_private))
        .unwrap();
    assert_eq!(
        *keys::shared_secret(own, &request.client_public_key).unwrap(),
        *z
    );
    put("Z", hex(*z));
    put("PRK", hex(*keys::extract(&th, &z)));
    let session = pending.keys();
    assert_eq!(session.th, th);
    put("k_c2s", hex(*session.k_c2s));
    put("k_s2c", hex(*session.k_s2c));
    put("k_seed", hex(*session.k_seed));

    let verified = client
        .accept_challenge(&challenge, &[key.pinned()])
        .unwrap();
    let password = ActivationPassword::new(&inputs.password).unwrap();
    let (awaiting, confirm) = verified.confirm(&password).unwrap();
    put("confirm_ciphertext", hex(&confirm.ciphertext));
    put(
        "confirm_json",
        String::from_utf8(confirm.to_json().unwrap()).unwrap(),
    );

    let pepper = HEXLOWER.decode(inputs.pepper.as_bytes()).unwrap();
    let opened = pending.open_password(&confirm).unwrap();
    assert_eq!(opened, password);
    let verifier = password_verifier(&pepper, &password);
    assert!(verify_password(&pepper, &opened, &verifier));
    put("password_verifier", hex(verifier));

    let token_id = Identifier::new(&inputs.token_id).unwrap();
    let seed = session.seed(&token_id, inputs.params.algorithm).unwrap();
    put("seed", hex(&*seed));
    put("seed_base32", data_encoding::BASE32_NOPAD.encode(&seed));
    let mac = keys::confirmation_mac(&seed, &th);
    put("confirmation_mac", hex(mac));
    put(
        "result_plaintext",
        hex(&*keys::encode_result(&token_id, &mac)),
    );
    let (server_seed, result) = pending.clone().complete(&inputs.token_id).unwrap();
    assert_eq!(server_seed.expose(), &seed[..]);
    put("result_ciphertext", hex(&result.ciphertext));
    put(
        "result_json",
        String::from_utf8(result.to_json().unwrap()).unwrap(),
    );

    let token = awaiting.finish(&result).unwrap();
    assert!(token.secret.ct_eq(&server_seed));
    assert_eq!(token.token_id, inputs.token_id);
    let totp = Totp::new(
        inputs.params.algorithm,
        &token.secret,
        inputs.params.digits,
        inputs.params.period,
        0,
    );
    for t in &inputs.totp_times_ms {
        put(
            &format!("totp_at_{t}"),
            totp.code_at(*t).unwrap().to_string(),
        );
    }
    out
}

fn pretty(message: &impl Serialize) -> String {
    serde_json::to_string_pretty(message).unwrap()
}

/// The worked example as docs/protocol.md shows it.
fn render(example: &WorkedExample) -> String {
    let mut s = String::new();
    s.push_str(BEGIN);
    s.push_str("Inputs (`core/test_data/activation_worked_example.json`):\n\n```json\n");
    s.push_str(&serde_json::to_string_pretty(&example.inputs).unwrap());
    s.push_str("\n```\n\nEvery value computed from them (hex unless noted; long values wrapped at 64 characters):\n\n```text\n");
    for (name, value) in &example.values {
        if value.len() <= 64 {
            s.push_str(&format!("{name} = {value}\n"));
        } else if value.starts_with('{') {
            // Pretty-printed through the message type, so fields keep their wire order.
            let bytes = value.as_bytes();
            let pretty = match name.as_str() {
                "request_json" => pretty(&ActivationRequest::from_json(bytes).unwrap()),
                "challenge_json" => pretty(&ActivationChallenge::from_json(bytes).unwrap()),
                "result_json" => pretty(&ActivationResult::from_json(bytes).unwrap()),
                other => panic!("no pretty-printer for {other}"),
            };
            s.push_str(&format!("{name} =\n"));
            for line in pretty.lines() {
                s.push_str(&format!("    {line}\n"));
            }
        } else {
            s.push_str(&format!("{name} =\n"));
            for chunk in value.as_bytes().chunks(64) {
                s.push_str(&format!("    {}\n", String::from_utf8_lossy(chunk)));
            }
        }
    }
    s.push_str("```\n");
    s.push_str(END);
    s
}

/// Set `ICHIE_UPDATE_WORKED_EXAMPLE=1` to rewrite the JSON values and the
/// doc section from the code (then review the diff).
#[test]
fn worked_example_matches_the_code_the_json_and_the_doc() {
    let text = std::fs::read_to_string(EXAMPLE_PATH).unwrap();
    let mut example: WorkedExample = serde_json::from_str(&text).unwrap();
    let computed = compute(&example.inputs);
    let doc = std::fs::read_to_string(PROTOCOL_DOC).unwrap_or_default();
    let update = std::env::var_os("ICHIE_UPDATE_WORKED_EXAMPLE").is_some();
    if update {
        example.values = computed.clone();
        let json = serde_json::to_string_pretty(&example).unwrap() + "\n";
        std::fs::write(EXAMPLE_PATH, json).unwrap();
        let section = render(&example);
        let new_doc = match (doc.find(BEGIN), doc.find(END)) {
            (Some(b), Some(e)) => format!("{}{}{}", &doc[..b], section, &doc[e + END.len()..]),
            _ => format!("{doc}\n{section}"),
        };
        std::fs::write(PROTOCOL_DOC, new_doc).unwrap();
        return;
    }
    assert_eq!(
        example.values, computed,
        "the code no longer computes the worked example of {EXAMPLE_PATH}; \
         rerun with ICHIE_UPDATE_WORKED_EXAMPLE=1 if the change is intended"
    );
    assert!(
        doc.contains(&render(&example)),
        "docs/protocol.md does not show the worked example of {EXAMPLE_PATH}; \
         rerun with ICHIE_UPDATE_WORKED_EXAMPLE=1"
    );
}

/// Values checked against sources other than this module.
#[test]
fn worked_example_agrees_with_independent_references() {
    let example: WorkedExample =
        serde_json::from_str(&std::fs::read_to_string(EXAMPLE_PATH).unwrap()).unwrap();
    let value = |name: &str| -> String {
        example
            .values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} in the worked example"))
    };
    // RFC 8032 §7.1 test 1 and RFC 7748 §6.1.
    assert_eq!(
        value("signing_public_key"),
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );
    assert_eq!(
        value("e_C"),
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    );
    assert_eq!(
        value("e_S"),
        "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
    );
    assert_eq!(
        value("Z"),
        "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    );

    // TH, PRK, the keys, the seed and the MAC with RustCrypto instead of ring.
    use hmac::{KeyInit, Mac};
    use sha2::Digest;
    type HmacSha256 = hmac::Hmac<sha2::Sha256>;
    let mac = |key: &[u8], parts: &[&[u8]]| -> Vec<u8> {
        let mut m = <HmacSha256 as KeyInit>::new_from_slice(key).unwrap();
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().to_vec()
    };
    let bytes = |name: &str| HEXLOWER.decode(value(name).as_bytes()).unwrap();
    let transcript = bytes("transcript");
    assert!(
        transcript.starts_with(b"ichie-activation-v1 transcript\x00\x00\x00\x04\x00\x00\x00\x01")
    );
    assert_eq!(sha2::Sha256::digest(&transcript).to_vec(), bytes("TH"));
    let prk = mac(&bytes("TH"), &[&bytes("Z")]);
    assert_eq!(prk, bytes("PRK"));
    // One HKDF-Expand block: T(1) = HMAC(PRK, info || 0x01).
    assert_eq!(mac(&prk, &[b"ichie c2s key", &[1]]), bytes("k_c2s"));
    assert_eq!(mac(&prk, &[b"ichie s2c key", &[1]]), bytes("k_s2c"));
    assert_eq!(mac(&prk, &[b"ichie seed key", &[1]]), bytes("k_seed"));
    let info = [b"seed".as_slice(), example.inputs.token_id.as_bytes()].concat();
    assert_eq!(
        mac(&bytes("k_seed"), &[&info, &[1]])[..20],
        bytes("seed")[..]
    );
    assert_eq!(
        mac(&bytes("seed"), &[b"confirm", &bytes("TH")]),
        bytes("confirmation_mac")
    );
    let pepper = HEXLOWER.decode(example.inputs.pepper.as_bytes()).unwrap();
    assert_eq!(
        mac(&pepper, &[example.inputs.password.as_bytes()]),
        bytes("password_verifier")
    );

    // The codes with totp-rs.
    let totp = totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(bytes("seed"))
        .build()
        .unwrap();
    for t in &example.inputs.totp_times_ms {
        assert_eq!(
            totp.generate(t / 1000).to_string(),
            value(&format!("totp_at_{t}")),
            "{t}"
        );
    }
}

// ---------------------------------------------------------------- parsers never panic

fn valid_json_messages() -> Vec<Vec<u8>> {
    let (client, request, pending, challenge, key) = handshake(OtpParams::default());
    let (awaiting, confirm) = client
        .accept_challenge(&challenge, &[key.pinned()])
        .unwrap()
        .confirm(&password("1234"))
        .unwrap();
    drop(awaiting);
    let (_, result) = pending.complete("tok").unwrap();
    vec![
        request.to_json().unwrap(),
        challenge.to_json().unwrap(),
        confirm.to_json().unwrap(),
        result.to_json().unwrap(),
        ActivationErrorBody::new(ErrorCode::Locked, "locked")
            .with_attempts_left(0)
            .to_json()
            .unwrap(),
    ]
}

fn parse_all(bytes: &[u8]) {
    let _ = ActivationRequest::from_json(bytes);
    let _ = ActivationChallenge::from_json(bytes);
    let _ = ActivationConfirm::from_json(bytes);
    let _ = ActivationResult::from_json(bytes);
    let _ = ActivationErrorBody::from_json(bytes);
    let _ = PendingActivation::from_bytes(bytes);
}

proptest! {
    #[test]
    fn parsers_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        parse_all(&bytes);
    }

    #[test]
    fn parsers_never_panic_on_mutated_messages(
        which in 0usize..5,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = valid_json_messages().swap_remove(which);
        for (at, value) in edits {
            let at = at % bytes.len();
            bytes[at] = value;
        }
        parse_all(&bytes);
    }

    #[test]
    fn state_reader_never_panics_on_mutated_state(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let (_, pending) = awaiting_session();
        let mut bytes = pending.to_bytes().to_vec();
        for (at, value) in edits {
            let at = at % bytes.len();
            bytes[at] = value;
        }
        bytes.truncate(cut % (bytes.len() + 1));
        let _ = PendingActivation::from_bytes(&bytes);
    }

    #[test]
    fn identifier_new_never_panics(text in ".{0,200}") {
        let _ = Identifier::new(&text);
        let _ = ActivationPassword::new(&text);
    }
}

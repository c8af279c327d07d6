use data_encoding::HEXLOWER;
use proptest::prelude::*;
use ring::signature;
use serde::{Deserialize, Serialize};

use super::cpace::{self, Cpace};
use super::keys::{self, SessionKeys};
use super::transcript::{channel_identifier, transcript_bytes, transcript_hash};
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

fn unhex_vec(text: &str) -> Vec<u8> {
    let text: String = text.split_whitespace().collect();
    HEXLOWER.decode(text.as_bytes()).unwrap()
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
const IDS: ChallengeIds<'static> = ChallengeIds {
    activation_id: "act-1",
    issuance_id: "iss-1",
};

fn password(text: &str) -> ActivationPassword {
    ActivationPassword::new(text).unwrap()
}

fn prs(text: &str) -> Prs {
    Prs::derive("svc", "alice", &password(text))
}

/// Steps 1 and 2 with real randomness: the app types `typed`, the server
/// holds the PRS of `issued`.
fn handshake_with(
    params: OtpParams,
    typed: &str,
    issued: &str,
) -> (
    ClientActivation,
    ActivationRequest,
    PendingActivation,
    ActivationChallenge,
    SigningKey,
) {
    let key = signing_key();
    let (client, request) = ClientActivation::start("svc", "alice", &password(typed)).unwrap();
    let (pending, challenge) = respond(&request, IDS, &prs(issued), params, NOW, &key).unwrap();
    (client, request, pending, challenge, key)
}

fn handshake(
    params: OtpParams,
) -> (
    ClientActivation,
    ActivationRequest,
    PendingActivation,
    ActivationChallenge,
    SigningKey,
) {
    handshake_with(params, "0042", "0042")
}

/// A verified client and the server's state, ready for the confirm.
fn awaiting_session() -> (AwaitingResult, PendingActivation) {
    let (client, _, pending, challenge, key) = handshake(OtpParams::default());
    let verified = client
        .accept_challenge(&challenge, &[key.pinned()])
        .unwrap();
    (verified.confirm().0, pending)
}

// ---------------------------------------------------------------- CPace (draft-irtf-cfrg-cpace)

/// The draft's appendix vectors for CPACE-RISTR255-SHA512 (and its LEB128
/// and lv_cat examples), replayed on this implementation.
#[test]
fn cpace_matches_the_draft_test_vectors() {
    let mut out = Vec::new();
    cpace::leb128(0, &mut out);
    assert_eq!(out, [0x00]);
    out.clear();
    cpace::leb128(127, &mut out);
    assert_eq!(out, [0x7f]);
    out.clear();
    cpace::leb128(128, &mut out);
    assert_eq!(out, [0x80, 0x01]);
    assert_eq!(hex(&*cpace::lv_cat(&[b"1234"])), "0431323334");
    assert_eq!(hex(&*cpace::lv_cat(&[b""])), "00");

    let prs = b"Password";
    let ci = unhex_vec("0b415f696e69746961746f720b425f726573706f6e646572");
    let sid = unhex_vec("7e4b4791d6a8ef019b936c79fb7f2c57");
    let gen_str = cpace::generator_string(prs, &ci, &sid);
    assert_eq!(gen_str.len(), 170);
    assert_eq!(
        hex(&*gen_str),
        "11435061636552697374726574746f3235350850617373776f726464".to_owned()
            + &"00".repeat(100)
            + "180b415f696e69746961746f720b425f726573706f6e646572107e4b4791d6a8ef019b936c79fb7f2c57"
    );
    let hash = ring::digest::digest(&ring::digest::SHA512, &gen_str);
    assert_eq!(
        hex(hash.as_ref()),
        "da6d3ddc8802fca9058755ffd3ebde08a9c2c74945901a258482a288\
         b6663af06bf645c93cd1c51512307199c80e84908916d983b34af772\
         05f90851a657ee27"
    );
    let g = cpace::calculate_generator(prs, &ci, &sid);
    assert_eq!(
        hex(g.compress().to_bytes()),
        "222b6b195fe84b1652badb6f6a3ae3d24341e7306967f0b8115b40d5698c7e56"
    );

    let ya = cpace::scalar_from_bytes(&unhex(
        "da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4ff0976d08",
    ));
    let yb = cpace::scalar_from_bytes(&unhex(
        "d2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d",
    ));
    let share_a = cpace::scalar_mult(&ya, &g);
    let share_b = cpace::scalar_mult(&yb, &g);
    assert_eq!(
        hex(share_a),
        "d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b9157"
    );
    assert_eq!(
        hex(share_b),
        "3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f7258"
    );
    let k_a = cpace::scalar_mult_vfy(&ya, &share_b).unwrap();
    let k_b = cpace::scalar_mult_vfy(&yb, &share_a).unwrap();
    assert_eq!(
        hex(*k_a),
        "80b69a8a76457ab6a4d7f887a4bf6b55a2f80ac19c333f917a05fc9887c8b40f"
    );
    assert_eq!(*k_a, *k_b);
    let isk = cpace::isk(&sid, &k_a, &share_a, b"ADa", &share_b, b"ADb");
    assert_eq!(
        hex(*isk),
        "b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dc\
         ae7b35cd2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c\
         3fa2068af7900447"
    );
}

/// The draft's verification tests: the neutral element and strings that
/// are not group encodings abort the run on either side.
#[test]
fn cpace_refuses_the_neutral_element_and_non_encodings() {
    let y = cpace::scalar_from_bytes(&[9u8; 32]);
    let identity = [0u8; 32];
    let not_canonical = [0xffu8; 32];
    let mut negative =
        unhex::<32>("d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b9157");
    negative[0] |= 1; // odd field element: not a valid ristretto encoding
    for bad in [identity, not_canonical, negative] {
        assert!(cpace::scalar_mult_vfy(&y, &bad).is_none(), "{}", hex(bad));
    }

    // On the wire: a client share that is the neutral element is refused
    // before anything is signed; a server share that is, before any key.
    let (_, mut request) = ClientActivation::start("svc", "alice", &password("1234")).unwrap();
    request.client_share = identity;
    assert_eq!(
        respond(
            &request,
            IDS,
            &prs("1234"),
            OtpParams::default(),
            NOW,
            &signing_key()
        )
        .unwrap_err(),
        ActivationError::InvalidPeerKey
    );
    let (client, request) = ClientActivation::start("svc", "alice", &password("1234")).unwrap();
    let key = signing_key();
    let (_, mut challenge) =
        respond(&request, IDS, &prs("1234"), OtpParams::default(), NOW, &key).unwrap();
    challenge.server_share = identity;
    sign_challenge(&request, &mut challenge, &key);
    assert_eq!(
        client
            .accept_challenge(&challenge, &[key.pinned()])
            .unwrap_err(),
        ActivationError::InvalidPeerKey
    );
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
            let (awaiting, confirm) = verified.confirm();
            assert_eq!(awaiting.confirm_message(), &confirm);

            // The state crosses to another server instance as bytes.
            let stored = pending.to_bytes();
            let pending = PendingActivation::from_bytes(&stored).unwrap();
            assert!(pending.confirm_matches(&confirm));
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
    let (awaiting, confirm) = verified.confirm();
    let confirm2 = ActivationConfirm::from_json(&confirm.to_json().unwrap()).unwrap();
    assert!(pending.confirm_matches(&confirm2));
    let (_, result) = pending.complete("t").unwrap();
    let result2 = ActivationResult::from_json(&result.to_json().unwrap()).unwrap();
    awaiting.finish(&result2).unwrap();

    let json = String::from_utf8(challenge.to_json().unwrap()).unwrap();
    assert!(
        json.contains(r#""params":{"algorithm":"SHA1","digits":6,"period":30}"#),
        "{json}"
    );
    // Nothing password-derived but the CPace share travels: no PRS, no MAC
    // before the signature check.
    let request_json = String::from_utf8(request.to_json().unwrap()).unwrap();
    assert!(!request_json.contains("0042"));
}

#[test]
fn to_otp_params_refuses_what_the_protocol_cannot_carry() {
    let (_, request) = ClientActivation::start("s", "u", &password("1234")).unwrap();
    let key = signing_key();
    let hotp = OtpParams {
        kind: OtpKind::Hotp { counter: 0 },
        ..OtpParams::default()
    };
    let t0 = OtpParams {
        kind: OtpKind::Totp {
            step: Step::THIRTY_SECONDS,
            t0: 5,
        },
        ..OtpParams::default()
    };
    for params in [hotp, t0] {
        assert!(matches!(
            respond(&request, IDS, &prs("1234"), params, NOW, &key),
            Err(ActivationError::UnsupportedParams(_))
        ));
    }
}

#[test]
fn other_versions_are_refused_with_their_number() {
    let (_, mut request) = ClientActivation::start("s", "u", &password("1234")).unwrap();
    request.version = 1;
    assert_eq!(
        respond(
            &request,
            IDS,
            &prs("1234"),
            OtpParams::default(),
            NOW,
            &signing_key()
        )
        .unwrap_err(),
        ActivationError::VersionUnsupported(1)
    );
}

// ---------------------------------------------------------------- the password

#[test]
fn a_wrong_password_fails_the_key_confirmation_on_both_sides() {
    let (client, _, pending, challenge, key) = handshake_with(OtpParams::default(), "1234", "1235");
    let verified = client
        .accept_challenge(&challenge, &[key.pinned()])
        .unwrap();
    let (awaiting, confirm) = verified.confirm();
    assert!(!pending.confirm_matches(&confirm));
    // A server that went on anyway could not make a result the app accepts.
    let (_, result) = pending.complete("tok").unwrap();
    assert_eq!(
        awaiting.finish(&result).unwrap_err(),
        ActivationError::DecryptFailed
    );
}

/// v1's confirm grew with the password; v2's is 32 bytes whatever it is.
#[test]
fn nothing_on_the_wire_depends_on_the_password_length() {
    let mut sizes = std::collections::BTreeSet::new();
    for typed in ["1234", "123456", "12345678"] {
        let (client, request, _, challenge, key) =
            handshake_with(OtpParams::default(), typed, typed);
        let (_, confirm) = client
            .accept_challenge(&challenge, &[key.pinned()])
            .unwrap()
            .confirm();
        sizes.insert((
            request.to_json().unwrap().len(),
            confirm.to_json().unwrap().len(),
        ));
    }
    assert_eq!(sizes.len(), 1, "{sizes:?}");
}

#[test]
fn the_prs_binds_service_user_and_password() {
    let base = Prs::derive("svc", "alice", &password("1234"));
    assert_eq!(base, Prs::derive("svc", "alice", &password("1234")));
    for other in [
        Prs::derive("svc", "alice", &password("12340")),
        Prs::derive("svc", "bob", &password("1234")),
        Prs::derive("svc2", "alice", &password("1234")),
        Prs::random().unwrap(),
    ] {
        assert_ne!(base, other);
    }
    assert_ne!(Prs::random().unwrap(), Prs::random().unwrap());
    assert_eq!(Prs::from_bytes(base.expose()).unwrap(), base);
    assert!(Prs::from_bytes(&[0; 63]).is_err());
    assert_eq!(format!("{base:?}"), "Prs(<redacted>)");
}

#[test]
fn password_format_is_4_to_8_ascii_digits() {
    for good in ["0000", "1234", "12345678", "00000000"] {
        assert_eq!(ActivationPassword::new(good).unwrap().expose(), good);
    }
    for bad in [
        "",
        "123",
        "123456789",
        "12a4",
        " 1234",
        "1234 ",
        "１２３４",
        "12.4",
        "-123",
    ] {
        assert_eq!(
            ActivationPassword::new(bad).unwrap_err(),
            ActivationError::WrongPasswordFormat,
            "{bad:?}"
        );
    }
}

/// A rogue server (own signing key, pinned from a forged link) runs CPace on
/// one guess. Every key it can compute afterwards — one per candidate
/// password, with its scalar — matches the app's key confirmation only if
/// its single guess was the password: one online guess, nothing to test
/// offline.
#[test]
fn a_rogue_server_tests_exactly_one_guess_per_run() {
    let rogue = SigningKey::from_seed("evil", &[66u8; 32]).unwrap();
    let rogue_scalar = [5u8; 32];
    for (typed, guess, expected_matches) in [("4711", "1234", 0usize), ("4711", "4711", 1)] {
        let (client, request) = ClientActivation::start("svc", "alice", &password(typed)).unwrap();
        let (_, challenge) = respond_with(
            &request,
            IDS,
            &prs(guess),
            OtpParams::default(),
            NOW,
            &rogue,
            &rogue_scalar,
        )
        .unwrap();
        let (_, confirm) = client
            .accept_challenge(&challenge, &[rogue.pinned()])
            .unwrap()
            .confirm();
        let th = transcript_hash(&request, &challenge, &rogue.public_key());
        let ci = channel_identifier(&request.service_id, &request.user_id);
        let mut matches = Vec::new();
        let candidates = (4000..5000).map(|n| format!("{n:04}"));
        for candidate in candidates {
            let cpace = Cpace::with_scalar(
                prs(&candidate).expose(),
                &ci,
                &request.client_nonce,
                cpace::scalar_from_bytes(&rogue_scalar),
            );
            let isk = cpace
                .finish_responder(&request.client_nonce, &request.client_share)
                .unwrap();
            let keys = SessionKeys::derive(th, &isk).unwrap();
            if keys.client_mac_matches(&confirm.client_mac) {
                matches.push(candidate);
            }
        }
        assert_eq!(
            matches.len(),
            expected_matches,
            "guess {guess}: {matches:?}"
        );
        if expected_matches == 1 {
            assert_eq!(matches[0], typed);
        }
    }
}

// ---------------------------------------------------------------- signatures and pins

#[test]
fn a_challenge_signed_by_an_unpinned_or_other_key_is_refused() {
    let (client, _, _, challenge, _) = handshake(OtpParams::default());
    assert_eq!(
        client
            .accept_challenge(
                &challenge,
                &[SigningKey::from_seed("k2", &[1; 32]).unwrap().pinned()]
            )
            .unwrap_err(),
        ActivationError::UnknownKeyId("k1".into())
    );
    let (client, _, _, challenge, _) = handshake(OtpParams::default());
    let impostor = SigningKey::from_seed("k1", &[8u8; 32]).unwrap();
    assert_eq!(
        client
            .accept_challenge(&challenge, &[impostor.pinned()])
            .unwrap_err(),
        ActivationError::BadSignature
    );
    // Found among several pinned keys.
    let (client, _, _, challenge, key) = handshake(OtpParams::default());
    let other = SigningKey::from_seed("k0", &[1; 32]).unwrap().pinned();
    client
        .accept_challenge(&challenge, &[other, key.pinned()])
        .unwrap();
}

#[test]
fn every_signed_field_is_covered_by_the_signature() {
    type Edit = fn(&mut ActivationRequest, &mut ActivationChallenge);
    let edits: [(&str, Edit); 10] = [
        ("client nonce", |r, _| r.client_nonce[0] ^= 1),
        ("client share", |r, _| {
            r.client_share = ClientActivation::start("svc", "alice", &password("0042"))
                .unwrap()
                .1
                .client_share
        }),
        ("service", |r, _| {
            r.service_id = Identifier::new("svc2").unwrap()
        }),
        ("user", |r, _| r.user_id = Identifier::new("bob").unwrap()),
        ("activation", |_, c| {
            c.activation_id = Identifier::new("act-2").unwrap()
        }),
        ("issuance", |_, c| {
            c.issuance_id = Identifier::new("iss-2").unwrap()
        }),
        ("server share", |_, c| {
            c.server_share = cpace::scalar_mult(
                &cpace::scalar_from_bytes(&[3; 32]),
                &cpace::calculate_generator(b"x", b"", b""),
            )
        }),
        ("time", |_, c| c.server_time_ms += 1),
        ("params", |_, c| c.params.digits = Digits::EIGHT),
        ("key id", |_, c| c.key_id = Identifier::new("k1 ").unwrap()),
    ];
    for (what, edit) in edits {
        let key = signing_key();
        let (_, mut request) = ClientActivation::start("svc", "alice", &password("0042")).unwrap();
        let (_, mut challenge) =
            respond(&request, IDS, &prs("0042"), OtpParams::default(), NOW, &key).unwrap();
        let pk = key.public_key();
        let before = transcript_bytes(&request, &challenge, &pk);
        edit(&mut request, &mut challenge);
        assert_ne!(
            transcript_bytes(&request, &challenge, &pk),
            before,
            "{what}"
        );
        let verify = signature::UnparsedPublicKey::new(&signature::ED25519, &key.public_key())
            .verify(
                &super::transcript::signed_message(&transcript_hash(&request, &challenge, &pk)),
                &challenge.signature,
            );
        assert!(verify.is_err(), "{what} is not signed");
    }
}

#[test]
fn tampered_or_foreign_results_do_not_decrypt() {
    let (awaiting, pending) = awaiting_session();
    let (_, mut result) = pending.complete("tok").unwrap();
    result.ciphertext[0] ^= 1;
    assert_eq!(
        awaiting.finish(&result).unwrap_err(),
        ActivationError::DecryptFailed
    );
    // A result from another session.
    let (awaiting, _) = awaiting_session();
    let (_, other) = awaiting_session();
    let (_, result) = other.complete("tok").unwrap();
    assert_eq!(
        awaiting.finish(&result).unwrap_err(),
        ActivationError::DecryptFailed
    );
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
    let plaintext = keys::encode_result(&token_id, &[0u8; 32]);
    let result = sealed_result(&pending, &plaintext);
    assert_eq!(
        awaiting.finish(&result).unwrap_err(),
        ActivationError::ConfirmationMismatch
    );
}

#[test]
fn malformed_result_plaintext_is_a_bad_message() {
    for plaintext in [
        vec![],
        vec![0, 0, 0],
        [&[0, 0, 0, 3][..], b"tok"].concat(),
        [&[0, 0, 0, 3][..], b"tok", &[0; 33]].concat(),
        [&[0, 0, 0xff, 0xff][..], &[0; 40]].concat(),
        [&[0, 0, 0, 2][..], &[0xff, 0xfe], &[0; 32]].concat(),
    ] {
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
    let magic_len = b"ichie-pending-activation\x02".len();
    let algorithm_at = magic_len + 4 * 32;
    for (at, value) in [
        (magic_len - 1, 1u8),     // format version (a v1 state)
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
        let pw = password("1234");
        assert!(ClientActivation::start(&bad, "u", &pw).is_err(), "{bad:?}");
        assert!(ClientActivation::start("s", &bad, &pw).is_err(), "{bad:?}");
    }
    let request = ClientActivation::start("s", "u", &password("1234"))
        .unwrap()
        .1;
    for ids in [
        ChallengeIds {
            activation_id: "",
            issuance_id: "i",
        },
        ChallengeIds {
            activation_id: "a",
            issuance_id: "",
        },
    ] {
        assert!(
            respond(
                &request,
                ids,
                &prs("1234"),
                OtpParams::default(),
                NOW,
                &signing_key()
            )
            .is_err()
        );
    }
    assert!(SigningKey::from_seed("", &[0; 32]).is_err());
    let (_, pending) = awaiting_session();
    assert!(matches!(
        pending.complete(&"t".repeat(129)),
        Err(ActivationError::BadMessage(_))
    ));
}

#[test]
fn json_parsers_are_strict_about_binary_fields() {
    let request = ClientActivation::start("s", "u", &password("1234"))
        .unwrap()
        .1;
    let good = String::from_utf8(request.to_json().unwrap()).unwrap();
    let key = data_encoding::BASE64URL_NOPAD.encode(&request.client_share);
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
            &data_encoding::BASE64URL_NOPAD.encode(&request.client_share[..31]),
        ),
        // a missing field
        good.replace("\"version\":2,", ""),
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
    assert!(ActivationResult::from_json(huge.as_bytes()).is_err());
    let short_mac = format!("{{\"client_mac\":\"{}\"}}", "A".repeat(42));
    assert!(ActivationConfirm::from_json(short_mac.as_bytes()).is_err());
    let bad_params = r#"{"algorithm":"MD5","digits":6,"period":30}"#;
    assert!(serde_json::from_str::<TotpParams>(bad_params).is_err());
    let bad_period = r#"{"algorithm":"SHA1","digits":6,"period":0}"#;
    assert!(serde_json::from_str::<TotpParams>(bad_period).is_err());
}

#[test]
fn protocol_errors_map_to_wire_codes() {
    assert_eq!(
        ActivationError::VersionUnsupported(3).error_code(),
        ErrorCode::VersionUnsupported
    );
    for bad_request in [
        ActivationError::DecryptFailed,
        ActivationError::InvalidPeerKey,
        ActivationError::BadSignature,
        ActivationError::LinkMismatch {
            service_id: "s".into(),
            what: "signing key",
        },
    ] {
        assert_eq!(
            bad_request.error_code(),
            ErrorCode::BadRequest,
            "{bad_request}"
        );
    }
    assert_eq!(ActivationError::Crypto.error_code(), ErrorCode::Internal);
}

#[test]
fn debug_output_shows_no_secret() {
    let (client, _, pending, challenge, key) =
        handshake_with(OtpParams::default(), "90715342", "90715342");
    let keys: SessionKeys = pending.keys().clone();
    let secrets: Vec<Vec<u8>> = vec![
        keys.k_client.to_vec(),
        keys.k_s2c.to_vec(),
        keys.k_seed.to_vec(),
        prs("90715342").expose().to_vec(),
        vec![7u8; 32], // the signing seed
    ];
    let pw = password("90715342");
    let client_debug = format!("{client:?}");
    let verified = client
        .accept_challenge(&challenge, &[key.pinned()])
        .unwrap();
    let verified_debug = format!("{verified:?}");
    let (awaiting, _) = verified.confirm();
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
        format!("{:?}", prs("90715342")),
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
    client_scalar: String,
    server_scalar: String,
    client_nonce: String,
    service_id: String,
    user_id: String,
    activation_id: String,
    issuance_id: String,
    server_time_ms: u64,
    params: TotpParams,
    password: String,
    token_id: String,
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

    let client_scalar: [u8; 32] = unhex(&inputs.client_scalar);
    let server_scalar: [u8; 32] = unhex(&inputs.server_scalar);
    let client_nonce: [u8; 32] = unhex(&inputs.client_nonce);
    let key = SigningKey::from_seed(&inputs.signing_key_id, &unhex(&inputs.signing_seed)).unwrap();
    put("signing_public_key", hex(key.public_key()));

    let password = ActivationPassword::new(&inputs.password).unwrap();
    let prs = Prs::derive(&inputs.service_id, &inputs.user_id, &password);
    put("PRS", hex(prs.expose()));
    let service_id = Identifier::new(&inputs.service_id).unwrap();
    let user_id = Identifier::new(&inputs.user_id).unwrap();
    let ci = channel_identifier(&service_id, &user_id);
    put("CI", hex(&ci));
    put(
        "generator_string",
        hex(&*cpace::generator_string(prs.expose(), &ci, &client_nonce)),
    );
    put(
        "g",
        hex(cpace::calculate_generator(prs.expose(), &ci, &client_nonce)
            .compress()
            .to_bytes()),
    );

    let (client, request) = start_with(
        &inputs.service_id,
        &inputs.user_id,
        &password,
        &client_scalar,
        client_nonce,
    )
    .unwrap();
    put("Ya", hex(request.client_share));
    put(
        "request_json",
        String::from_utf8(request.to_json().unwrap()).unwrap(),
    );

    let (pending, challenge) = respond_with(
        &request,
        ChallengeIds {
            activation_id: &inputs.activation_id,
            issuance_id: &inputs.issuance_id,
        },
        &prs,
        inputs.params.to_otp_params(),
        inputs.server_time_ms,
        &key,
        &server_scalar,
    )
    .unwrap();
    put("Yb", hex(challenge.server_share));
    let k = cpace::scalar_mult_vfy(
        &cpace::scalar_from_bytes(&client_scalar),
        &challenge.server_share,
    )
    .unwrap();
    assert_eq!(
        *k,
        *cpace::scalar_mult_vfy(
            &cpace::scalar_from_bytes(&server_scalar),
            &request.client_share
        )
        .unwrap()
    );
    put("K", hex(*k));
    let isk = cpace::isk(
        &client_nonce,
        &k,
        &request.client_share,
        b"",
        &challenge.server_share,
        b"",
    );
    put("ISK", hex(*isk));
    put(
        "transcript",
        hex(transcript_bytes(&request, &challenge, &key.public_key())),
    );
    let th = transcript_hash(&request, &challenge, &key.public_key());
    put("TH", hex(th));
    put("signature", hex(challenge.signature));
    put(
        "challenge_json",
        String::from_utf8(challenge.to_json().unwrap()).unwrap(),
    );
    put("PRK", hex(*keys::extract(&th, &isk)));
    let session = pending.keys();
    assert_eq!(session.th, th);
    put("k_client", hex(*session.k_client));
    put("k_s2c", hex(*session.k_s2c));
    put("k_seed", hex(*session.k_seed));

    let verified = client
        .accept_challenge(&challenge, &[key.pinned()])
        .unwrap();
    let (awaiting, confirm) = verified.confirm();
    put("client_mac", hex(confirm.client_mac));
    put(
        "confirm_json",
        String::from_utf8(confirm.to_json().unwrap()).unwrap(),
    );
    assert!(pending.confirm_matches(&confirm));

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
    // RFC 8032 §7.1 test 1.
    assert_eq!(
        value("signing_public_key"),
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );

    // PRS, the generator hash, ISK, TH, PRK, the keys, the MAC, the seed
    // with RustCrypto instead of ring.
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
    // lv_cat by hand: every part here is shorter than 128 bytes.
    let lv = |parts: &[&[u8]]| -> Vec<u8> {
        parts
            .iter()
            .flat_map(|p| [&[p.len() as u8][..], p].concat())
            .collect()
    };
    let inputs = &example.inputs;
    assert_eq!(
        sha2::Sha512::digest(lv(&[
            b"ichie-activation-v2 prs",
            inputs.service_id.as_bytes(),
            inputs.user_id.as_bytes(),
            inputs.password.as_bytes(),
        ]))
        .to_vec(),
        bytes("PRS")
    );
    assert_eq!(
        lv(&[
            b"ichie-activation-v2",
            inputs.service_id.as_bytes(),
            inputs.user_id.as_bytes()
        ]),
        bytes("CI")
    );
    let nonce = HEXLOWER.decode(inputs.client_nonce.as_bytes()).unwrap();
    let gen_str = bytes("generator_string");
    let zpad = 128 - 1 - (1 + 64) - (1 + 17);
    assert_eq!(
        gen_str,
        lv(&[
            b"CPaceRistretto255",
            &bytes("PRS"),
            &vec![0; zpad],
            &bytes("CI"),
            &nonce
        ])
    );
    assert_eq!(
        sha2::Sha512::digest(
            [
                lv(&[b"CPaceRistretto255_ISK", &nonce, &bytes("K")]),
                lv(&[&bytes("Ya"), b""]),
                lv(&[&bytes("Yb"), b""])
            ]
            .concat()
        )
        .to_vec(),
        bytes("ISK")
    );
    let transcript = bytes("transcript");
    assert!(
        transcript.starts_with(b"ichie-activation-v2 transcript\x00\x00\x00\x04\x00\x00\x00\x02")
    );
    // ...and ends with the signer's public key behind its length.
    assert!(transcript.ends_with(&[&[0, 0, 0, 32][..], &bytes("signing_public_key")].concat()));
    assert_eq!(sha2::Sha256::digest(&transcript).to_vec(), bytes("TH"));
    let prk = mac(&bytes("TH"), &[&bytes("ISK")]);
    assert_eq!(prk, bytes("PRK"));
    // One HKDF-Expand block: T(1) = HMAC(PRK, info || 0x01).
    assert_eq!(
        mac(&prk, &[b"ichie v2 client confirm key", &[1]]),
        bytes("k_client")
    );
    assert_eq!(mac(&prk, &[b"ichie v2 s2c key", &[1]]), bytes("k_s2c"));
    assert_eq!(mac(&prk, &[b"ichie v2 seed key", &[1]]), bytes("k_seed"));
    assert_eq!(
        mac(&bytes("k_client"), &[b"client confirm", &bytes("TH")]),
        bytes("client_mac")
    );
    let info = [b"seed".as_slice(), inputs.token_id.as_bytes()].concat();
    assert_eq!(
        mac(&bytes("k_seed"), &[&info, &[1]])[..20],
        bytes("seed")[..]
    );
    assert_eq!(
        mac(&bytes("seed"), &[b"confirm", &bytes("TH")]),
        bytes("confirmation_mac")
    );

    // The codes with totp-rs.
    let totp = totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(bytes("seed"))
        .build()
        .unwrap();
    for t in &inputs.totp_times_ms {
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
        .confirm();
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

//! The server's replay of the worked example of docs/protocol.md, with the
//! sealing round trips of the PRS and the pending activation as the server
//! stores them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use data_encoding::HEXLOWER;
use ichie_core::activation::{
    self, ActivationConfirm, ActivationPassword, ActivationRequest, ChallengeIds,
    PendingActivation, Prs, SigningKey, TotpParams,
};
use ichie_server::seal::{MasterKey, activation_aad, prs_aad};
use serde_json::Value;

const EXAMPLE: &str = include_str!("../../core/test_data/activation_worked_example.json");

fn hex(text: &str) -> Vec<u8> {
    HEXLOWER.decode(text.as_bytes()).unwrap()
}

fn arr32(text: &str) -> [u8; 32] {
    hex(text).try_into().unwrap()
}

#[test]
fn server_replays_the_worked_example() {
    let example: Value = serde_json::from_str(EXAMPLE).unwrap();
    let inputs = &example["inputs"];
    let input = |name: &str| inputs[name].as_str().unwrap().to_owned();
    let value = |name: &str| -> String {
        example["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|pair| pair[0] == name)
            .unwrap_or_else(|| panic!("no {name}"))[1]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let key =
        SigningKey::from_seed(&input("signing_key_id"), &arr32(&input("signing_seed"))).unwrap();
    assert_eq!(
        HEXLOWER.encode(&key.public_key()),
        value("signing_public_key")
    );
    let request = ActivationRequest::from_json(value("request_json").as_bytes()).unwrap();
    let params: TotpParams = serde_json::from_value(inputs["params"].clone()).unwrap();
    // The PRS as the server keeps it: derived at issuance, sealed, unsealed.
    let master = MasterKey::new(&[1u8; 32]).unwrap();
    let password = ActivationPassword::new(&input("password")).unwrap();
    let prs = Prs::derive(&input("service_id"), &input("user_id"), &password);
    assert_eq!(HEXLOWER.encode(prs.expose()), value("PRS"));
    let sealed_prs = master
        .seal(&prs_aad(&input("issuance_id")), prs.expose())
        .unwrap();
    let prs = Prs::from_bytes(
        &master
            .open(&prs_aad(&input("issuance_id")), &sealed_prs)
            .unwrap(),
    )
    .unwrap();
    let (pending, challenge) = activation::respond_with(
        &request,
        ChallengeIds {
            activation_id: &input("activation_id"),
            issuance_id: &input("issuance_id"),
        },
        &prs,
        params.to_otp_params(),
        inputs["server_time_ms"].as_u64().unwrap(),
        &key,
        &arr32(&input("server_scalar")),
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(challenge.to_json().unwrap()).unwrap(),
        value("challenge_json")
    );

    // What the server stores between the two requests survives sealing.
    let sealed = master
        .seal(
            &activation_aad(pending.activation_id()),
            &pending.to_bytes(),
        )
        .unwrap();
    let pending = PendingActivation::from_bytes(
        &master.open(&activation_aad("act-8f3a2c"), &sealed).unwrap(),
    )
    .unwrap();

    let confirm = ActivationConfirm::from_json(value("confirm_json").as_bytes()).unwrap();
    assert!(pending.confirm_matches(&confirm));
    let mut wrong = confirm.clone();
    wrong.client_mac[31] ^= 1;
    assert!(!pending.confirm_matches(&wrong));
    let (seed, result) = pending.complete(&input("token_id")).unwrap();
    assert_eq!(HEXLOWER.encode(seed.expose()), value("seed"));
    assert_eq!(
        HEXLOWER.encode(&result.ciphertext),
        value("result_ciphertext")
    );
    assert_eq!(
        String::from_utf8(result.to_json().unwrap()).unwrap(),
        value("result_json")
    );
}

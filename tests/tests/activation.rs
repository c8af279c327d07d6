//! The app core against the real server over real TLS: issue → activate →
//! codes accepted by the verify API; wrong passwords, lockout and unlock;
//! revocation seen by the app; a man in the middle who can terminate TLS but
//! lacks the signing key; interop with oathtool.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{SocketAddr, TcpListener};
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_server::Handle;
use ichie_core::activation::{
    ActivationChallenge, ActivationClient, ActivationClientError, ActivationError,
    ActivationRequest, ActivationTarget, Identifier, PinnedKey, RemoteTokenState,
    SIGNATURE_LABEL, SigningKey,
};
use ichie_core::app::{App, AppError, ClockPolicy};
use ichie_core::clock::SystemClock;
use ichie_core::https::{self, Client, HttpsConfig};
use ichie_core::token::{Origin, TokenState};
use ichie_core::vault::{VaultKey, VaultOptions};
use ichie_e2e::Server;
use ring::digest;
use ring::signature::Ed25519KeyPair;
use serde_json::{Value, json};

/// An app with a fresh vault.
struct Phone {
    _dir: tempfile::TempDir,
    app: App,
    client: ActivationClient,
}

impl Phone {
    fn new(server: &Server) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let app = App::create(
            &dir.path().join("tokens.vault"),
            VaultKey::from_bytes([5; 32]),
            None,
            VaultOptions::default(),
            Arc::new(SystemClock),
        )
        .unwrap();
        Self {
            _dir: dir,
            app,
            client: ActivationClient::new(server.http()),
        }
    }

    async fn activate(
        &mut self,
        target: &ActivationTarget,
        password: &str,
    ) -> Result<String, AppError> {
        self.app
            .activate(&self.client, target, password, None, ClockPolicy::Refuse)
            .await
            .map(|r| r.id)
    }

    /// The current code of the only token, waiting for a fresh step if the
    /// current one is about to end (so the server judges the same step).
    fn code(&self, index: usize) -> String {
        loop {
            let view = self.app.list().unwrap().remove(index);
            if view.ms_until_next.unwrap() > 2_000 {
                return view.code.clone().unwrap();
            }
            std::thread::sleep(std::time::Duration::from_millis(
                view.ms_until_next.unwrap() + 50,
            ));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn issued_activated_and_accepted_once() {
    let server = Server::start().await;
    let target = server.issue("taro", "4321").await;
    let mut phone = Phone::new(&server);
    phone.activate(&target, "4321").await.unwrap();
    let view = &phone.app.list().unwrap()[0];
    assert_eq!(view.name, "e2e-bank (taro)");
    assert_eq!(view.server.as_deref(), Some(server.url.as_str()));

    let code = phone.code(0);
    let first = server.verify("taro", &code).await;
    assert_eq!(first["result"], "accepted", "{first}");
    let again = server.verify("taro", &code).await;
    assert_eq!(
        (again["result"].as_str(), again["reason"].as_str()),
        (Some("rejected"), Some("replayed")),
        "{again}"
    );
    let wrong = server.verify("taro", "000000").await;
    assert_eq!(wrong["result"], "rejected", "{wrong}");

    // The same issuance cannot be activated twice: the server answers as it
    // does for any user without a pending issuance (a decoy challenge whose
    // confirm fails like a wrong password), so user IDs cannot be probed.
    let mut other = Phone::new(&server);
    let err = other.activate(&target, "4321").await.unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Activation(ActivationClientError::WrongPassword { attempts_left: 4 })
        ),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oathtool_code_is_accepted() {
    let server = Server::start().await;
    let target = server.issue("hanako", "98765432").await;
    let mut phone = Phone::new(&server);
    phone.activate(&target, "98765432").await.unwrap();
    // The test knows the seed (it is in the app's vault): an independent
    // implementation computes the code.
    let secret = phone.app.tokens()[0].spec.secret.to_base32();
    phone.code(0); // waits for a step with time to spare
    let out = match Command::new("oathtool")
        .args(["--totp", "-b", secret.as_str()])
        .output()
    {
        Ok(out) => out,
        Err(_) if std::env::var_os("ICHIE_REQUIRE_OATHTOOL").is_none() => {
            eprintln!("oathtool not installed: skipping");
            return;
        }
        Err(e) => panic!("oathtool is required: {e}"),
    };
    let code = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let verdict = server.verify("hanako", &code).await;
    assert_eq!(
        verdict["result"], "accepted",
        "oathtool's {code}: {verdict}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_passwords_count_down_lock_and_unlock() {
    let server = Server::start().await;
    let target = server.issue("jiro", "2468").await;
    let mut phone = Phone::new(&server);
    for left in [4, 3, 2, 1] {
        match phone.activate(&target, "1111").await {
            Err(AppError::Activation(ActivationClientError::WrongPassword { attempts_left })) => {
                assert_eq!(attempts_left, left)
            }
            other => panic!("expected a wrong password with {left} left, got {other:?}"),
        }
    }
    let fifth = phone.activate(&target, "1111").await.unwrap_err();
    assert!(
        matches!(
            fifth,
            AppError::Activation(
                ActivationClientError::Locked
                    | ActivationClientError::WrongPassword { attempts_left: 0 }
            )
        ),
        "{fifth}"
    );
    // Locked: even the right password is refused now.
    let locked = phone.activate(&target, "2468").await.unwrap_err();
    assert!(
        matches!(
            locked,
            AppError::Activation(
                ActivationClientError::Locked | ActivationClientError::UnknownOrExpired
            )
        ),
        "{locked}"
    );
    // The operator unlocks; the right password works.
    let list = server
        .admin()
        .call("GET", "/v1/admin/issuances", None)
        .await
        .unwrap();
    let id = list
        .as_array()
        .or_else(|| list["issuances"].as_array())
        .unwrap()[0]["id"]
        .as_str()
        .or_else(|| list.as_array().and_then(|a| a[0]["issuance_id"].as_str()))
        .unwrap()
        .to_owned();
    server
        .admin()
        .call("POST", &format!("/v1/admin/issuances/{id}/unlock"), None)
        .await
        .unwrap();
    phone.activate(&target, "2468").await.unwrap();
    assert!(phone.app.tokens().len() == 1);
    // Malformed passwords never reach the server.
    let err = Phone::new(&server)
        .activate(&target, "12a4")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Protocol(ActivationError::WrongPasswordFormat)
        ),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn revocation_reaches_the_app() {
    let server = Server::start().await;
    let target = server.issue("saburo", "13579").await;
    let mut phone = Phone::new(&server);
    phone.activate(&target, "13579").await.unwrap();
    let outcomes = phone.app.refresh_status(&phone.client).await.unwrap();
    assert_eq!(outcomes[0].state, Some(RemoteTokenState::Active));
    server
        .admin()
        .call("POST", "/v1/admin/users/saburo/revoke", None)
        .await
        .unwrap();
    let outcomes = phone.app.refresh_status(&phone.client).await.unwrap();
    assert_eq!(
        outcomes[0].state,
        Some(RemoteTokenState::Revoked),
        "{outcomes:?}"
    );
    assert_eq!(phone.app.tokens()[0].state, TokenState::Revoked);
    let code = phone.code(0);
    let verdict = server.verify("saburo", &code).await;
    assert_eq!(verdict["result"], "rejected", "{verdict}");
    // A new issuance for the user waits for the cooldown.
    let err = server
        .admin()
        .issue("saburo", "13579")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("409") && err.contains("cooldown"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_pinned_key_is_refused_before_the_password_is_sent() {
    let server = Server::start().await;
    let mut target = server.issue("shiro", "5555").await;
    target.pinned[0].public_key[0] ^= 1;
    let mut phone = Phone::new(&server);
    let err = phone.activate(&target, "5555").await.unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Activation(ActivationClientError::Protocol(
                ActivationError::BadSignature
            ))
        ),
        "{err}"
    );
    target.pinned = vec![PinnedKey {
        key_id: "not-the-servers".into(),
        public_key: [1; 32],
    }];
    let err = phone.activate(&target, "5555").await.unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Activation(ActivationClientError::Protocol(
                ActivationError::UnknownKeyId(_)
            ))
        ),
        "{err}"
    );
}

/// What the man in the middle does besides forwarding and recording.
#[derive(Clone)]
enum Tamper {
    Nothing,
    /// Puts its own CPace share in the challenge (it lacks the signing key).
    SwapServerShare,
    /// A rogue server whose own signing key the phone pins: re-signs the
    /// real challenge under that key, naming it with this key ID.
    Resign(Arc<Ed25519KeyPair>, Identifier),
    /// Forwards the first confirm (the server acts on it), then loses the answer.
    LoseFirstConfirmAnswer(Loss),
}

/// How an answer is lost on its way back to the phone.
#[derive(Clone, Copy, Debug)]
enum Loss {
    /// 200, then the connection drops before the body.
    CutBody,
    /// A gateway's 502 with an HTML body.
    BadGateway,
}

/// One request the man in the middle relayed and the server's answer.
#[derive(Clone, Debug)]
struct Exchange {
    path: String,
    request: Bytes,
    status: u16,
    answer: Bytes,
}

/// A TLS-terminating man in the middle (the app trusts its CA too, as if a
/// CA were compromised, or because the user was phished): forwards
/// everything to the server, tampers as told, and records every exchange.
#[derive(Clone)]
struct Mitm {
    upstream: String,
    http: Client,
    tamper: Tamper,
    seen: Arc<Mutex<Vec<Exchange>>>,
}

impl Mitm {
    fn confirms(&self) -> Vec<Exchange> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.path.ends_with("/confirm"))
            .cloned()
            .collect()
    }
}

async fn mitm_forward(State(mitm): State<Mitm>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let body = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap();
    let answer = mitm
        .http
        .post(format!("{}{path}", mitm.upstream))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let answer = answer.bytes().await.unwrap();
    let earlier_confirms = {
        let mut seen = mitm.seen.lock().unwrap();
        let n = seen.iter().filter(|e| e.path.ends_with("/confirm")).count();
        seen.push(Exchange {
            path: path.clone(),
            request: body.clone(),
            status,
            answer: answer.clone(),
        });
        n
    };
    let is_challenge = path == "/v1/activations" && status == 201;
    let mut bytes = answer.to_vec();
    match &mitm.tamper {
        Tamper::SwapServerShare if is_challenge => {
            let mut challenge: Value = serde_json::from_slice(&bytes).unwrap();
            // The attacker's own CPace share (any valid encoding shows the swap).
            challenge["server_share"] = json!("4gbnYpDY4g4bYfXxqj9NQL5kRo2fA9tzzGHPZqO-XSs");
            bytes = serde_json::to_vec(&challenge).unwrap();
        }
        Tamper::Resign(key, key_id) if is_challenge => {
            let request = ActivationRequest::from_json(&body).unwrap();
            let mut challenge = ActivationChallenge::from_json(&bytes).unwrap();
            challenge.key_id = key_id.clone();
            let th = transcript_hash(&request, &challenge);
            let signature = key.sign(&[SIGNATURE_LABEL, &th].concat());
            challenge.signature.copy_from_slice(signature.as_ref());
            bytes = challenge.to_json().unwrap();
        }
        Tamper::LoseFirstConfirmAnswer(loss)
            if path.ends_with("/confirm") && earlier_confirms == 0 =>
        {
            return lost_answer(*loss);
        }
        _ => {}
    }
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        bytes,
    )
        .into_response()
}

fn lost_answer(loss: Loss) -> Response {
    match loss {
        Loss::CutBody => {
            let cut = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("cut"))
            });
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                axum::body::Body::from_stream(cut),
            )
                .into_response()
        }
        Loss::BadGateway => (
            StatusCode::BAD_GATEWAY,
            [("content-type", "text/html")],
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response(),
    }
}

/// `TH` as `core/src/activation/transcript.rs` makes it (not public): a
/// label, then 13 fields, each behind its u32 big-endian length; SHA-256.
fn transcript_hash(request: &ActivationRequest, challenge: &ActivationChallenge) -> Vec<u8> {
    let params = challenge.params;
    let fields: [&[u8]; 13] = [
        &request.version.to_be_bytes(),
        request.service_id.as_str().as_bytes(),
        request.user_id.as_str().as_bytes(),
        &request.client_nonce,
        &request.client_share,
        challenge.activation_id.as_str().as_bytes(),
        challenge.issuance_id.as_str().as_bytes(),
        &challenge.server_share,
        &challenge.server_time_ms.to_be_bytes(),
        params.algorithm.name().as_bytes(),
        &[params.digits.get()],
        &params.period.as_secs().to_be_bytes(),
        challenge.key_id.as_str().as_bytes(),
    ];
    let mut bytes = b"ichie-activation-v2 transcript".to_vec();
    for field in fields {
        bytes.extend_from_slice(&u32::try_from(field.len()).unwrap().to_be_bytes());
        bytes.extend_from_slice(field);
    }
    digest::digest(&digest::SHA256, &bytes).as_ref().to_vec()
}

/// Serves `router` on 127.0.0.1 over TLS with a certificate from a fresh CA;
/// returns its URL, its CA PEM and the shutdown handle.
fn start_tls(router: axum::Router) -> (String, Vec<u8>, Handle<SocketAddr>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let ca_pem = ca.pem();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![leaf.der().clone()],
        rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap(),
    )
    .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let handle = Handle::new();
    tokio::spawn(ichie_server::serve::serve_on(
        listener,
        Arc::new(config),
        router,
        handle.clone(),
    ));
    (url, ca_pem.into_bytes(), handle)
}

fn start_mitm(mitm: Mitm) -> (String, Vec<u8>, Handle<SocketAddr>) {
    start_tls(axum::Router::new().fallback(mitm_forward).with_state(mitm))
}

fn mitm_for(server: &Server, tamper: Tamper) -> Mitm {
    Mitm {
        upstream: server.url.clone(),
        http: server.http(),
        tamper,
        seen: Arc::new(Mutex::new(Vec::new())),
    }
}

/// A phone that trusts both the server's CA and the attacker's.
fn phone_trusting(server: &Server, mitm_ca: Vec<u8>) -> Phone {
    let mut phone = Phone::new(server);
    let http = https::client(&HttpsConfig {
        extra_roots_pem: vec![server.ca_pem.clone(), mitm_ca],
        ..HttpsConfig::default()
    })
    .unwrap();
    phone.client = ActivationClient::new(http);
    phone
}

#[tokio::test(flavor = "multi_thread")]
async fn a_man_in_the_middle_without_the_signing_key_never_sees_the_password() {
    let server = Server::start().await;
    let mut target = server.issue("goro", "8642").await;
    let mitm = mitm_for(&server, Tamper::SwapServerShare);
    let (mitm_url, mitm_ca, handle) = start_mitm(mitm.clone());
    target.base_url = mitm_url;
    let mut phone = phone_trusting(&server, mitm_ca);
    let err = phone.activate(&target, "8642").await.unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Activation(ActivationClientError::Protocol(
                ActivationError::BadSignature
            ))
        ),
        "{err}"
    );
    assert_eq!(
        mitm.confirms().len(),
        0,
        "the app sent a password-dependent message"
    );
    assert!(phone.app.tokens().is_empty());
    handle.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_confirm_creates_nothing() {
    let server = Server::start().await;
    let mut target = server.issue("rokuro", "97531").await;
    let mitm = mitm_for(&server, Tamper::Nothing);
    let (mitm_url, mitm_ca, handle) = start_mitm(mitm.clone());
    target.base_url = mitm_url;
    let mut phone = phone_trusting(&server, mitm_ca);
    phone.activate(&target, "97531").await.unwrap();
    let Exchange {
        path,
        request: body,
        ..
    } = mitm.confirms().pop().unwrap();

    let replay = |path: String, body: Bytes| {
        let http = server.http();
        let url = format!("{}{path}", server.url);
        async move {
            let answer = http
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            (answer.status().as_u16(), answer.text().await.unwrap())
        }
    };
    // Replayed onto its own (consumed) activation: no second token is made;
    // at most the identical encrypted answer comes back, which the attacker
    // already saw and cannot read.
    let (status, _) = replay(path.clone(), body.clone()).await;
    assert!(status == 200 || status == 404, "{status}");
    let list = server
        .admin()
        .call("GET", "/v1/admin/issuances", None)
        .await
        .unwrap();
    let mine: Vec<&Value> = list["issuances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["user_id"] == "rokuro")
        .collect();
    let Origin::Activated(binding) = &phone.app.tokens()[0].origin else {
        panic!("not activated")
    };
    assert_eq!(mine.len(), 1, "{list}");
    assert_eq!(mine[0]["token_id"], binding.token_id.as_str(), "{list}");
    // Replayed onto a fresh activation of another issuance: refused.
    let other = server.issue("shichiro", "97531").await;
    let begun = ActivationClient::new(server.http())
        .begin(
            &other,
            &ichie_core::activation::ActivationPassword::new("97531").unwrap(),
            &SystemClock,
        )
        .await
        .unwrap();
    let fresh_path = format!(
        "/v1/activations/{}/confirm",
        begun.verified().activation_id()
    );
    let (status, body_text) = replay(fresh_path, body).await;
    assert!((400..500).contains(&status), "{status} {body_text}");
    handle.shutdown();
}

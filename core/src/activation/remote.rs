//! The app's side of activation over HTTPS, and the token status check.
//!
//! Activation runs in two calls so the app can judge the clock between them:
//! [`ActivationClient::begin`] sends the CPace share and verifies the signed
//! challenge (nothing a server could test a password guess against has left
//! the device yet); [`ActivationClient::complete`] sends the key confirmation
//! and derives the seed, resending the same bytes when an answer is lost. A
//! wrong password consumes the server's pending activation: start again with
//! `begin`.

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{StatusCode, Url};
use serde::Deserialize;

use super::{
    ActivatedToken, ActivationChallenge, ActivationError, ActivationErrorBody, ActivationPassword,
    ActivationResult, ActivationTarget, ClientActivation, ErrorCode, VerifiedActivation,
};
use crate::clock::{self, ClockEstimate, Sample, WallClock};
use crate::https::TransportError;
use crate::https::transport::{self, snippet};

/// The most bytes read from any answer of the activation API.
const MAX_BODY: usize = 16 * 1024;

/// How often a confirm whose answer was lost is sent again.
pub const CONFIRM_RESENDS: u32 = 3;

/// The wait before the first resend; the n-th waits n times as long.
const RESEND_DELAY: std::time::Duration = std::time::Duration::from_millis(250);

/// Whether the server may have acted on a request whose answer did not
/// arrive whole, so that resending the same bytes is the way to learn the
/// outcome. A TLS failure or a definite answer is not resent.
fn answer_may_be_lost(error: &TransportError) -> bool {
    match error {
        TransportError::Network(_) | TransportError::Timeout | TransportError::BadResponse(_) => {
            true
        }
        TransportError::Http { status } => *status >= 500,
        TransportError::Tls(_) => false,
    }
}

/// Why an activation or a status check failed, as the app must react to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ActivationClientError {
    /// The activation password is wrong; this many tries remain.
    #[error("wrong activation password ({attempts_left} attempts left)")]
    WrongPassword {
        /// Tries left before the issuance locks.
        attempts_left: u32,
    },
    /// Too many wrong passwords (or codes): an administrator must unlock it.
    #[error("locked after too many wrong attempts; ask the service to unlock it")]
    Locked,
    /// No pending issuance for this service and user: unknown, expired or already used.
    #[error("no pending activation for this service and user (unknown, expired or already used)")]
    UnknownOrExpired,
    /// The token was revoked by the service.
    #[error("the token was revoked by the service")]
    Revoked,
    /// The server asks the app to slow down.
    #[error("too many requests; try again later")]
    RateLimited,
    /// The server refused for another reason.
    #[error("the server refused: {message} ({code})")]
    Rejected {
        /// The server's stable error code.
        code: String,
        /// The server's message.
        message: String,
    },
    /// The protocol failed: a forged or altered answer (signature or key mismatch), a bad message.
    #[error(transparent)]
    Protocol(#[from] ActivationError),
    /// The server could not be reached or answered nonsense.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// What the server says about an activated token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RemoteTokenState {
    /// In use.
    Active,
    /// Revoked by the service.
    Revoked,
    /// Locked after too many wrong codes.
    Locked,
}

/// An activation whose challenge verified: the password has not been sent.
#[derive(Debug)]
pub struct BegunActivation {
    verified: VerifiedActivation,
    confirm_url: Url,
    clock: ClockEstimate,
}

impl BegunActivation {
    /// The device clock measured against the server's signed time.
    pub fn clock(&self) -> ClockEstimate {
        self.clock
    }

    /// The verified challenge (parameters, server time, key ID).
    pub fn verified(&self) -> &VerifiedActivation {
        &self.verified
    }
}

/// Talks to an Ichie server's app API.
#[derive(Debug, Clone)]
pub struct ActivationClient {
    http: reqwest::Client,
}

impl ActivationClient {
    /// A client over an HTTPS client built by [`crate::https::client`].
    pub fn new(http: reqwest::Client) -> Self {
        Self { http }
    }

    /// Steps 1–3: sends the request and verifies the challenge against the
    /// pinned keys; measures the clock against the signed server time.
    pub async fn begin(
        &self,
        target: &ActivationTarget,
        password: &ActivationPassword,
        clock: &dyn WallClock,
    ) -> Result<BegunActivation, ActivationClientError> {
        let (state, request) = ClientActivation::start(
            target.service_id.as_str(),
            target.user_id.as_str(),
            password,
        )?;
        let url = endpoint(&target.base_url, "v1/activations")?;
        let sent_ms = clock.now_ms();
        let body = self.post(url, request.to_json()?).await?;
        let received_ms = clock.now_ms();
        let challenge = ActivationChallenge::from_json(&body)?;
        let verified = state.accept_challenge(&challenge, &target.pinned)?;
        let estimate = clock::estimate(&[Sample {
            sent_ms,
            server_ms: verified.server_time_ms(),
            received_ms,
            server_resolution_ms: 1,
        }])
        .map_err(|e| ActivationError::BadMessage(e.to_string()))?;
        let confirm_url = endpoint(
            &target.base_url,
            &format!(
                "v1/activations/{}/confirm",
                path_segment(verified.activation_id())
            ),
        )?;
        Ok(BegunActivation {
            verified,
            confirm_url,
            clock: estimate,
        })
    }

    /// Steps 4–5: sends the key confirmation, checks the server's
    /// confirmation and derives the seed.
    ///
    /// When the answer is lost (timeout, dropped connection, a proxy's 5xx,
    /// a cut body) the same bytes are sent again, up to [`CONFIRM_RESENDS`]
    /// times: the server answers an identical resend with the result it
    /// kept, so the token it created reaches the app and no second one is
    /// made.
    pub async fn complete(
        &self,
        begun: BegunActivation,
    ) -> Result<ActivatedToken, ActivationClientError> {
        let (awaiting, confirm) = begun.verified.confirm();
        let body = confirm.to_json()?;
        let mut resends = 0;
        let answer = loop {
            match self.post(begun.confirm_url.clone(), body.clone()).await {
                Err(ActivationClientError::Transport(error))
                    if resends < CONFIRM_RESENDS && answer_may_be_lost(&error) =>
                {
                    resends += 1;
                    tokio::time::sleep(RESEND_DELAY * resends).await;
                }
                other => break other?,
            }
        };
        let result = ActivationResult::from_json(&answer)?;
        Ok(awaiting.finish(&result)?)
    }

    /// Asks the server whether a token is active, revoked or locked.
    pub async fn token_status(
        &self,
        base_url: &str,
        token_id: &str,
    ) -> Result<RemoteTokenState, ActivationClientError> {
        #[derive(Deserialize)]
        struct StatusBody {
            state: RemoteTokenState,
        }
        let url = endpoint(
            base_url,
            &format!("v1/tokens/{}/status", path_segment(token_id)),
        )?;
        let response = self
            .http
            .get(url)
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(transport::classify)?;
        let body = answer(response).await?;
        let status: StatusBody = serde_json::from_slice(&body).map_err(|_| {
            TransportError::BadResponse(format!("expected a token state, got {}", snippet(&body)))
        })?;
        Ok(status.state)
    }

    async fn post(&self, url: Url, body: Vec<u8>) -> Result<Vec<u8>, ActivationClientError> {
        let response = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(transport::classify)?;
        answer(response).await
    }
}

/// The body of a successful answer, or the error the server's JSON names.
async fn answer(response: reqwest::Response) -> Result<Vec<u8>, ActivationClientError> {
    let status = response.status();
    let body = transport::read_body(response, MAX_BODY).await?;
    if status.is_success() {
        return Ok(body);
    }
    let Ok(error) = serde_json::from_slice::<ActivationErrorBody>(&body) else {
        return Err(TransportError::Http {
            status: status.as_u16(),
        }
        .into());
    };
    Err(match error.error_code() {
        Some(ErrorCode::WrongPassword) => ActivationClientError::WrongPassword {
            attempts_left: error.attempts_left.unwrap_or(0),
        },
        Some(ErrorCode::Locked) => ActivationClientError::Locked,
        Some(ErrorCode::UnknownOrExpired) => ActivationClientError::UnknownOrExpired,
        Some(ErrorCode::Revoked) => ActivationClientError::Revoked,
        Some(ErrorCode::RateLimited) => ActivationClientError::RateLimited,
        _ if status == StatusCode::NOT_FOUND => ActivationClientError::UnknownOrExpired,
        _ => ActivationClientError::Rejected {
            code: error.code,
            message: transport::truncate(&error.message, 200),
        },
    })
}

/// `base_url` joined with `path`, whatever the base's trailing slash.
fn endpoint(base_url: &str, path: &str) -> Result<Url, ActivationClientError> {
    let text = format!("{}/{path}", base_url.trim_end_matches('/'));
    let url = Url::parse(&text)
        .map_err(|_| ActivationError::BadMessage(format!("bad server URL {base_url:?}")))?;
    if url.scheme() != "https" {
        return Err(ActivationError::BadMessage("the server URL must be https://".into()).into());
    }
    Ok(url)
}

/// An identifier made safe to stand as one URL path segment.
fn path_segment(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string()
}

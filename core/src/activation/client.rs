//! The app's side: start (CPace share), verify the signed challenge, confirm
//! the key, finish.
//!
//! Each step consumes the previous state. The only password-dependent value
//! sent before the server's signature is checked is the CPace share, which
//! hides the password perfectly; the key confirmation, the only value a
//! wrong server could test one guess against, is made after the check.

use std::fmt;

use ring::rand::{SecureRandom, SystemRandom};
use ring::signature;
use zeroize::Zeroizing;

use super::cpace::{self, Cpace};
use super::keys::{self, SessionKeys};
use super::messages::{
    ActivationChallenge, ActivationConfirm, ActivationRequest, ActivationResult, Identifier,
    TotpParams,
};
use super::password::{ActivationPassword, Prs};
use super::transcript::{channel_identifier, signed_message, transcript_hash};
use super::{ActivationError, VERSION};
use crate::otp::Secret;
use crate::token::{OtpParams, TokenSpec};

/// A server signing key the app trusts for a service: from the service
/// directory shipped with the app, or from the activation link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedKey {
    /// The key ID the server names in [`ActivationChallenge::key_id`].
    pub key_id: String,
    /// The Ed25519 public key.
    pub public_key: [u8; 32],
}

impl PinnedKey {
    /// A short fingerprint of the public key for people to compare: the
    /// first 16 bytes of its SHA-256, in 8 groups of 4 hex digits.
    pub fn fingerprint(&self) -> String {
        let hash = ring::digest::digest(&ring::digest::SHA256, &self.public_key);
        hash.as_ref()[..16]
            .chunks(2)
            .map(|pair| data_encoding::HEXLOWER.encode(pair))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Step 1 done: the app's CPace share sent, waiting for the server's challenge.
pub struct ClientActivation {
    cpace: Cpace,
    request: ActivationRequest,
}

impl ClientActivation {
    /// Derives the PRS from the password, makes a nonce and a CPace share
    /// (system randomness) and the request to send as `POST /v1/activations`.
    /// The share reveals nothing about the password.
    pub fn start(
        service_id: &str,
        user_id: &str,
        password: &ActivationPassword,
    ) -> Result<(Self, ActivationRequest), ActivationError> {
        let rng = SystemRandom::new();
        let mut nonce = [0u8; 32];
        rng.fill(&mut nonce)?;
        let mut scalar = Zeroizing::new([0u8; 32]);
        rng.fill(scalar.as_mut())?;
        start_with(service_id, user_id, password, &scalar, nonce)
    }

    /// The request this activation sent.
    pub fn request(&self) -> &ActivationRequest {
        &self.request
    }

    /// Checks the server's answer: the key ID must be pinned and the signature
    /// must verify over the transcript (both shares included) *before* the
    /// CPace key is computed. Then derives the session keys.
    pub fn accept_challenge(
        self,
        challenge: &ActivationChallenge,
        pinned: &[PinnedKey],
    ) -> Result<VerifiedActivation, ActivationError> {
        let key = pinned
            .iter()
            .find(|k| k.key_id == challenge.key_id.as_str())
            .ok_or_else(|| ActivationError::UnknownKeyId(challenge.key_id.to_string()))?;
        let th = transcript_hash(&self.request, challenge, &key.public_key);
        signature::UnparsedPublicKey::new(&signature::ED25519, &key.public_key)
            .verify(&signed_message(&th), &challenge.signature)
            .map_err(|_| ActivationError::BadSignature)?;
        let isk = self
            .cpace
            .finish_initiator(&self.request.client_nonce, &challenge.server_share)?;
        Ok(VerifiedActivation {
            keys: SessionKeys::derive(th, &isk)?,
            activation_id: challenge.activation_id.clone(),
            key_id: challenge.key_id.clone(),
            server_time_ms: challenge.server_time_ms,
            params: challenge.params,
        })
    }
}

/// [`ClientActivation::start`] with given CPace scalar bytes (little-endian,
/// bits above 252 cleared) and nonce: for the worked example and tests only.
#[doc(hidden)]
pub fn start_with(
    service_id: &str,
    user_id: &str,
    password: &ActivationPassword,
    scalar: &[u8; 32],
    client_nonce: [u8; 32],
) -> Result<(ClientActivation, ActivationRequest), ActivationError> {
    let service_id = Identifier::new(service_id)?;
    let user_id = Identifier::new(user_id)?;
    let prs = Prs::derive(service_id.as_str(), user_id.as_str(), password);
    let ci = channel_identifier(&service_id, &user_id);
    let scalar = cpace::scalar_from_bytes(scalar);
    if *scalar == curve25519_dalek::Scalar::ZERO {
        return Err(ActivationError::Crypto);
    }
    let cpace = Cpace::with_scalar(prs.expose(), &ci, &client_nonce, scalar);
    let request = ActivationRequest {
        version: VERSION,
        service_id,
        user_id,
        client_nonce,
        client_share: cpace.share(),
    };
    Ok((
        ClientActivation {
            cpace,
            request: request.clone(),
        },
        request,
    ))
}

impl fmt::Debug for ClientActivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientActivation")
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

/// Step 2 checked: the server is authentic; the session keys exist.
pub struct VerifiedActivation {
    keys: SessionKeys,
    activation_id: Identifier,
    key_id: Identifier,
    server_time_ms: u64,
    params: TotpParams,
}

impl VerifiedActivation {
    /// The server's clock (Unix ms) as it signed it: check the device clock against it.
    pub fn server_time_ms(&self) -> u64 {
        self.server_time_ms
    }

    /// The parameters of the token being activated.
    pub fn params(&self) -> OtpParams {
        self.params.to_otp_params()
    }

    /// The activation ID, for the URL of the confirm request.
    pub fn activation_id(&self) -> &str {
        self.activation_id.as_str()
    }

    /// The ID of the signing key that signed the challenge.
    pub fn key_id(&self) -> &str {
        self.key_id.as_str()
    }

    /// The key confirmation for `POST /v1/activations/{id}/confirm`: proves
    /// the app derived the same CPace key, so knows the password. Consumes
    /// the state. After a `wrong_password` answer the app starts a new
    /// activation (one password attempt per activation).
    pub fn confirm(self) -> (AwaitingResult, ActivationConfirm) {
        let confirm = ActivationConfirm {
            client_mac: self.keys.client_mac(),
        };
        (
            AwaitingResult {
                keys: self.keys,
                activation_id: self.activation_id,
                params: self.params,
                confirm: confirm.clone(),
            },
            confirm,
        )
    }
}

impl fmt::Debug for VerifiedActivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedActivation")
            .field("activation_id", &self.activation_id)
            .field("key_id", &self.key_id)
            .field("server_time_ms", &self.server_time_ms)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// Step 3 sent: waiting for the server's encrypted result.
pub struct AwaitingResult {
    keys: SessionKeys,
    activation_id: Identifier,
    params: TotpParams,
    confirm: ActivationConfirm,
}

impl AwaitingResult {
    /// The activation ID, for the URL of the confirm request.
    pub fn activation_id(&self) -> &str {
        self.activation_id.as_str()
    }

    /// The confirm message again (the same bytes), to resend after a network
    /// failure: the server answers an identical resend with the kept result.
    pub fn confirm_message(&self) -> &ActivationConfirm {
        &self.confirm
    }

    /// Decrypts the result, derives the seed from `k_seed` and the token ID,
    /// and checks the server's confirmation MAC in constant time.
    pub fn finish(self, result: &ActivationResult) -> Result<ActivatedToken, ActivationError> {
        let plaintext = keys::open(&self.keys.k_s2c, &self.keys.th, &result.ciphertext)?;
        let (token_id, mac) = keys::decode_result(&plaintext)?;
        let seed = self.keys.seed(&token_id, self.params.algorithm)?;
        if !keys::confirmation_matches(&seed, &self.keys.th, &mac) {
            return Err(ActivationError::ConfirmationMismatch);
        }
        Ok(ActivatedToken {
            token_id: token_id.into(),
            secret: Secret::new(seed.to_vec()).map_err(|_| ActivationError::Crypto)?,
            params: self.params.to_otp_params(),
        })
    }
}

impl fmt::Debug for AwaitingResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwaitingResult")
            .field("activation_id", &self.activation_id)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// An activated token: what the app stores. `Debug` does not show the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivatedToken {
    /// The server's identifier of the token (for status checks).
    pub token_id: String,
    /// The derived seed.
    pub secret: Secret,
    /// TOTP parameters.
    pub params: OtpParams,
}

impl ActivatedToken {
    /// The token as a [`TokenSpec`] labelled `issuer` / `account`.
    pub fn into_spec(self, issuer: Option<String>, account: String) -> TokenSpec {
        TokenSpec {
            issuer,
            account,
            secret: self.secret,
            params: self.params,
        }
    }
}

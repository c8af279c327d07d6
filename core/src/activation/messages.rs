//! The wire messages: JSON bodies whose binary fields are unpadded base64url.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::ActivationError;
use crate::otp::{Algorithm, Digits, Step};
use crate::token::{OtpKind, OtpParams};

/// An identifier on the wire (service ID, user ID, activation ID, key ID,
/// token ID): 1 to 128 bytes of UTF-8 without control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Identifier(String);

impl Identifier {
    /// The longest identifier accepted, in UTF-8 bytes.
    pub const MAX_LEN: usize = 128;

    /// Checks `text`: non-empty, at most [`Self::MAX_LEN`] bytes, no control
    /// characters (which would make logs and displays ambiguous).
    pub fn new(text: &str) -> Result<Self, ActivationError> {
        if text.is_empty() {
            return Err(ActivationError::BadMessage("an identifier is empty".into()));
        }
        if text.len() > Self::MAX_LEN {
            return Err(ActivationError::BadMessage(format!(
                "an identifier is {} bytes long; at most {} are allowed",
                text.len(),
                Self::MAX_LEN
            )));
        }
        if text.chars().any(char::is_control) {
            return Err(ActivationError::BadMessage(
                "an identifier contains a control character".into(),
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Identifier {
    type Error = ActivationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<Identifier> for String {
    fn from(value: Identifier) -> Self {
        value.0
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The token parameters an activation issues: always TOTP with T0 = 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpParams {
    /// HMAC hash function: `"SHA1"`, `"SHA256"` or `"SHA512"`.
    pub algorithm: Algorithm,
    /// Code length: 6, 7 or 8.
    pub digits: Digits,
    /// Time step in seconds: 1 to 3600 (30 or 60 in practice).
    pub period: Step,
}

impl TotpParams {
    /// The parameters as the token record holds them.
    pub fn to_otp_params(self) -> OtpParams {
        OtpParams {
            algorithm: self.algorithm,
            digits: self.digits,
            kind: OtpKind::Totp {
                step: self.period,
                t0: 0,
            },
        }
    }
}

impl TryFrom<OtpParams> for TotpParams {
    type Error = ActivationError;

    /// Refuses HOTP and a non-zero T0, which the protocol does not carry.
    fn try_from(params: OtpParams) -> Result<Self, Self::Error> {
        match params.kind {
            OtpKind::Totp { step, t0: 0 } => Ok(Self {
                algorithm: params.algorithm,
                digits: params.digits,
                period: step,
            }),
            OtpKind::Totp { .. } => Err(ActivationError::UnsupportedParams(
                "activation issues TOTP tokens with T0 = 0 only".into(),
            )),
            OtpKind::Hotp { .. } => Err(ActivationError::UnsupportedParams(
                "activation issues TOTP tokens, not HOTP".into(),
            )),
        }
    }
}

/// Step 1, `POST /v1/activations`: the app's nonce and CPace share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationRequest {
    /// Protocol version; 2.
    pub version: u32,
    /// The service the token is for, as the issuance e-mail gives it.
    pub service_id: Identifier,
    /// The user at that service, as the issuance e-mail gives it.
    pub user_id: Identifier,
    /// `N_C`: 32 random bytes, CPace's session ID `sid`.
    #[serde(with = "b64_array")]
    pub client_nonce: [u8; 32],
    /// `Ya`: the app's CPace share (ristretto255), made from the password; it
    /// reveals nothing about the password without the server's scalar.
    #[serde(with = "b64_array")]
    pub client_share: [u8; 32],
}

/// Step 2, the answer to `POST /v1/activations`: the server's signed half.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationChallenge {
    /// The ID under which the server keeps this activation (used in the URL of step 3).
    pub activation_id: Identifier,
    /// The issuance being activated (an opaque ID; signed).
    pub issuance_id: Identifier,
    /// `Yb`: the server's CPace share.
    #[serde(with = "b64_array")]
    pub server_share: [u8; 32],
    /// The server's clock, Unix milliseconds (signed: the app checks its clock against it).
    pub server_time_ms: u64,
    /// The parameters of the token being activated.
    pub params: TotpParams,
    /// Which of the server's signing keys signed.
    pub key_id: Identifier,
    /// Ed25519 over `"ichie-activation-v2" || TH`.
    #[serde(with = "b64_array")]
    pub signature: [u8; 64],
}

/// Step 3, `POST /v1/activations/{activation_id}/confirm`: the app's key
/// confirmation, which proves it knows the password without revealing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationConfirm {
    /// `HMAC-SHA256(k_client, "client confirm" || TH)`.
    #[serde(with = "b64_array")]
    pub client_mac: [u8; 32],
}

/// Step 4, the answer to the confirm request: token ID and confirmation, encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationResult {
    /// AES-256-GCM under `k_s2c`, zero nonce, AAD `TH`, of
    /// `u32be(len(token_id)) || token_id || HMAC-SHA256(seed, "confirm" || TH)`.
    #[serde(with = "b64_vec")]
    pub ciphertext: Vec<u8>,
}

macro_rules! json_message {
    ($($ty:ty),*) => {$(
        impl $ty {
            /// Parses the message from a JSON body; every field is checked.
            pub fn from_json(body: &[u8]) -> Result<Self, ActivationError> {
                from_json(body)
            }

            /// The message as a JSON body.
            pub fn to_json(&self) -> Result<Vec<u8>, ActivationError> {
                serde_json::to_vec(self).map_err(|e| ActivationError::BadMessage(e.to_string()))
            }
        }
    )*};
}

json_message!(
    ActivationRequest,
    ActivationChallenge,
    ActivationConfirm,
    ActivationResult
);

fn from_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ActivationError> {
    serde_json::from_slice(body).map_err(|e| ActivationError::BadMessage(e.to_string()))
}

/// The longest ciphertext any message carries (bytes), bounding decoding work.
const MAX_CIPHERTEXT_LEN: usize = 256;

mod b64_array {
    //! Fixed-length byte arrays as unpadded base64url.
    use data_encoding::BASE64URL_NOPAD;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer, const N: usize>(
        bytes: &[u8; N],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&BASE64URL_NOPAD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        deserializer: D,
    ) -> Result<[u8; N], D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.len() != BASE64URL_NOPAD.encode_len(N) {
            return Err(D::Error::custom(format!(
                "expected {N} bytes as unpadded base64url"
            )));
        }
        let bytes = BASE64URL_NOPAD
            .decode(text.as_bytes())
            .map_err(|_| D::Error::custom("invalid unpadded base64url"))?;
        bytes
            .try_into()
            .map_err(|_| D::Error::custom(format!("expected {N} bytes")))
    }
}

mod b64_vec {
    //! Variable-length byte strings (bounded) as unpadded base64url.
    use data_encoding::BASE64URL_NOPAD;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use super::MAX_CIPHERTEXT_LEN;

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&BASE64URL_NOPAD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.len() > BASE64URL_NOPAD.encode_len(MAX_CIPHERTEXT_LEN) {
            return Err(D::Error::custom(format!(
                "a ciphertext is longer than {MAX_CIPHERTEXT_LEN} bytes"
            )));
        }
        BASE64URL_NOPAD
            .decode(text.as_bytes())
            .map_err(|_| D::Error::custom("invalid unpadded base64url"))
    }
}

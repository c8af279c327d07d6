//! The token record: what a token is called, how its codes are made, where it
//! came from and whether it still counts.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use crate::otp::{Algorithm, Digits, Hotp, OtpError, Secret, Step, Totp};

/// A token's identity inside one vault: 16 random bytes as 32 hex characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenId(String);

impl TokenId {
    /// A fresh random identifier.
    pub fn random() -> Result<Self, ring::error::Unspecified> {
        let mut bytes = [0u8; 16];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)?;
        Ok(Self(data_encoding::HEXLOWER.encode(&bytes)))
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for TokenId {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How the moving factor of a token advances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum OtpKind {
    /// Time-based (RFC 6238).
    Totp {
        /// Step length.
        step: Step,
        /// Unix time (seconds) at which step 0 begins; 0 for every real service.
        #[serde(default)]
        t0: u64,
    },
    /// Counter-based (RFC 4226).
    Hotp {
        /// The counter of the next code to show.
        counter: u64,
    },
}

/// Everything that decides a token's codes apart from the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtpParams {
    /// HMAC hash function.
    pub algorithm: Algorithm,
    /// Code length.
    pub digits: Digits,
    /// Time- or counter-based.
    pub kind: OtpKind,
}

impl Default for OtpParams {
    /// SHA-1, 6 digits, 30-second TOTP: what nearly every service issues.
    fn default() -> Self {
        Self {
            algorithm: Algorithm::Sha1,
            digits: Digits::SIX,
            kind: OtpKind::Totp {
                step: Step::THIRTY_SECONDS,
                t0: 0,
            },
        }
    }
}

/// What a user adds: the label and the code-making material of a token, as an
/// `otpauth://` URI, a migration export or manual entry carries it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSpec {
    /// Who issued the token (`GitHub`, `Example Bank`), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The account at the issuer (e-mail, user name); may be empty.
    pub account: String,
    /// The shared secret.
    #[serde(with = "secret_base32")]
    pub secret: Secret,
    /// Algorithm, digits, TOTP step or HOTP counter.
    pub params: OtpParams,
}

impl TokenSpec {
    /// The code generator for this token, with its key prepared once.
    pub fn generator(&self) -> Generator {
        let OtpParams {
            algorithm, digits, ..
        } = self.params;
        match self.params.kind {
            OtpKind::Totp { step, t0 } => {
                Generator::Totp(Totp::new(algorithm, &self.secret, digits, step, t0))
            }
            OtpKind::Hotp { .. } => Generator::Hotp(Hotp::new(algorithm, &self.secret, digits)),
        }
    }

    /// `Issuer (account)`, `Issuer`, or the account: how lists name a token.
    pub fn display_name(&self) -> String {
        match (&self.issuer, self.account.is_empty()) {
            (Some(issuer), false) => format!("{issuer} ({})", self.account),
            (Some(issuer), true) => issuer.clone(),
            (None, _) => self.account.clone(),
        }
    }

    /// Whether `other` makes the same codes (same secret and parameters,
    /// ignoring an HOTP counter), compared in constant time on the secret.
    pub fn same_codes_as(&self, other: &TokenSpec) -> bool {
        let kinds_match = match (self.params.kind, other.params.kind) {
            (OtpKind::Hotp { .. }, OtpKind::Hotp { .. }) => true,
            (a, b) => a == b,
        };
        self.secret.ct_eq(&other.secret)
            && kinds_match
            && self.params.algorithm == other.params.algorithm
            && self.params.digits == other.params.digits
    }
}

impl fmt::Debug for TokenSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSpec")
            .field("issuer", &self.issuer)
            .field("account", &self.account)
            .field("secret", &self.secret)
            .field("params", &self.params)
            .finish()
    }
}

/// A prepared code generator for one token.
#[derive(Clone, Debug)]
pub enum Generator {
    /// Time-based.
    Totp(Totp),
    /// Counter-based.
    Hotp(Hotp),
}

/// Where a token came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Origin {
    /// Added from a URI, QR code, migration export, backup or typed in.
    Imported,
    /// Provisioned by an Ichie server through activation.
    Activated(ServerBinding),
}

/// The server a token was activated with, for status checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerBinding {
    /// The server's base URL (`https://otp.example.com`).
    pub base_url: String,
    /// The server's identifier of the token.
    pub token_id: String,
}

/// Whether a token still produces codes the issuer accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenState {
    /// In use.
    #[default]
    Active,
    /// The issuer revoked it; kept so the user sees what happened.
    Revoked,
}

/// A token as the vault stores it. Unknown fields are refused rather than
/// dropped, so a read-modify-write by an older version never loses data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    /// Identity inside the vault.
    pub id: TokenId,
    /// Label and code material.
    pub spec: TokenSpec,
    /// Where it came from.
    pub origin: Origin,
    /// Active or revoked.
    #[serde(default)]
    pub state: TokenState,
}

impl Token {
    /// A new active token with a fresh id.
    pub fn new(spec: TokenSpec, origin: Origin) -> Result<Self, ring::error::Unspecified> {
        Ok(Self {
            id: TokenId::random()?,
            spec,
            origin,
            state: TokenState::Active,
        })
    }
}

/// Parses user-typed base32 the way authenticator apps accept it: any case,
/// spaces and hyphens ignored, padding optional, non-zero trailing bits allowed.
pub fn decode_base32_secret(text: &str) -> Result<Secret, Base32Error> {
    let cleaned: Zeroizing<String> = Zeroizing::new(
        text.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect::<String>()
            .trim_end_matches('=')
            .to_owned(),
    );
    if cleaned.is_empty() {
        return Err(Base32Error::Empty);
    }
    // Report where, never what: the character is part of a (mistyped) secret.
    let allowed = |c: char| {
        c.is_whitespace()
            || c == '-'
            || c == '='
            || matches!(c.to_ascii_uppercase(), 'A'..='Z' | '2'..='7')
    };
    if let Some(position) = text.chars().position(|c| !allowed(c)) {
        return Err(Base32Error::InvalidCharacter {
            position: position + 1,
        });
    }
    if cleaned.contains('=') {
        // Padding in the middle of the secret.
        let position = text.chars().position(|c| c == '=').unwrap_or(0);
        return Err(Base32Error::InvalidCharacter {
            position: position + 1,
        });
    }
    let bytes = lenient_base32()
        .decode(cleaned.as_bytes())
        .map_err(|_| Base32Error::InvalidLength(cleaned.len()))?;
    Secret::new(bytes).map_err(Base32Error::Secret)
}

/// Why a base32 secret could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Base32Error {
    /// Nothing but spaces and padding.
    #[error("the secret is empty")]
    Empty,
    /// A character outside A–Z and 2–7 (spaces, hyphens and padding aside).
    #[error(
        "character {position} of the secret is not base32 (A-Z and 2-7; 0, 1, 8 and 9 are never used)"
    )]
    InvalidCharacter {
        /// Where it is, counting characters from 1.
        position: usize,
    },
    /// A length no base32 encoding can have (1, 3 or 6 modulo 8).
    #[error("a base32 secret cannot be {0} characters long")]
    InvalidLength(usize),
    /// Decoded, but not a usable secret.
    #[error(transparent)]
    Secret(OtpError),
}

fn lenient_base32() -> data_encoding::Encoding {
    let mut spec = data_encoding::Specification::new();
    spec.symbols.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    spec.check_trailing_bits = false;
    // The specification above is constant and valid; `BASE32_NOPAD` is the
    // (strict) fallback should it ever be refused.
    spec.encoding()
        .unwrap_or_else(|_| data_encoding::BASE32_NOPAD.clone())
}

mod secret_base32 {
    //! Serde for secrets as base32 text, zeroizing the temporary strings.
    use super::*;

    pub fn serialize<S: Serializer>(secret: &Secret, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&secret.to_base32())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        let text = Zeroizing::new(String::deserialize(deserializer)?);
        decode_base32_secret(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(secret: &str) -> TokenSpec {
        TokenSpec {
            issuer: Some("Example".into()),
            account: "alice@example.com".into(),
            secret: decode_base32_secret(secret).unwrap(),
            params: OtpParams::default(),
        }
    }

    #[test]
    fn base32_is_lenient_about_case_spaces_and_padding() {
        let want = b"12345678901234567890".to_vec();
        for text in [
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            "gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
            "gezd gnbv gy3t qojq gezd gnbv gy3t qojq",
            "GEZD-GNBV-GY3T-QOJQ-GEZD-GNBV-GY3T-QOJQ",
        ] {
            assert_eq!(
                decode_base32_secret(text).unwrap().expose(),
                &want[..],
                "{text}"
            );
        }
        // 80-bit secrets, padded or not; non-zero trailing bits accepted.
        assert_eq!(
            decode_base32_secret("JBSWY3DPEHPK3PXP")
                .unwrap()
                .expose()
                .len(),
            10
        );
        assert_eq!(decode_base32_secret("MZXW6===").unwrap().expose(), b"foo");
        assert_eq!(decode_base32_secret("MZXW7").unwrap().expose(), b"foo");
    }

    #[test]
    fn base32_errors_say_what_is_wrong() {
        assert_eq!(decode_base32_secret(" = "), Err(Base32Error::Empty));
        assert_eq!(
            decode_base32_secret("ABC1"),
            Err(Base32Error::InvalidCharacter { position: 4 })
        );
        assert_eq!(
            decode_base32_secret("ABC"),
            Err(Base32Error::InvalidLength(3))
        );
        assert_eq!(
            decode_base32_secret("MZ=XW6"),
            Err(Base32Error::InvalidCharacter { position: 3 })
        );
        // The position counts in what the user typed, spaces included.
        let err = decode_base32_secret("JBSW Y3D0").unwrap_err().to_string();
        assert!(err.starts_with("character 9 of the secret"), "{err}");
    }

    #[test]
    fn token_round_trips_through_json_without_showing_the_secret_in_debug() {
        let token = Token::new(spec("JBSWY3DPEHPK3PXP"), Origin::Imported).unwrap();
        let json = serde_json::to_string(&token).unwrap();
        assert!(json.contains("\"secret\":\"JBSWY3DPEHPK3PXP\""), "{json}");
        let back: Token = serde_json::from_str(&json).unwrap();
        assert_eq!(back, token);
        assert!(!format!("{token:?}").contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(token.id.as_str().len(), 32);
    }

    #[test]
    fn same_codes_ignores_labels_and_hotp_counters() {
        let a = spec("JBSWY3DPEHPK3PXP");
        let mut b = spec("JBSWY3DPEHPK3PXP");
        b.issuer = None;
        b.account = "other".into();
        assert!(a.same_codes_as(&b));
        let mut c = spec("JBSWY3DPEHPK3PXP");
        c.params.digits = Digits::EIGHT;
        assert!(!a.same_codes_as(&c));
        let mut h1 = spec("JBSWY3DPEHPK3PXP");
        h1.params.kind = OtpKind::Hotp { counter: 1 };
        let mut h2 = h1.clone();
        h2.params.kind = OtpKind::Hotp { counter: 9 };
        assert!(h1.same_codes_as(&h2));
        assert!(!a.same_codes_as(&h1));
    }

    #[test]
    fn display_name_covers_missing_parts() {
        let mut s = spec("JBSWY3DPEHPK3PXP");
        assert_eq!(s.display_name(), "Example (alice@example.com)");
        s.account.clear();
        assert_eq!(s.display_name(), "Example");
        s.issuer = None;
        s.account = "bob".into();
        assert_eq!(s.display_name(), "bob");
    }
}

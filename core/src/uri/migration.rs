//! Google Authenticator's `otpauth-migration://offline?data=...` export: its
//! base64 protobuf `MigrationPayload`, decoded into [`TokenSpec`]s.

use prost::Message;
use zeroize::{Zeroize, Zeroizing};

use super::{UriError, split_label};
use crate::otp::{Algorithm, Digits, OtpError, Secret, Step};
use crate::token::{OtpKind, OtpParams, TokenSpec};

/// Why a migration export's `data` could not be turned into tokens. Token
/// positions count from 0 in the fields and from 1 in the messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MigrationError {
    /// The URI has no `data` parameter, or an empty one.
    #[error("the export has no data")]
    MissingData,
    /// `data` is not base64 (standard or URL-safe, padded or not).
    #[error("the export data is not base64")]
    NotBase64,
    /// `data` is base64 but not a Google Authenticator `MigrationPayload`.
    #[error("the export data is not a Google Authenticator payload")]
    NotProtobuf,
    /// A token's secret is empty or absurdly long.
    #[error("token {} of the export: {reason}", .index + 1)]
    BadSecret {
        /// The token's position in the export, from 0.
        index: usize,
        /// What is wrong with the secret.
        reason: OtpError,
    },
    /// A token uses MD5 or an algorithm number Ichie does not know.
    #[error("token {} of the export uses the unsupported algorithm {name}", .index + 1)]
    UnsupportedAlgorithm {
        /// The token's position in the export, from 0.
        index: usize,
        /// `MD5`, or the raw enum number as `#<n>`.
        name: String,
    },
    /// A token's digit-count enum is not unspecified, SIX, SEVEN or EIGHT.
    #[error("token {} of the export has the unknown digit count #{value}", .index + 1)]
    UnsupportedDigits {
        /// The token's position in the export, from 0.
        index: usize,
        /// The raw enum number.
        value: i32,
    },
    /// A token's type enum is unspecified (0) or neither HOTP nor TOTP.
    #[error("token {} of the export has the unknown type #{value} (expected HOTP or TOTP)", .index + 1)]
    UnsupportedType {
        /// The token's position in the export, from 0.
        index: usize,
        /// The raw enum number.
        value: i32,
    },
    /// An HOTP token's counter is negative.
    #[error("token {} of the export has the negative counter {value}", .index + 1)]
    NegativeCounter {
        /// The token's position in the export, from 0.
        index: usize,
        /// The counter as exported.
        value: i64,
    },
}

/// Google's `MigrationPayload` message (one batch of an export).
#[derive(Clone, PartialEq, Message)]
pub(super) struct MigrationPayload {
    /// The tokens of this batch.
    #[prost(message, repeated, tag = "1")]
    pub(super) otp_parameters: Vec<OtpParameters>,
    /// Format version (1 in every export seen).
    #[prost(int32, tag = "2")]
    pub(super) version: i32,
    /// How many batches (URIs) the export has.
    #[prost(int32, tag = "3")]
    pub(super) batch_size: i32,
    /// This batch's position, from 0.
    #[prost(int32, tag = "4")]
    pub(super) batch_index: i32,
    /// An identifier shared by the batches of one export.
    #[prost(int32, tag = "5")]
    pub(super) batch_id: i32,
}

/// Google's `OtpParameters`: one token. The enums are kept as raw numbers so
/// unknown values reach the checks below instead of vanishing.
#[derive(Clone, PartialEq, Message)]
pub(super) struct OtpParameters {
    /// The raw secret bytes (zeroized on drop).
    #[prost(bytes = "vec", tag = "1")]
    pub(super) secret: Vec<u8>,
    /// The label, `account` or `Issuer:account`.
    #[prost(string, tag = "2")]
    pub(super) name: String,
    /// The issuer; may be empty.
    #[prost(string, tag = "3")]
    pub(super) issuer: String,
    /// 0 unspecified (SHA1), 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5.
    #[prost(int32, tag = "4")]
    pub(super) algorithm: i32,
    /// 0 unspecified (6), 1 SIX, 2 EIGHT, 3 SEVEN.
    #[prost(int32, tag = "5")]
    pub(super) digits: i32,
    /// 0 unspecified, 1 HOTP, 2 TOTP.
    #[prost(int32, tag = "6")]
    pub(super) r#type: i32,
    /// The HOTP counter.
    #[prost(int64, tag = "7")]
    pub(super) counter: i64,
}

impl Drop for OtpParameters {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl OtpParameters {
    /// The token this entry describes; `index` is its position, for errors.
    fn to_spec(&self, index: usize) -> Result<TokenSpec, MigrationError> {
        let secret = Secret::new(self.secret.clone())
            .map_err(|reason| MigrationError::BadSecret { index, reason })?;
        let algorithm = match self.algorithm {
            0 | 1 => Algorithm::Sha1,
            2 => Algorithm::Sha256,
            3 => Algorithm::Sha512,
            4 => {
                return Err(MigrationError::UnsupportedAlgorithm {
                    index,
                    name: "MD5".to_owned(),
                });
            }
            other => {
                return Err(MigrationError::UnsupportedAlgorithm {
                    index,
                    name: format!("#{other}"),
                });
            }
        };
        let digits = match self.digits {
            0 | 1 => Digits::SIX,
            2 => Digits::EIGHT,
            3 => {
                Digits::new(7).map_err(|_| MigrationError::UnsupportedDigits { index, value: 3 })?
            }
            value => return Err(MigrationError::UnsupportedDigits { index, value }),
        };
        let kind = match self.r#type {
            1 => OtpKind::Hotp {
                counter: u64::try_from(self.counter).map_err(|_| {
                    MigrationError::NegativeCounter {
                        index,
                        value: self.counter,
                    }
                })?,
            },
            2 => OtpKind::Totp {
                step: Step::THIRTY_SECONDS,
                t0: 0,
            },
            value => return Err(MigrationError::UnsupportedType { index, value }),
        };
        let (issuer, account) = if self.issuer.is_empty() {
            split_label(&self.name)
        } else {
            match split_label(&self.name) {
                (Some(prefix), account) if prefix == self.issuer => (Some(prefix), account),
                _ => (Some(self.issuer.clone()), self.name.clone()),
            }
        };
        Ok(TokenSpec {
            issuer,
            account,
            secret,
            params: OtpParams {
                algorithm,
                digits,
                kind,
            },
        })
    }
}

impl OtpParameters {
    /// The entry for `spec`, or why the format cannot carry it.
    fn from_spec(spec: &TokenSpec) -> Result<Self, UriError> {
        let refuse = |why: &str| UriError::NotMigratable {
            name: spec.display_name(),
            why: why.to_owned(),
        };
        let (r#type, counter) = match spec.params.kind {
            OtpKind::Totp { step, t0: 0 } if step == Step::THIRTY_SECONDS => (2, 0),
            OtpKind::Totp { t0: 0, .. } => return Err(refuse("its period is not 30 s")),
            OtpKind::Totp { .. } => return Err(refuse("its T0 is not 0")),
            OtpKind::Hotp { counter } => (
                1,
                i64::try_from(counter).map_err(|_| refuse("its counter is too large"))?,
            ),
        };
        let digits = match spec.params.digits.get() {
            6 => 1,
            8 => 2,
            7 => 3,
            _ => return Err(refuse("its digit count has no code in the format")),
        };
        let issuer = spec.issuer.clone().unwrap_or_default();
        let name = if issuer.is_empty() {
            spec.account.clone()
        } else {
            format!("{issuer}:{}", spec.account)
        };
        Ok(Self {
            secret: spec.secret.expose().to_vec(),
            name,
            issuer,
            algorithm: match spec.params.algorithm {
                Algorithm::Sha1 => 1,
                Algorithm::Sha256 => 2,
                Algorithm::Sha512 => 3,
            },
            digits,
            r#type,
            counter,
        })
    }
}

/// Encodes `specs` as migration URIs of at most [`super::MIGRATION_BATCH`]
/// tokens each.
pub(super) fn encode(
    specs: &[&TokenSpec],
    batch_id: i32,
) -> Result<Vec<Zeroizing<String>>, UriError> {
    if specs.is_empty() {
        return Err(UriError::EmptyMigration);
    }
    let entries = specs
        .iter()
        .map(|spec| OtpParameters::from_spec(spec))
        .collect::<Result<Vec<_>, _>>()?;
    let batches: Vec<&[OtpParameters]> = entries.chunks(super::MIGRATION_BATCH).collect();
    let batch_size = i32::try_from(batches.len()).unwrap_or(i32::MAX);
    batches
        .iter()
        .enumerate()
        .map(|(index, batch)| {
            let payload = MigrationPayload {
                otp_parameters: batch.to_vec(),
                version: 1,
                batch_size,
                batch_index: i32::try_from(index).unwrap_or(i32::MAX),
                batch_id,
            };
            let bytes = Zeroizing::new(payload.encode_to_vec());
            let data = Zeroizing::new(data_encoding::BASE64.encode(&bytes));
            let escaped: Zeroizing<String> =
                Zeroizing::new(form_urlencoded::byte_serialize(data.as_bytes()).collect());
            let mut uri = Zeroizing::new(String::with_capacity(
                MIGRATION_PREFIX.len() + escaped.len(),
            ));
            uri.push_str(MIGRATION_PREFIX);
            uri.push_str(&escaped);
            Ok(uri)
        })
        .collect()
}

/// What every export URI starts with.
const MIGRATION_PREFIX: &str = "otpauth-migration://offline?data=";

/// Decodes an export's `data` value (already form-decoded) into its tokens.
pub(super) fn decode(data: &str) -> Result<Vec<TokenSpec>, UriError> {
    let bad = UriError::BadMigrationData;
    // Same length or shorter, so never reallocated (it holds the secrets).
    let mut cleaned = Zeroizing::new(String::with_capacity(data.len()));
    for c in data
        .trim_end_matches(|c: char| c == '=' || c.is_whitespace())
        .chars()
    {
        match c {
            // A `+` that reached us unescaped was form-decoded into a space.
            ' ' | '-' => cleaned.push('+'),
            '_' => cleaned.push('/'),
            c if c.is_whitespace() => {}
            c => cleaned.push(c),
        }
    }
    let bytes = Zeroizing::new(
        lenient_base64()
            .decode(cleaned.as_bytes())
            .map_err(|_| bad(MigrationError::NotBase64))?,
    );
    let payload =
        MigrationPayload::decode(bytes.as_slice()).map_err(|_| bad(MigrationError::NotProtobuf))?;
    if payload.otp_parameters.is_empty() {
        return Err(UriError::EmptyMigration);
    }
    payload
        .otp_parameters
        .iter()
        .enumerate()
        .map(|(index, entry)| entry.to_spec(index).map_err(bad))
        .collect()
}

/// Unpadded base64 in the standard alphabet, accepting non-zero trailing bits.
fn lenient_base64() -> data_encoding::Encoding {
    let mut spec = data_encoding::Specification::new();
    spec.symbols
        .push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    spec.check_trailing_bits = false;
    // The specification above is constant and valid; `BASE64_NOPAD` is the
    // (strict) fallback should it ever be refused.
    spec.encoding()
        .unwrap_or_else(|_| data_encoding::BASE64_NOPAD.clone())
}

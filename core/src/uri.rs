//! `otpauth://` key URIs (Google Authenticator's Key URI format) and
//! `otpauth-migration://` exports: parsing into [`TokenSpec`]s and formatting.
//!
//! The parser is lenient where real services are sloppy (any case in the
//! scheme, type and parameter names; lower-case, unpadded or spaced base32;
//! an issuer in the label, the query or both; unknown parameters) and strict
//! where codes would come out wrong (an unknown algorithm, a digit count or
//! period out of range, an HOTP URI without a counter, a repeated parameter
//! that decides the codes). Errors never repeat the secret.
//!
//! The label is `Issuer:account` or just `account`. It is percent-decoded as
//! UTF-8 and split at its first `:` (literal or `%3A`); spaces after that colon
//! are dropped when an issuer precedes it. A `+` in the label is a plus (e-mail
//! addresses have them), while in the query it is a space, as in any form
//! encoding. When the query's `issuer` and the label's disagree, the query's
//! wins. URIs carry no T0: it is always 0.

mod migration;

use std::str::FromStr;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use zeroize::Zeroizing;

use crate::otp::{Algorithm, Digits, Step};
use crate::token::{Base32Error, OtpKind, OtpParams, TokenSpec, decode_base32_secret};

pub use migration::MigrationError;

/// Why a URI could not be read as tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// The text is not an `otpauth://` URI (nor, for [`parse_any`], an
    /// `otpauth-migration://` one).
    #[error("not an otpauth:// or otpauth-migration:// URI")]
    NotOtpauth,
    /// [`parse_migration`] was given something other than an
    /// `otpauth-migration://` URI.
    #[error("not an otpauth-migration:// URI")]
    NotMigration,
    /// The type after `otpauth://` is neither `totp` nor `hotp` (its first 32
    /// characters).
    #[error("unknown token type {0:?}: expected totp or hotp")]
    UnknownType(String),
    /// The URI has no `secret` parameter, or an empty one.
    #[error("the URI has no secret")]
    MissingSecret,
    /// The `secret` parameter is not a usable base32 secret.
    #[error("bad secret: {0}")]
    BadSecret(Base32Error),
    /// The `algorithm` parameter is not SHA1, SHA256 or SHA512 (its first 32
    /// characters).
    #[error("unknown algorithm {0:?}: expected SHA1, SHA256 or SHA512")]
    UnknownAlgorithm(String),
    /// The `digits` parameter is not 6, 7 or 8 (its first 32 characters).
    #[error("digits must be 6, 7 or 8, not {0:?}")]
    BadDigits(String),
    /// The `period` parameter is not a whole number of seconds from 1 to 3600
    /// (its first 32 characters).
    #[error("the period must be 1 to 3600 seconds, not {0:?}")]
    BadPeriod(String),
    /// An HOTP URI has no `counter` parameter, or an empty one.
    #[error("an HOTP URI needs a counter parameter")]
    HotpWithoutCounter,
    /// The `counter` parameter is not a whole number from 0 to 2^64 - 1 (its
    /// first 32 characters).
    #[error("the counter must be a whole number from 0 to 2^64-1, not {0:?}")]
    BadCounter(String),
    /// A parameter that decides the codes (`secret`, `algorithm`, `digits`,
    /// `period`, `counter`, or an export's `data`) appears more than once.
    #[error("the parameter {0:?} appears more than once")]
    DuplicateParameter(String),
    /// A `%` is not followed by two hexadecimal digits.
    #[error("the URI has a '%' that is not followed by two hex digits")]
    BadPercentEncoding,
    /// The percent-decoded label or query is not UTF-8.
    #[error("the URI's percent-encoded text is not UTF-8")]
    InvalidUtf8,
    /// A migration export's `data` is missing, undecodable or holds a token
    /// Ichie cannot use.
    #[error("bad migration export: {0}")]
    BadMigrationData(MigrationError),
    /// A migration export decoded fine but holds no tokens.
    #[error("the migration export holds no tokens")]
    EmptyMigration,
    /// A token Google Authenticator's export format cannot carry: it knows
    /// no period (30 s is assumed) and no T0, so such a token would give
    /// other codes there.
    #[error(
        "{name} cannot travel in a Google Authenticator export ({why}); export it as an otpauth:// URI"
    )]
    NotMigratable {
        /// The token's display name.
        name: String,
        /// What the format lacks.
        why: String,
    },
}

/// The bytes percent-encoded in formatted labels and query values: all but
/// RFC 3986's unreserved characters and `@` (kept for readable e-mails).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

/// How many characters of an offending value an error repeats.
const EXCERPT_CHARS: usize = 32;

/// Parses one `otpauth://totp/...` or `otpauth://hotp/...` URI.
///
/// Surrounding whitespace is ignored. See the [module documentation](crate::uri)
/// for how labels and parameters are read.
pub fn parse(uri: &str) -> Result<TokenSpec, UriError> {
    let rest = strip_scheme(uri.trim(), "otpauth").ok_or(UriError::NotOtpauth)?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let query = query
        .split_once('#')
        .map_or(query, |(query, _fragment)| query);
    let (type_name, label) = path.split_once('/').unwrap_or((path, ""));
    let is_totp = if type_name.eq_ignore_ascii_case("totp") {
        true
    } else if type_name.eq_ignore_ascii_case("hotp") {
        false
    } else {
        return Err(UriError::UnknownType(excerpt(type_name)));
    };

    check_percent_escapes(label)?;
    let label = percent_decode_str(label)
        .decode_utf8()
        .map_err(|_| UriError::InvalidUtf8)?;
    let (label_issuer, account) = split_label(&label);
    let query = Query::parse(query)?;

    let secret = match non_empty(&query.secret) {
        Some(text) => decode_base32_secret(text).map_err(UriError::BadSecret)?,
        None => return Err(UriError::MissingSecret),
    };
    let algorithm = match non_empty(&query.algorithm) {
        Some(text) => {
            Algorithm::from_str(text).map_err(|_| UriError::UnknownAlgorithm(excerpt(text)))?
        }
        None => Algorithm::Sha1,
    };
    let digits = match non_empty(&query.digits) {
        Some(text) => text
            .parse::<u64>()
            .ok()
            .and_then(|n| Digits::new(n).ok())
            .ok_or_else(|| UriError::BadDigits(excerpt(text)))?,
        None => Digits::SIX,
    };
    let kind = if is_totp {
        let step = match non_empty(&query.period) {
            Some(text) => text
                .parse::<u64>()
                .ok()
                .and_then(|n| Step::from_secs(n).ok())
                .ok_or_else(|| UriError::BadPeriod(excerpt(text)))?,
            None => Step::THIRTY_SECONDS,
        };
        OtpKind::Totp { step, t0: 0 }
    } else {
        let text = non_empty(&query.counter).ok_or(UriError::HotpWithoutCounter)?;
        let counter = text
            .parse::<u64>()
            .map_err(|_| UriError::BadCounter(excerpt(text)))?;
        OtpKind::Hotp { counter }
    };

    Ok(TokenSpec {
        issuer: query.issuer.or(label_issuer),
        account,
        secret,
        params: OtpParams {
            algorithm,
            digits,
            kind,
        },
    })
}

/// Formats a spec as an otpauth URI (contains the secret, hence Zeroizing).
///
/// The result is `otpauth://<type>/<issuer>:<account>?secret=<base32>&issuer=
/// <issuer>&algorithm=..&digits=..&period=..` (`counter=` for HOTP), with the
/// label parts and the issuer percent-encoded. [`parse`] gives back exactly
/// `spec` for every spec with T0 = 0 and no empty issuer (`Some("")` comes
/// back as `None`); URIs cannot carry another T0, so it is dropped.
///
/// When the issuer contains a `:` or the account starts with whitespace, the
/// label is written `:<account>` (no issuer before the colon, so nothing is
/// split off or trimmed) and the issuer travels in the query alone.
pub fn format(spec: &TokenSpec) -> Zeroizing<String> {
    let account = encode_component(&spec.account);
    let label = match &spec.issuer {
        Some(issuer)
            if !issuer.is_empty()
                && !issuer.contains(':')
                && !spec.account.starts_with(char::is_whitespace) =>
        {
            format!("{}:{account}", encode_component(issuer))
        }
        Some(issuer) if !issuer.is_empty() => format!(":{account}"),
        _ if spec.account.contains(':') => format!(":{account}"),
        _ => account,
    };

    let mut tail = String::new();
    if let Some(issuer) = spec.issuer.as_deref().filter(|i| !i.is_empty()) {
        tail.push_str("&issuer=");
        tail.push_str(&encode_component(issuer));
    }
    tail.push_str(&format!(
        "&algorithm={}&digits={}",
        spec.params.algorithm.name(),
        spec.params.digits.get()
    ));
    let type_name = match spec.params.kind {
        OtpKind::Totp { step, .. } => {
            tail.push_str(&format!("&period={}", step.as_secs()));
            "totp"
        }
        OtpKind::Hotp { counter } => {
            tail.push_str(&format!("&counter={counter}"));
            "hotp"
        }
    };

    let secret = spec.secret.to_base32();
    let parts = [
        "otpauth://",
        type_name,
        "/",
        &label,
        "?secret=",
        &secret,
        &tail,
    ];
    // Sized up front so the buffer holding the secret is never reallocated
    // (which would leave an unzeroized copy behind).
    let mut uri = Zeroizing::new(String::with_capacity(parts.iter().map(|p| p.len()).sum()));
    for part in parts {
        uri.push_str(part);
    }
    uri
}

/// Parses a Google Authenticator export `otpauth-migration://offline?data=...`
/// into its tokens.
///
/// One URI is one batch; an export of several batches is several URIs. The
/// base64 `data` may use the standard or URL-safe alphabet, lack padding, or
/// have spaces where a `+` was mangled.
pub fn parse_migration(uri: &str) -> Result<Vec<TokenSpec>, UriError> {
    let rest = strip_scheme(uri.trim(), "otpauth-migration").ok_or(UriError::NotMigration)?;
    let query = rest.split_once('?').map_or("", |(_, query)| query);
    let query = query
        .split_once('#')
        .map_or(query, |(query, _fragment)| query);
    check_percent_escapes(query)?;
    let mut data: Option<Zeroizing<String>> = None;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if name.eq_ignore_ascii_case("data") {
            set_once(&mut data, "data", Zeroizing::new(value.into_owned()))?;
        }
    }
    match non_empty(&data) {
        Some(data) => migration::decode(data),
        None => Err(UriError::BadMigrationData(MigrationError::MissingData)),
    }
}

/// The tokens as Google Authenticator's export, `otpauth-migration://offline?data=…`,
/// in batches of at most [`MIGRATION_BATCH`] tokens (one URI, one QR code
/// each). Refused for a token the format cannot carry (a period other than
/// 30 s, a non-zero T0) with [`UriError::NotMigratable`]; `batch_id` ties
/// the batches of one export together.
pub fn format_migration(
    specs: &[&TokenSpec],
    batch_id: i32,
) -> Result<Vec<Zeroizing<String>>, UriError> {
    migration::encode(specs, batch_id)
}

/// How many tokens one migration URI carries at most (a QR code that phones
/// still read easily).
pub const MIGRATION_BATCH: usize = 5;

/// Either of the above, chosen by scheme (case-insensitive, surrounding
/// whitespace trimmed): one token for `otpauth://`, the batch's tokens for
/// `otpauth-migration://`.
pub fn parse_any(text: &str) -> Result<Vec<TokenSpec>, UriError> {
    let text = text.trim();
    let scheme = text.split_once(':').map_or("", |(scheme, _)| scheme);
    if scheme.eq_ignore_ascii_case("otpauth") {
        parse(text).map(|spec| vec![spec])
    } else if scheme.eq_ignore_ascii_case("otpauth-migration") {
        parse_migration(text)
    } else {
        Err(UriError::NotOtpauth)
    }
}

/// The query parameters that matter, each kept as its (decoded) text.
#[derive(Default)]
struct Query {
    secret: Option<Zeroizing<String>>,
    issuer: Option<String>,
    algorithm: Option<Zeroizing<String>>,
    digits: Option<Zeroizing<String>>,
    period: Option<Zeroizing<String>>,
    counter: Option<Zeroizing<String>>,
}

impl Query {
    /// Reads a query string (without `?`); unknown parameters are ignored.
    fn parse(query: &str) -> Result<Self, UriError> {
        check_percent_escapes(query)?;
        check_utf8(query)?;
        let mut out = Self::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            // `into_owned` moves an already decoded value, so the only copy
            // ends up zeroized.
            let value = Zeroizing::new(value.into_owned());
            match name.to_ascii_lowercase().as_str() {
                "secret" => set_once(&mut out.secret, "secret", value)?,
                "algorithm" => set_once(&mut out.algorithm, "algorithm", value)?,
                "digits" => set_once(&mut out.digits, "digits", value)?,
                "period" => set_once(&mut out.period, "period", value)?,
                "counter" => set_once(&mut out.counter, "counter", value)?,
                // The first non-empty issuer wins; it does not change codes.
                "issuer" if out.issuer.is_none() && !value.is_empty() => {
                    out.issuer = Some(value.to_string());
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

/// Stores the first value of a parameter; a second one is an error.
fn set_once(
    slot: &mut Option<Zeroizing<String>>,
    name: &str,
    value: Zeroizing<String>,
) -> Result<(), UriError> {
    if slot.is_some() {
        return Err(UriError::DuplicateParameter(name.to_owned()));
    }
    *slot = Some(value);
    Ok(())
}

/// A parameter's value with surrounding whitespace removed, `None` when absent
/// or empty.
fn non_empty(value: &Option<Zeroizing<String>>) -> Option<&str> {
    value
        .as_deref()
        .map(|text| text.trim())
        .filter(|text| !text.is_empty())
}

/// The part after `<scheme>://` when `text` starts with it (scheme in any case).
fn strip_scheme<'a>(text: &'a str, scheme: &str) -> Option<&'a str> {
    let (found, rest) = text.split_once("://")?;
    found.eq_ignore_ascii_case(scheme).then_some(rest)
}

/// Splits a decoded label (or a migration entry's name) into issuer and
/// account at the first `:`. Whitespace around the issuer is dropped, and so is
/// whitespace after the colon when an issuer precedes it.
fn split_label(label: &str) -> (Option<String>, String) {
    match label.split_once(':') {
        Some((issuer, account)) => {
            let issuer = issuer.trim();
            if issuer.is_empty() {
                (None, account.to_owned())
            } else {
                (Some(issuer.to_owned()), account.trim_start().to_owned())
            }
        }
        None => (None, label.to_owned()),
    }
}

/// Refuses a `%` that is not followed by two hexadecimal digits.
fn check_percent_escapes(text: &str) -> Result<(), UriError> {
    let bytes = text.as_bytes();
    for (i, byte) in bytes.iter().enumerate() {
        if *byte == b'%' {
            let escape = bytes.get(i + 1..i + 3).unwrap_or_default();
            if escape.len() != 2 || !escape.iter().all(u8::is_ascii_hexdigit) {
                return Err(UriError::BadPercentEncoding);
            }
        }
    }
    Ok(())
}

/// Refuses a query whose percent-decoded text is not UTF-8 (`form_urlencoded`
/// would silently replace the bad bytes). The separators are ASCII, so the
/// whole query decodes as UTF-8 exactly when every name and value does.
fn check_utf8(query: &str) -> Result<(), UriError> {
    // Decoding never lengthens the text, so this buffer (which holds the
    // secret) is never reallocated.
    let mut decoded = Zeroizing::new(Vec::with_capacity(query.len()));
    decoded.extend(percent_encoding::percent_decode(query.as_bytes()));
    match std::str::from_utf8(&decoded) {
        Ok(_) => Ok(()),
        Err(_) => Err(UriError::InvalidUtf8),
    }
}

/// Percent-encodes a label part or query value.
fn encode_component(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

/// The first few characters of an offending value, for an error message.
fn excerpt(text: &str) -> String {
    text.chars().take(EXCERPT_CHARS).collect()
}

#[cfg(test)]
mod tests;

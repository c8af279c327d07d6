//! HOTP (RFC 4226) and TOTP (RFC 6238): codes, validity windows and verification.
//!
//! Every type here is checked when it is built (`Digits`, `Step`, `Secret`), so
//! a generator that exists always produces correct codes. Nothing here reads the
//! clock: times are passed in as Unix milliseconds.

use std::fmt;
use std::str::FromStr;

use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Why OTP parameters or a time were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OtpError {
    /// The digit count is not 6, 7 or 8.
    #[error("codes have 6, 7 or 8 digits, not {0}")]
    InvalidDigits(u64),
    /// The time step is outside 1 s ..= 1 h.
    #[error("the time step must be 1 to 3600 seconds, not {0}")]
    InvalidStep(u64),
    /// The secret has no bytes.
    #[error("the secret is empty")]
    EmptySecret,
    /// The secret is longer than any real token uses.
    #[error("the secret is {0} bytes long; at most {max} are accepted", max = Secret::MAX_LEN)]
    SecretTooLong(usize),
    /// The algorithm name is not SHA1, SHA256 or SHA512.
    #[error("unknown algorithm {0:?}: expected SHA1, SHA256 or SHA512")]
    UnknownAlgorithm(String),
    /// The time lies before the token's T0, where no step is defined.
    #[error("the time lies before the token's start time T0")]
    TimeBeforeT0,
}

/// The HMAC hash function of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Algorithm {
    /// HMAC-SHA-1, the default of RFC 4226 and nearly every service.
    #[default]
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

impl Algorithm {
    /// The name used in `otpauth://` URIs: `SHA1`, `SHA256` or `SHA512`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }

    /// The length of the hash output in bytes (also the natural seed length).
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = OtpError;

    /// Accepts `SHA1`, `SHA-1`, `sha256`, … in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normalized: String = s
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_uppercase();
        match normalized.as_str() {
            "SHA1" => Ok(Self::Sha1),
            "SHA256" => Ok(Self::Sha256),
            "SHA512" => Ok(Self::Sha512),
            _ => Err(OtpError::UnknownAlgorithm(s.to_owned())),
        }
    }
}

/// The number of digits of a code: 6, 7 or 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Digits(u8);

impl Digits {
    /// Six digits, what nearly every service uses.
    pub const SIX: Digits = Digits(6);
    /// Eight digits.
    pub const EIGHT: Digits = Digits(8);

    /// A digit count, refused unless it is 6, 7 or 8.
    pub fn new(digits: u64) -> Result<Self, OtpError> {
        match digits {
            6..=8 => Ok(Self(digits as u8)),
            other => Err(OtpError::InvalidDigits(other)),
        }
    }

    /// The digit count as a number.
    pub fn get(self) -> u8 {
        self.0
    }

    fn modulus(self) -> u32 {
        10u32.pow(u32::from(self.0))
    }
}

impl Default for Digits {
    fn default() -> Self {
        Self::SIX
    }
}

impl TryFrom<u8> for Digits {
    type Error = OtpError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::new(u64::from(value))
    }
}

impl From<Digits> for u8 {
    fn from(value: Digits) -> Self {
        value.0
    }
}

/// The TOTP time step: 1 second to 1 hour (30 s and 60 s in practice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Step(u32);

impl Step {
    /// The 30-second step of RFC 6238 and most services.
    pub const THIRTY_SECONDS: Step = Step(30);
    /// The one-minute step some banks use.
    pub const SIXTY_SECONDS: Step = Step(60);
    /// The longest step accepted, in seconds.
    pub const MAX_SECONDS: u32 = 3600;

    /// A step in seconds, refused outside 1 ..= 3600.
    pub fn from_secs(seconds: u64) -> Result<Self, OtpError> {
        match seconds {
            1..=3600 => Ok(Self(seconds as u32)),
            other => Err(OtpError::InvalidStep(other)),
        }
    }

    /// The step in seconds.
    pub fn as_secs(self) -> u32 {
        self.0
    }

    /// The step in milliseconds.
    pub fn as_millis(self) -> u64 {
        u64::from(self.0) * 1000
    }
}

impl Default for Step {
    fn default() -> Self {
        Self::THIRTY_SECONDS
    }
}

impl TryFrom<u32> for Step {
    type Error = OtpError;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        Self::from_secs(u64::from(value))
    }
}

impl From<Step> for u32 {
    fn from(value: Step) -> Self {
        value.0
    }
}

/// A token's shared secret (the HMAC key). Zeroized on drop, never printed.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// The longest secret accepted, in bytes (far beyond any real token).
    pub const MAX_LEN: usize = 1024;

    /// A secret from its raw bytes; refused when empty or absurdly long.
    pub fn new(bytes: Vec<u8>) -> Result<Self, OtpError> {
        let bytes = Zeroizing::new(bytes);
        if bytes.is_empty() {
            return Err(OtpError::EmptySecret);
        }
        if bytes.len() > Self::MAX_LEN {
            return Err(OtpError::SecretTooLong(bytes.len()));
        }
        Ok(Self(bytes.to_vec()))
    }

    /// The raw key bytes. Handle with care: they are the token.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The secret in unpadded upper-case base32, as authenticator apps show it.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(data_encoding::BASE32_NOPAD.encode(&self.0))
    }

    /// Compares two secrets in constant time.
    pub fn ct_eq(&self, other: &Secret) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<{} bytes redacted>)", self.0.len())
    }
}

/// One code: a number below 10^digits, shown zero-padded. Zeroized on drop;
/// `Debug` does not reveal it, `Display` does (that is what the user reads).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Code {
    value: u32,
    #[zeroize(skip)]
    digits: Digits,
}

impl Code {
    /// The code as a zero-padded string of `digits` characters.
    pub fn to_zeroizing_string(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(8));
        // Writing to a String cannot fail.
        let _ = fmt::Write::write_fmt(&mut *s, format_args!("{self}"));
        s
    }

    /// The number of digits.
    pub fn digits(&self) -> Digits {
        self.digits
    }

    /// Whether `candidate` (what a user typed) is this code; constant time in
    /// the code's value. Surrounding spaces and inner spaces are ignored.
    pub fn matches(&self, candidate: &str) -> bool {
        let mut typed = Zeroizing::new([0u8; 8]);
        let mut len = 0usize;
        for b in candidate.bytes().filter(|b| *b != b' ') {
            if !b.is_ascii_digit() || len == typed.len() {
                return false;
            }
            typed[len] = b;
            len += 1;
        }
        if len != usize::from(self.digits.get()) {
            return false;
        }
        let ours = self.to_zeroizing_string();
        ours.as_bytes().ct_eq(&typed[..len]).into()
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:0width$}",
            self.value,
            width = usize::from(self.digits.get())
        )
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Code(<{} digits redacted>)", self.digits.get())
    }
}

/// A keyed HMAC whose key schedule was computed once. Every algorithm uses
/// RustCrypto's implementation: measured fastest here for all three (see
/// docs/benchmarks.md), SHA-1 and SHA-256 through the CPU's SHA extensions.
#[derive(Clone)]
enum PreparedMac {
    Sha1(hmac::Hmac<sha1::Sha1>),
    Sha256(hmac::Hmac<sha2::Sha256>),
    Sha512(hmac::Hmac<sha2::Sha512>),
}

impl PreparedMac {
    fn new(algorithm: Algorithm, secret: &Secret) -> Self {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail;
        // the fallback key is unreachable and never used for real codes.
        let key = secret.expose();
        match algorithm {
            Algorithm::Sha1 => Self::Sha1(
                hmac::Hmac::new_from_slice(key)
                    .unwrap_or_else(|_| hmac::Hmac::new(&[0; 64].into())),
            ),
            Algorithm::Sha256 => Self::Sha256(
                hmac::Hmac::new_from_slice(key)
                    .unwrap_or_else(|_| hmac::Hmac::new(&[0; 64].into())),
            ),
            Algorithm::Sha512 => Self::Sha512(
                hmac::Hmac::new_from_slice(key)
                    .unwrap_or_else(|_| hmac::Hmac::new(&[0; 128].into())),
            ),
        }
    }

    /// RFC 4226 dynamic truncation of HMAC(key, counter).
    fn truncated(&self, counter: u64) -> u32 {
        let message = counter.to_be_bytes();
        match self {
            Self::Sha1(mac) => {
                dynamic_truncation(&mac.clone().chain_update(message).finalize().into_bytes())
            }
            Self::Sha256(mac) => {
                dynamic_truncation(&mac.clone().chain_update(message).finalize().into_bytes())
            }
            Self::Sha512(mac) => {
                dynamic_truncation(&mac.clone().chain_update(message).finalize().into_bytes())
            }
        }
    }
}

fn dynamic_truncation(hash: &[u8]) -> u32 {
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ])
}

/// A counter-based generator (RFC 4226) with its key prepared once.
#[derive(Clone)]
pub struct Hotp {
    mac: PreparedMac,
    digits: Digits,
}

impl Hotp {
    /// A generator for `secret` under `algorithm`, producing `digits` digits.
    pub fn new(algorithm: Algorithm, secret: &Secret, digits: Digits) -> Self {
        Self {
            mac: PreparedMac::new(algorithm, secret),
            digits,
        }
    }

    /// The code for one counter value.
    pub fn code(&self, counter: u64) -> Code {
        Code {
            value: self.mac.truncated(counter) % self.digits.modulus(),
            digits: self.digits,
        }
    }

    /// The first counter in `counter ..= counter + look_ahead` whose code is
    /// `candidate`, checking every candidate so the time does not depend on
    /// where (or whether) it matched.
    pub fn verify(&self, candidate: &str, counter: u64, look_ahead: u64) -> Option<u64> {
        let mut found = None;
        for c in counter..=counter.saturating_add(look_ahead) {
            if self.code(c).matches(candidate) && found.is_none() {
                found = Some(c);
            }
        }
        found
    }
}

impl fmt::Debug for Hotp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hotp")
            .field("digits", &self.digits)
            .finish_non_exhaustive()
    }
}

/// A time-based generator (RFC 6238): HOTP over `(t - T0) / step`.
#[derive(Clone, Debug)]
pub struct Totp {
    hotp: Hotp,
    step: Step,
    t0_ms: u64,
}

/// The code of the current step and the next, and how long the current one
/// stays valid — what a token screen shows.
#[derive(Clone, Debug)]
pub struct CodeWindow {
    /// The step counter the current code belongs to.
    pub step: u64,
    /// The code valid now.
    pub code: Code,
    /// The code of the following step.
    pub next_code: Code,
    /// Milliseconds until `next_code` takes over (1 ..= step length).
    pub ms_until_next: u64,
    /// Unix milliseconds at which the current step began.
    pub valid_from_ms: u64,
}

impl Totp {
    /// A generator; `t0` is the Unix time (seconds) at which step 0 begins.
    pub fn new(algorithm: Algorithm, secret: &Secret, digits: Digits, step: Step, t0: u64) -> Self {
        Self {
            hotp: Hotp::new(algorithm, secret, digits),
            step,
            t0_ms: t0.saturating_mul(1000),
        }
    }

    /// The step length.
    pub fn step_length(&self) -> Step {
        self.step
    }

    /// The step counter at Unix time `unix_ms`.
    pub fn step_at(&self, unix_ms: u64) -> Result<u64, OtpError> {
        let since_t0 = unix_ms
            .checked_sub(self.t0_ms)
            .ok_or(OtpError::TimeBeforeT0)?;
        Ok(since_t0 / self.step.as_millis())
    }

    /// The code of one step counter.
    pub fn code_for_step(&self, step: u64) -> Code {
        self.hotp.code(step)
    }

    /// The code valid at Unix time `unix_ms`.
    pub fn code_at(&self, unix_ms: u64) -> Result<Code, OtpError> {
        Ok(self.hotp.code(self.step_at(unix_ms)?))
    }

    /// Current code, next code and remaining validity at `unix_ms`.
    pub fn window_at(&self, unix_ms: u64) -> Result<CodeWindow, OtpError> {
        let step = self.step_at(unix_ms)?;
        let step_ms = self.step.as_millis();
        let valid_from_ms = self.t0_ms + step * step_ms;
        Ok(CodeWindow {
            step,
            code: self.hotp.code(step),
            next_code: self.hotp.code(step.saturating_add(1)),
            // Written so that a time near u64::MAX cannot overflow.
            ms_until_next: step_ms - (unix_ms - valid_from_ms),
            valid_from_ms,
        })
    }

    /// The step whose code is `candidate`, searching `window` steps either side
    /// of the step at `unix_ms` (a server's tolerance for clock drift). Every
    /// step in the window is checked, so timing does not reveal which matched.
    pub fn verify(
        &self,
        candidate: &str,
        unix_ms: u64,
        window: u64,
    ) -> Result<Option<u64>, OtpError> {
        let now = self.step_at(unix_ms)?;
        let first = now.saturating_sub(window);
        let mut found = None;
        for step in first..=now.saturating_add(window) {
            if self.hotp.code(step).matches(candidate) && found.is_none() {
                found = Some(step);
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests;

//! The HMAC algorithm of a token, as the shells name it.

use ichie_core::otp;

/// HMAC algorithm of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Algorithm {
    /// HMAC-SHA-1, what nearly every service uses.
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

impl From<otp::Algorithm> for Algorithm {
    fn from(algorithm: otp::Algorithm) -> Self {
        match algorithm {
            otp::Algorithm::Sha1 => Self::Sha1,
            otp::Algorithm::Sha256 => Self::Sha256,
            otp::Algorithm::Sha512 => Self::Sha512,
        }
    }
}

impl From<Algorithm> for otp::Algorithm {
    fn from(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::Sha1 => Self::Sha1,
            Algorithm::Sha256 => Self::Sha256,
            Algorithm::Sha512 => Self::Sha512,
        }
    }
}

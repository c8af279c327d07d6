//! The activation password (4 to 8 ASCII digits) and the password-related
//! string (PRS) that CPace runs on.

use std::fmt;

use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use super::ActivationError;
use super::cpace::lv_cat;

/// An activation password that is 4 to 8 ASCII digits. Zeroized on drop,
/// never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct ActivationPassword(Zeroizing<String>);

impl ActivationPassword {
    /// The fewest digits a password has.
    pub const MIN_LEN: usize = 4;
    /// The most digits a password has.
    pub const MAX_LEN: usize = 8;

    /// Checks `text`: 4 to 8 ASCII digits, nothing else (no spaces).
    pub fn new(text: &str) -> Result<Self, ActivationError> {
        Self::from_bytes(text.as_bytes())
    }

    /// As [`Self::new`], from raw bytes.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, ActivationError> {
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&bytes.len())
            || !bytes.iter().all(u8::is_ascii_digit)
        {
            return Err(ActivationError::WrongPasswordFormat);
        }
        let mut text = Zeroizing::new(String::with_capacity(bytes.len()));
        text.extend(bytes.iter().map(|b| char::from(*b)));
        Ok(Self(text))
    }

    /// The digits. Handle with care.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ActivationPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ActivationPassword(<redacted>)")
    }
}

/// The password-related string CPace runs on: SHA-512 over
/// `lv_cat("ichie-activation-v2 prs", service_id, user_id, password)`.
///
/// The app computes it from the typed password; the server computes it once
/// at issuance and keeps it only sealed under its master key (it is what the
/// PAKE needs, and it is never sent). Zeroized on drop, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Prs(Zeroizing<[u8; 64]>);

/// The label that opens the PRS input.
pub(crate) const PRS_LABEL: &[u8] = b"ichie-activation-v2 prs";

impl Prs {
    /// The PRS of `password` for `user_id` at `service_id`.
    pub fn derive(service_id: &str, user_id: &str, password: &ActivationPassword) -> Self {
        let input = lv_cat(&[
            PRS_LABEL,
            service_id.as_bytes(),
            user_id.as_bytes(),
            password.expose().as_bytes(),
        ]);
        let mut out = Zeroizing::new([0u8; 64]);
        out.copy_from_slice(digest::digest(&digest::SHA512, &input).as_ref());
        Self(out)
    }

    /// A random PRS no password gives: the server runs CPace on it when no
    /// issuance is pending, so the answer looks the same and no confirm can
    /// ever succeed.
    pub fn random() -> Result<Self, ActivationError> {
        let mut out = Zeroizing::new([0u8; 64]);
        SystemRandom::new().fill(out.as_mut())?;
        Ok(Self(out))
    }

    /// Reads back what [`Self::expose`] gave (after the server unsealed it).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ActivationError> {
        let array: [u8; 64] = bytes
            .try_into()
            .map_err(|_| ActivationError::BadState("a PRS is 64 bytes".into()))?;
        Ok(Self(Zeroizing::new(array)))
    }

    /// The 64 bytes, for the server to seal. Handle with care.
    pub fn expose(&self) -> &[u8; 64] {
        &self.0
    }
}

impl fmt::Debug for Prs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Prs(<redacted>)")
    }
}

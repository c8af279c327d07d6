//! The activation password: 4 to 8 ASCII digits, and the server's verifier of it.

use std::fmt;

use ring::hmac;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::ActivationError;

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

    /// As [`Self::new`], from raw bytes (a decrypted confirm message).
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

/// What the server stores instead of the password: `HMAC-SHA256(pepper, password)`.
///
/// The pepper is a server secret kept outside the database (configuration or
/// a key store), so a stolen database alone does not allow checking guesses
/// offline.
pub fn password_verifier(pepper: &[u8], password: &ActivationPassword) -> [u8; 32] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, pepper);
    let mut out = [0u8; 32];
    out.copy_from_slice(hmac::sign(&key, password.expose().as_bytes()).as_ref());
    out
}

/// Whether `password` matches the stored verifier, in constant time (a stored
/// value of the wrong length never matches).
pub fn verify_password(pepper: &[u8], password: &ActivationPassword, stored: &[u8]) -> bool {
    let ours = Zeroizing::new(password_verifier(pepper, password));
    ours.as_slice().ct_eq(stored).into()
}

//! Data at rest under the master key: AES-256-GCM with a random 96-bit nonce
//! and the row's identity as associated data.
//!
//! Layout: `nonce (12) || ciphertext || tag (16)`. The associated data names
//! the purpose and the row (`seed\0<token_id>`, `activation\0<activation_id>`),
//! so a sealed value moved to another row or purpose does not open.

use std::fmt;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

/// Why sealing or opening failed (no detail: nothing secret leaks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The random generator or the cipher failed.
    #[error("sealing failed")]
    Seal,
    /// The sealed bytes are truncated, altered, or belong to another row or key.
    #[error("sealed data does not open")]
    Open,
}

/// The 32-byte master key, ready to seal and open.
pub struct MasterKey(LessSafeKey);

impl MasterKey {
    /// The key from its 32 bytes.
    pub fn new(bytes: &[u8; 32]) -> Result<Self, SealError> {
        let key = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| SealError::Seal)?;
        Ok(Self(LessSafeKey::new(key)))
    }

    /// Seals `plaintext` bound to `aad`.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SealError::Seal)?;
        let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + AES_256_GCM.tag_len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plaintext);
        let tag = self
            .0
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut out[NONCE_LEN..],
            )
            .map_err(|_| SealError::Seal)?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Opens what [`Self::seal`] made with the same `aad`.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return Err(SealError::Open);
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Open)?;
        let mut buf = Zeroizing::new(rest.to_vec());
        let len = self
            .0
            .open_in_place(nonce, Aad::from(aad), buf.as_mut_slice())
            .map_err(|_| SealError::Open)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

/// The associated data of a token's sealed seed.
pub fn seed_aad(token_id: &str) -> Vec<u8> {
    [b"ichie seed v1\0".as_slice(), token_id.as_bytes()].concat()
}

/// The associated data of an issuance's sealed PRS (what CPace runs on).
pub fn prs_aad(issuance_id: &str) -> Vec<u8> {
    [b"ichie prs v2\0".as_slice(), issuance_id.as_bytes()].concat()
}

/// The associated data of a pending activation's sealed state.
pub fn activation_aad(activation_id: &str) -> Vec<u8> {
    [
        b"ichie activation v2\0".as_slice(),
        activation_id.as_bytes(),
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let key = MasterKey::new(&[7u8; 32]).unwrap();
        let sealed = key.seal(b"a", b"secret").unwrap();
        assert_eq!(key.open(b"a", &sealed).unwrap().as_slice(), b"secret");
        assert_eq!(key.open(b"b", &sealed), Err(SealError::Open));
        let mut tampered = sealed.clone();
        tampered[13] ^= 1;
        assert_eq!(key.open(b"a", &tampered), Err(SealError::Open));
        assert_eq!(key.open(b"a", &sealed[..20]), Err(SealError::Open));
        let other = MasterKey::new(&[8u8; 32]).unwrap();
        assert_eq!(other.open(b"a", &sealed), Err(SealError::Open));
        assert_ne!(key.seal(b"a", b"secret").unwrap(), sealed, "fresh nonce");
    }
}

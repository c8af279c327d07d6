//! The key schedule: CPace's `ISK` → HKDF-SHA256 → `k_client`, `k_s2c`, `k_seed` → seed.

use std::fmt;

use ring::{aead, hkdf, hmac};
use zeroize::Zeroizing;

use super::ActivationError;
use super::messages::Identifier;
use super::transcript::TranscriptHash;
use crate::otp::Algorithm;

/// HKDF info of the app's key-confirmation key.
pub(crate) const INFO_CLIENT_CONFIRM: &[u8] = b"ichie v2 client confirm key";
/// HKDF info of the server-to-client key.
pub(crate) const INFO_S2C: &[u8] = b"ichie v2 s2c key";
/// HKDF info of the seed key.
pub(crate) const INFO_SEED: &[u8] = b"ichie v2 seed key";
/// Prefix of the seed's HKDF info (followed by the token ID).
pub(crate) const INFO_SEED_PREFIX: &[u8] = b"seed";
/// Prefix of the app's key-confirmation MAC (followed by `TH`).
pub(crate) const CLIENT_CONFIRM_PREFIX: &[u8] = b"client confirm";
/// Prefix of the seed confirmation MAC's message (followed by `TH`).
pub(crate) const CONFIRM_PREFIX: &[u8] = b"confirm";

/// A 32-byte secret key, zeroized on drop.
pub(crate) type Key32 = Zeroizing<[u8; 32]>;

/// `PRK = HKDF-Extract(salt = TH, IKM = ISK)`, which is `HMAC-SHA256(TH, ISK)`
/// (RFC 5869 §2.2), computed directly so the worked example can show it.
pub(crate) fn extract(th: &TranscriptHash, isk: &[u8; 64]) -> Key32 {
    let salt = hmac::Key::new(hmac::HMAC_SHA256, th);
    let mut prk = Zeroizing::new([0u8; 32]);
    prk.copy_from_slice(hmac::sign(&salt, isk).as_ref());
    prk
}

/// An HKDF output length for ring.
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// `HKDF-Expand(PRK, info, len)` into a zeroized buffer.
fn expand(
    prk: &[u8; 32],
    info: &[&[u8]],
    len: usize,
) -> Result<Zeroizing<Vec<u8>>, ActivationError> {
    let prk = hkdf::Prk::new_less_safe(hkdf::HKDF_SHA256, prk);
    let mut out = Zeroizing::new(vec![0u8; len]);
    prk.expand(info, Len(len))?.fill(&mut out)?;
    Ok(out)
}

fn expand32(prk: &[u8; 32], info: &[u8]) -> Result<Key32, ActivationError> {
    let bytes = expand(prk, &[info], 32)?;
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&bytes);
    Ok(out)
}

/// What both sides hold once the challenge is signed (server) or verified (app).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SessionKeys {
    /// The transcript hash (not secret; the AAD of both ciphertexts).
    pub(crate) th: TranscriptHash,
    /// Keys the app's key-confirmation MAC (proof that it knows the password).
    pub(crate) k_client: Key32,
    /// Encrypts the result, server to app.
    pub(crate) k_s2c: Key32,
    /// The PRK of the seed.
    pub(crate) k_seed: Key32,
}

impl SessionKeys {
    /// The three keys from CPace's `ISK` and `TH`.
    pub(crate) fn derive(th: TranscriptHash, isk: &[u8; 64]) -> Result<Self, ActivationError> {
        let prk = extract(&th, isk);
        Ok(Self {
            th,
            k_client: expand32(&prk, INFO_CLIENT_CONFIRM)?,
            k_s2c: expand32(&prk, INFO_S2C)?,
            k_seed: expand32(&prk, INFO_SEED)?,
        })
    }

    /// `seed = HKDF-Expand(k_seed, "seed" || token_id, hash length of the algorithm)`.
    pub(crate) fn seed(
        &self,
        token_id: &Identifier,
        algorithm: Algorithm,
    ) -> Result<Zeroizing<Vec<u8>>, ActivationError> {
        expand(
            &self.k_seed,
            &[INFO_SEED_PREFIX, token_id.as_str().as_bytes()],
            algorithm.output_len(),
        )
    }
}

impl SessionKeys {
    /// The app's key confirmation: `HMAC-SHA256(k_client, "client confirm" || TH)`.
    pub(crate) fn client_mac(&self) -> [u8; 32] {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.k_client.as_ref());
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(CLIENT_CONFIRM_PREFIX);
        ctx.update(&self.th);
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.sign().as_ref());
        out
    }

    /// Checks the app's key confirmation in constant time.
    pub(crate) fn client_mac_matches(&self, mac: &[u8; 32]) -> bool {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.k_client.as_ref());
        let mut message = Vec::with_capacity(CLIENT_CONFIRM_PREFIX.len() + self.th.len());
        message.extend_from_slice(CLIENT_CONFIRM_PREFIX);
        message.extend_from_slice(&self.th);
        hmac::verify(&key, &message, mac).is_ok()
    }
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionKeys").finish_non_exhaustive()
    }
}

/// `HMAC-SHA256(key = seed, "confirm" || TH)`.
pub(crate) fn confirmation_mac(seed: &[u8], th: &TranscriptHash) -> [u8; 32] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, seed);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(CONFIRM_PREFIX);
    ctx.update(th);
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.sign().as_ref());
    out
}

/// Checks a confirmation MAC in constant time.
pub(crate) fn confirmation_matches(seed: &[u8], th: &TranscriptHash, mac: &[u8]) -> bool {
    let key = hmac::Key::new(hmac::HMAC_SHA256, seed);
    let mut message = Vec::with_capacity(CONFIRM_PREFIX.len() + th.len());
    message.extend_from_slice(CONFIRM_PREFIX);
    message.extend_from_slice(th);
    hmac::verify(&key, &message, mac).is_ok()
}

/// The all-zero GCM nonce. Safe only because `k_s2c` encrypts exactly one
/// message: [`super::PendingActivation::complete`] consumes its state, and
/// the server consumes a pending activation at its first confirm.
fn zero_nonce() -> aead::Nonce {
    aead::Nonce::assume_unique_for_key([0u8; aead::NONCE_LEN])
}

fn aead_key(key: &[u8; 32]) -> Result<aead::LessSafeKey, ActivationError> {
    Ok(aead::LessSafeKey::new(aead::UnboundKey::new(
        &aead::AES_256_GCM,
        key,
    )?))
}

/// AES-256-GCM(key, zero nonce, aad = TH) of `plaintext`, tag appended.
pub(crate) fn seal(
    key: &[u8; 32],
    th: &TranscriptHash,
    plaintext: &[u8],
) -> Result<Vec<u8>, ActivationError> {
    let mut in_out = plaintext.to_vec();
    aead_key(key)?.seal_in_place_append_tag(zero_nonce(), aead::Aad::from(th), &mut in_out)?;
    Ok(in_out)
}

/// Opens what [`seal`] made; any failure is [`ActivationError::DecryptFailed`].
pub(crate) fn open(
    key: &[u8; 32],
    th: &TranscriptHash,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ActivationError> {
    let mut in_out = Zeroizing::new(ciphertext.to_vec());
    let len = aead_key(key)?
        .open_in_place(zero_nonce(), aead::Aad::from(th), &mut in_out)
        .map_err(|_| ActivationError::DecryptFailed)?
        .len();
    in_out.truncate(len);
    Ok(in_out)
}

/// The plaintext of the result: `u32be(len(token_id)) || token_id || mac`.
pub(crate) fn encode_result(token_id: &Identifier, mac: &[u8; 32]) -> Zeroizing<Vec<u8>> {
    let id = token_id.as_str().as_bytes();
    let mut out = Zeroizing::new(Vec::with_capacity(4 + id.len() + mac.len()));
    // Identifiers are at most 128 bytes.
    out.extend_from_slice(&(id.len() as u32).to_be_bytes());
    out.extend_from_slice(id);
    out.extend_from_slice(mac);
    out
}

/// Reads [`encode_result`]'s layout back, strictly (no trailing bytes).
pub(crate) fn decode_result(plaintext: &[u8]) -> Result<(Identifier, [u8; 32]), ActivationError> {
    let bad = |why: &str| ActivationError::BadMessage(format!("activation result: {why}"));
    let (len, rest) = plaintext
        .split_first_chunk::<4>()
        .ok_or_else(|| bad("too short"))?;
    let len = u32::from_be_bytes(*len) as usize;
    if len > Identifier::MAX_LEN || rest.len() != len + 32 {
        return Err(bad("wrong length"));
    }
    let (id, mac) = rest.split_at(len);
    let id = std::str::from_utf8(id).map_err(|_| bad("token ID is not UTF-8"))?;
    let mut out = [0u8; 32];
    out.copy_from_slice(mac);
    Ok((Identifier::new(id)?, out))
}

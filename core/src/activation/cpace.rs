//! CPace on ristretto255 with SHA-512 (draft-irtf-cfrg-cpace, suite
//! CPACE-RISTR255-SHA512): the balanced PAKE under the activation password.
//!
//! Both sides derive a generator from the password-related string `PRS`, the
//! channel identifier `CI` and the session ID `sid`; each sends `Y = y·g` for
//! a fresh scalar `y`, and both hash `K = y·Y_peer` with the transcript into
//! the intermediate session key `ISK`. Without the password a peer learns
//! nothing it could test offline: each run tests at most one guess.
//! The draft's test vectors are replayed in `tests.rs`.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use ring::digest;
use zeroize::Zeroizing;

use super::ActivationError;

/// `G.DSI` of ristretto255.
pub(crate) const DSI: &[u8] = b"CPaceRistretto255";
/// `G.DSI || "_ISK"`.
pub(crate) const DSI_ISK: &[u8] = b"CPaceRistretto255_ISK";
/// `H.s_in_bytes` of SHA-512: its input block size.
const SHA512_BLOCK: usize = 128;

/// An encoded group element (a public share `Ya`/`Yb`, or `K`).
pub(crate) type Share = [u8; 32];
/// `ISK`: the 64-byte intermediate session key.
pub(crate) type Isk = Zeroizing<[u8; 64]>;

/// Appends the LEB128 encoding of `n`.
pub(crate) fn leb128(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// `lv_cat(a0, a1, …)`: each part preceded by its LEB128 length.
pub(crate) fn lv_cat(parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(
        parts.iter().map(|p| p.len() + 2).sum::<usize>(),
    ));
    for part in parts {
        leb128(part.len(), &mut out);
        out.extend_from_slice(part);
    }
    out
}

/// `generator_string(DSI, PRS, CI, sid, s_in_bytes)`: zero padding fills the
/// first hash block after DSI and PRS.
pub(crate) fn generator_string(prs: &[u8], ci: &[u8], sid: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut len_dsi = Vec::new();
    leb128(DSI.len(), &mut len_dsi);
    let mut len_prs = Vec::new();
    leb128(prs.len(), &mut len_prs);
    let used = 1 + len_prs.len() + prs.len() + len_dsi.len() + DSI.len();
    let zpad = vec![0u8; SHA512_BLOCK.saturating_sub(used)];
    lv_cat(&[DSI, prs, &zpad, ci, sid])
}

/// `G.calculate_generator`: SHA-512 of the generator string, mapped to the
/// group with ristretto255's element derivation (RFC 9496 §4.3.4).
pub(crate) fn calculate_generator(prs: &[u8], ci: &[u8], sid: &[u8]) -> RistrettoPoint {
    let gen_str = generator_string(prs, ci, sid);
    let hash = digest::digest(&digest::SHA512, &gen_str);
    let mut uniform = Zeroizing::new([0u8; 64]);
    uniform.copy_from_slice(hash.as_ref());
    RistrettoPoint::from_uniform_bytes(&uniform)
}

/// `G.sample_scalar` on given bytes: 32 (random) bytes with the bits above
/// 252 cleared, read little-endian, as the draft recommends. The callers
/// refuse zero (probability 2^-252).
pub(crate) fn scalar_from_bytes(bytes: &[u8; 32]) -> Zeroizing<Scalar> {
    let mut clamped = Zeroizing::new(*bytes);
    clamped[31] &= 0x0f;
    Zeroizing::new(Scalar::from_bytes_mod_order(*clamped))
}

/// `G.scalar_mult(y, g)`: the encoded share `y·g`.
pub(crate) fn scalar_mult(y: &Scalar, g: &RistrettoPoint) -> Share {
    (g * y).compress().to_bytes()
}

/// `G.scalar_mult_vfy(y, X)`: `y·decode(X)`, or `None` when `X` does not
/// decode or the result is the neutral element (the draft's abort).
pub(crate) fn scalar_mult_vfy(y: &Scalar, x: &Share) -> Option<Zeroizing<Share>> {
    let point = CompressedRistretto(*x).decompress()?;
    let k = point * y;
    if k.is_identity() {
        return None;
    }
    Some(Zeroizing::new(k.compress().to_bytes()))
}

/// `ISK = H(lv_cat(DSI_ISK, sid, K) || transcript_ir(Ya, ADa, Yb, ADb))`.
pub(crate) fn isk(sid: &[u8], k: &Share, ya: &Share, ada: &[u8], yb: &Share, adb: &[u8]) -> Isk {
    let mut ctx = digest::Context::new(&digest::SHA512);
    ctx.update(&lv_cat(&[DSI_ISK, sid, k]));
    ctx.update(&lv_cat(&[ya, ada]));
    ctx.update(&lv_cat(&[yb, adb]));
    let mut out = Zeroizing::new([0u8; 64]);
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// One side's CPace run in Ichie's activation: no associated data (the
/// signed activation transcript binds everything else), `sid` = the app's
/// nonce.
pub(crate) struct Cpace {
    scalar: Zeroizing<Scalar>,
    share: Share,
}

impl Cpace {
    /// Derives the generator and this side's share from `scalar`.
    pub(crate) fn with_scalar(
        prs: &[u8],
        ci: &[u8],
        sid: &[u8],
        scalar: Zeroizing<Scalar>,
    ) -> Self {
        let g = Zeroizing::new(calculate_generator(prs, ci, sid));
        let share = scalar_mult(&scalar, &g);
        Self { scalar, share }
    }

    /// This side's public share.
    pub(crate) fn share(&self) -> Share {
        self.share
    }

    /// The initiator's (app's) `ISK` from the responder's share; a share that
    /// does not decode or gives the neutral element is refused.
    pub(crate) fn finish_initiator(self, sid: &[u8], yb: &Share) -> Result<Isk, ActivationError> {
        let k = scalar_mult_vfy(&self.scalar, yb).ok_or(ActivationError::InvalidPeerKey)?;
        Ok(isk(sid, &k, &self.share, b"", yb, b""))
    }

    /// The responder's (server's) `ISK` from the initiator's share.
    pub(crate) fn finish_responder(self, sid: &[u8], ya: &Share) -> Result<Isk, ActivationError> {
        let k = scalar_mult_vfy(&self.scalar, ya).ok_or(ActivationError::InvalidPeerKey)?;
        Ok(isk(sid, &k, ya, b"", &self.share, b""))
    }
}

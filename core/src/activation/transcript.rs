//! The transcript: canonical bytes of both messages (both CPace shares
//! included) and the signer's public key, and their hash `TH`.
//!
//! The JSON is only transport; what both sides hash (and the server signs) is
//! this encoding: a fixed domain label, then every field as a 4-byte big-endian
//! length followed by its bytes, in a fixed order.

use ring::digest;

use super::messages::{ActivationChallenge, ActivationRequest};

/// The domain label that opens the transcript (not length-prefixed: it is fixed).
pub(crate) const TRANSCRIPT_LABEL: &[u8] = b"ichie-activation-v2 transcript";

/// `TH`: SHA-256 of the canonical transcript.
pub(crate) type TranscriptHash = [u8; 32];

/// The canonical bytes of the request, the challenge (its signature
/// excluded) and the public key of the signing key: the app uses the key it
/// pinned, the server its own, so a challenge re-signed under another key
/// that borrows the key ID gives the two sides different transcripts.
pub(crate) fn transcript_bytes(
    request: &ActivationRequest,
    challenge: &ActivationChallenge,
    signer_public_key: &[u8; 32],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(TRANSCRIPT_LABEL);
    let params = challenge.params;
    let fields: [&[u8]; 14] = [
        &request.version.to_be_bytes(),
        request.service_id.as_str().as_bytes(),
        request.user_id.as_str().as_bytes(),
        &request.client_nonce,
        &request.client_share,
        challenge.activation_id.as_str().as_bytes(),
        challenge.issuance_id.as_str().as_bytes(),
        &challenge.server_share,
        &challenge.server_time_ms.to_be_bytes(),
        params.algorithm.name().as_bytes(),
        &[params.digits.get()],
        &params.period.as_secs().to_be_bytes(),
        challenge.key_id.as_str().as_bytes(),
        signer_public_key,
    ];
    for field in fields {
        // Every field is at most 128 bytes (identifiers) or fixed, so the
        // length always fits in a u32.
        out.extend_from_slice(&(field.len() as u32).to_be_bytes());
        out.extend_from_slice(field);
    }
    out
}

/// `TH = SHA-256(transcript_bytes)`.
pub(crate) fn transcript_hash(
    request: &ActivationRequest,
    challenge: &ActivationChallenge,
    signer_public_key: &[u8; 32],
) -> TranscriptHash {
    let bytes = transcript_bytes(request, challenge, signer_public_key);
    let mut th = [0u8; 32];
    th.copy_from_slice(digest::digest(&digest::SHA256, &bytes).as_ref());
    th
}

/// The message the server signs: `"ichie-activation-v2" || TH`.
pub(crate) fn signed_message(th: &TranscriptHash) -> Vec<u8> {
    let mut message = Vec::with_capacity(super::SIGNATURE_LABEL.len() + th.len());
    message.extend_from_slice(super::SIGNATURE_LABEL);
    message.extend_from_slice(th);
    message
}

/// CPace's channel identifier `CI`: `lv_cat("ichie-activation-v2", service_id, user_id)`.
pub(crate) fn channel_identifier(
    service_id: &super::Identifier,
    user_id: &super::Identifier,
) -> Vec<u8> {
    super::cpace::lv_cat(&[
        super::SIGNATURE_LABEL,
        service_id.as_str().as_bytes(),
        user_id.as_str().as_bytes(),
    ])
    .to_vec()
}

//! The server's side: answer a request with a signed challenge (CPace on the
//! issuance's PRS), then check the app's key confirmation and complete with
//! the token ID.
//!
//! Between the two HTTP requests the server keeps a [`PendingActivation`]:
//! exported with [`PendingActivation::to_bytes`], encrypted at rest by the
//! server, read back (possibly on another instance) with
//! [`PendingActivation::from_bytes`].

use std::fmt;

use ring::rand::{SecureRandom, SystemRandom};
use ring::signature;
use zeroize::Zeroizing;

use super::client::PinnedKey;
use super::cpace::{self, Cpace};
use super::keys::{self, Key32, SessionKeys};
use super::messages::{
    ActivationChallenge, ActivationConfirm, ActivationRequest, ActivationResult, Identifier,
    TotpParams,
};
use super::password::Prs;
use super::transcript::{TranscriptHash, channel_identifier, signed_message, transcript_hash};
use super::{ActivationError, VERSION};
use crate::otp::{Algorithm, Digits, Secret, Step};
use crate::token::OtpParams;

/// A long-term Ed25519 signing key of the server, with its key ID.
pub struct SigningKey {
    key_id: Identifier,
    pair: signature::Ed25519KeyPair,
}

impl SigningKey {
    /// The key with ID `key_id` from its 32-byte Ed25519 seed (RFC 8032 private key).
    pub fn from_seed(key_id: &str, seed: &[u8; 32]) -> Result<Self, ActivationError> {
        Ok(Self {
            key_id: Identifier::new(key_id)?,
            pair: signature::Ed25519KeyPair::from_seed_unchecked(seed)
                .map_err(|_| ActivationError::Crypto)?,
        })
    }

    /// A fresh random key, and its seed for the server to store (encrypted).
    pub fn generate(key_id: &str) -> Result<(Self, Zeroizing<[u8; 32]>), ActivationError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        SystemRandom::new().fill(seed.as_mut())?;
        Ok((Self::from_seed(key_id, &seed)?, seed))
    }

    /// The key ID.
    pub fn key_id(&self) -> &str {
        self.key_id.as_str()
    }

    /// The Ed25519 public key, for the apps to pin.
    pub fn public_key(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(signature::KeyPair::public_key(&self.pair).as_ref());
        out
    }

    /// Ed25519 over `"ichie-activation-v2" || TH`.
    pub(crate) fn sign(&self, th: &TranscriptHash) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.pair.sign(&signed_message(th)).as_ref());
        out
    }

    /// The key as an app pins it.
    pub fn pinned(&self) -> PinnedKey {
        PinnedKey {
            key_id: self.key_id.to_string(),
            public_key: self.public_key(),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.key_id)
            .field(
                "public_key",
                &data_encoding::HEXLOWER.encode(&self.public_key()),
            )
            .finish_non_exhaustive()
    }
}

/// Step 2: checks the request, runs the server's half of CPace on the
/// issuance's `prs` (system randomness), signs the transcript and derives
/// the session keys.
///
/// The caller has looked up the pending issuance for `request.service_id` /
/// `request.user_id`; when there is none it passes [`Prs::random`], a random
/// `issuance_id` and the service's default `params`, so the answer looks the
/// same and no confirm can succeed. `now_ms` is the server's clock.
pub fn respond(
    request: &ActivationRequest,
    ids: ChallengeIds<'_>,
    prs: &Prs,
    params: OtpParams,
    now_ms: u64,
    key: &SigningKey,
) -> Result<(PendingActivation, ActivationChallenge), ActivationError> {
    let mut scalar = Zeroizing::new([0u8; 32]);
    SystemRandom::new().fill(scalar.as_mut())?;
    respond_with(request, ids, prs, params, now_ms, key, &scalar)
}

/// The server-chosen IDs a challenge carries.
#[derive(Debug, Clone, Copy)]
pub struct ChallengeIds<'a> {
    /// Where the server keeps the pending activation (URL of the confirm).
    pub activation_id: &'a str,
    /// The issuance being activated (random for an unknown user).
    pub issuance_id: &'a str,
}

/// [`respond`] with given CPace scalar bytes: for the worked example and tests only.
#[doc(hidden)]
pub fn respond_with(
    request: &ActivationRequest,
    ids: ChallengeIds<'_>,
    prs: &Prs,
    params: OtpParams,
    now_ms: u64,
    key: &SigningKey,
    scalar: &[u8; 32],
) -> Result<(PendingActivation, ActivationChallenge), ActivationError> {
    if request.version != VERSION {
        return Err(ActivationError::VersionUnsupported(request.version));
    }
    let params = TotpParams::try_from(params)?;
    let activation_id = Identifier::new(ids.activation_id)?;
    let issuance_id = Identifier::new(ids.issuance_id)?;
    let scalar = cpace::scalar_from_bytes(scalar);
    if *scalar == curve25519_dalek::Scalar::ZERO {
        return Err(ActivationError::Crypto);
    }
    let ci = channel_identifier(&request.service_id, &request.user_id);
    let cpace = Cpace::with_scalar(prs.expose(), &ci, &request.client_nonce, scalar);
    let server_share = cpace.share();
    // A share that does not decode, or the neutral element, ends here,
    // before anything is signed.
    let isk = cpace.finish_responder(&request.client_nonce, &request.client_share)?;
    let mut challenge = ActivationChallenge {
        activation_id: activation_id.clone(),
        issuance_id,
        server_share,
        server_time_ms: now_ms,
        params,
        key_id: key.key_id.clone(),
        signature: [0u8; 64],
    };
    let th = transcript_hash(request, &challenge, &key.public_key());
    challenge.signature = key.sign(&th);
    let pending = PendingActivation {
        keys: SessionKeys::derive(th, &isk)?,
        params,
        created_ms: now_ms,
        activation_id,
        service_id: request.service_id.clone(),
        user_id: request.user_id.clone(),
    };
    Ok((pending, challenge))
}

/// Signs `challenge` (as it stands, key ID included) with `key`: for tests
/// that play a rogue server re-signing a real challenge.
#[doc(hidden)]
pub fn sign_challenge(
    request: &ActivationRequest,
    challenge: &mut ActivationChallenge,
    key: &SigningKey,
) {
    let th = transcript_hash(request, challenge, &key.public_key());
    challenge.signature = key.sign(&th);
}

/// What the server keeps between the challenge and the confirm request: the
/// transcript hash, the three session keys, the parameters and whose
/// activation it is. Zeroized on drop; `Debug` shows no key.
#[derive(Clone, PartialEq, Eq)]
pub struct PendingActivation {
    keys: SessionKeys,
    params: TotpParams,
    created_ms: u64,
    activation_id: Identifier,
    service_id: Identifier,
    user_id: Identifier,
}

/// First bytes of an exported [`PendingActivation`] (name and format version).
const STATE_MAGIC: &[u8] = b"ichie-pending-activation\x02";

impl PendingActivation {
    /// The activation ID (the key under which the server stores this state).
    pub fn activation_id(&self) -> &str {
        self.activation_id.as_str()
    }

    /// The service of the request.
    pub fn service_id(&self) -> &str {
        self.service_id.as_str()
    }

    /// The user of the request.
    pub fn user_id(&self) -> &str {
        self.user_id.as_str()
    }

    /// The server time (Unix ms) of the challenge, for expiry.
    pub fn created_ms(&self) -> u64 {
        self.created_ms
    }

    /// The token parameters.
    pub fn params(&self) -> OtpParams {
        self.params.to_otp_params()
    }

    /// Step 3: whether the app's key confirmation proves it knows the
    /// password (constant time). The server must delete this state before
    /// (or atomically with) calling this, and count a `false` as a wrong
    /// password: each activation allows one attempt.
    pub fn confirm_matches(&self, confirm: &ActivationConfirm) -> bool {
        self.keys.client_mac_matches(&confirm.client_mac)
    }

    /// Step 4, once the password is right: derives the seed for `token_id`
    /// (the server stores it encrypted) and encrypts the result. Consumes the
    /// state: `k_s2c` encrypts exactly one result.
    pub fn complete(self, token_id: &str) -> Result<(Secret, ActivationResult), ActivationError> {
        let token_id = Identifier::new(token_id)?;
        let seed = self.keys.seed(&token_id, self.params.algorithm)?;
        let mac = keys::confirmation_mac(&seed, &self.keys.th);
        let plaintext = keys::encode_result(&token_id, &mac);
        let ciphertext = keys::seal(&self.keys.k_s2c, &self.keys.th, &plaintext)?;
        let secret = Secret::new(seed.to_vec()).map_err(|_| ActivationError::Crypto)?;
        Ok((secret, ActivationResult { ciphertext }))
    }

    /// The state as bytes, for the server to encrypt and store. Layout:
    /// `"ichie-pending-activation" 0x02`, `TH`, `k_client`, `k_s2c`, `k_seed`
    /// (32 bytes each), algorithm (1 = SHA1, 2 = SHA256, 3 = SHA512), digits
    /// (u8), period (u32 BE), created ms (u64 BE), then activation, service
    /// and user ID, each as a u8 length and UTF-8.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(
            STATE_MAGIC.len() + 4 * 32 + 14 + 3 * 129,
        ));
        out.extend_from_slice(STATE_MAGIC);
        out.extend_from_slice(&self.keys.th);
        out.extend_from_slice(self.keys.k_client.as_ref());
        out.extend_from_slice(self.keys.k_s2c.as_ref());
        out.extend_from_slice(self.keys.k_seed.as_ref());
        out.push(match self.params.algorithm {
            Algorithm::Sha1 => 1,
            Algorithm::Sha256 => 2,
            Algorithm::Sha512 => 3,
        });
        out.push(self.params.digits.get());
        out.extend_from_slice(&self.params.period.as_secs().to_be_bytes());
        out.extend_from_slice(&self.created_ms.to_be_bytes());
        for id in [&self.activation_id, &self.service_id, &self.user_id] {
            // Identifiers are at most 128 bytes.
            out.push(id.as_str().len() as u8);
            out.extend_from_slice(id.as_str().as_bytes());
        }
        out
    }

    /// Reads [`Self::to_bytes`] back; anything else is [`ActivationError::BadState`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ActivationError> {
        let mut r = Reader(bytes);
        if r.take(STATE_MAGIC.len())? != STATE_MAGIC {
            return Err(ActivationError::BadState(
                "not a v2 pending activation".into(),
            ));
        }
        let th = r.array::<32>()?;
        let k_client = r.key()?;
        let k_s2c = r.key()?;
        let k_seed = r.key()?;
        let algorithm = match r.array::<1>()?[0] {
            1 => Algorithm::Sha1,
            2 => Algorithm::Sha256,
            3 => Algorithm::Sha512,
            other => return Err(ActivationError::BadState(format!("algorithm code {other}"))),
        };
        let digits = Digits::new(u64::from(r.array::<1>()?[0]))
            .map_err(|e| ActivationError::BadState(e.to_string()))?;
        let period = Step::from_secs(u64::from(u32::from_be_bytes(r.array::<4>()?)))
            .map_err(|e| ActivationError::BadState(e.to_string()))?;
        let created_ms = u64::from_be_bytes(r.array::<8>()?);
        let activation_id = r.identifier()?;
        let service_id = r.identifier()?;
        let user_id = r.identifier()?;
        if !r.0.is_empty() {
            return Err(ActivationError::BadState("trailing bytes".into()));
        }
        Ok(Self {
            keys: SessionKeys {
                th,
                k_client,
                k_s2c,
                k_seed,
            },
            params: TotpParams {
                algorithm,
                digits,
                period,
            },
            created_ms,
            activation_id,
            service_id,
            user_id,
        })
    }

    /// The session keys, for the tests' worked example.
    #[cfg(test)]
    pub(crate) fn keys(&self) -> &SessionKeys {
        &self.keys
    }
}

impl fmt::Debug for PendingActivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingActivation")
            .field("activation_id", &self.activation_id)
            .field("service_id", &self.service_id)
            .field("user_id", &self.user_id)
            .field("created_ms", &self.created_ms)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// A cursor over exported state.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ActivationError> {
        if self.0.len() < n {
            return Err(ActivationError::BadState("truncated".into()));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ActivationError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn key(&mut self) -> Result<Key32, ActivationError> {
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(self.take(32)?);
        Ok(out)
    }

    fn identifier(&mut self) -> Result<Identifier, ActivationError> {
        let len = usize::from(self.array::<1>()?[0]);
        let text = std::str::from_utf8(self.take(len)?)
            .map_err(|_| ActivationError::BadState("identifier is not UTF-8".into()))?;
        Identifier::new(text).map_err(|e| ActivationError::BadState(e.to_string()))
    }
}

//! Password-protected export and import of tokens (the `ICHIEBAK` format).
//!
//! A backup uses the vault's sealed layout (see `docs/vault-format.md`) with
//! its own magic, always with an Argon2id-derived key.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::token::Token;
use crate::vault::format::{self, OpenError};
use crate::vault::{KdfParams, VaultError, crypto, json_reason};

/// The magic at the start of every backup file.
const MAGIC: &[u8; 8] = b"ICHIEBAK";
/// The version of the JSON payload inside the encryption.
const PAYLOAD_VERSION: u16 = 1;

/// Why a backup could not be written or read. Messages never show secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// The passphrase is not the one the backup was made with.
    #[error("wrong passphrase for this backup")]
    WrongPassphrase,
    /// The backup is damaged or altered; the reason says what.
    #[error("the backup is damaged: {0}")]
    Corrupt(String),
    /// Written by a newer Ichie in a format this one cannot read.
    #[error("the backup has format version {0}, which this version of Ichie cannot read")]
    UnsupportedVersion(u16),
    /// The file is not an Ichie backup at all.
    #[error("this is not an Ichie backup file")]
    NotABackup,
    /// The key derivation parameters are refused or the derivation failed.
    #[error("key derivation: {0}")]
    Kdf(String),
    /// The random generator or the cryptography library failed.
    #[error("a cryptographic operation failed")]
    Crypto,
}

#[derive(Serialize)]
struct PayloadOut<'a> {
    payload_version: u16,
    tokens: &'a [Token],
}

#[derive(Deserialize)]
struct PayloadIn {
    tokens: Vec<Token>,
}

#[derive(Deserialize)]
struct PayloadVersion {
    payload_version: u16,
}

/// Encrypts `tokens` (with their origin and state) under a key derived from
/// `passphrase` with `kdf`. Use fresh parameters (a fresh salt) per export,
/// e.g. [`KdfParams::recommended`].
pub fn export(
    tokens: &[Token],
    passphrase: &[u8],
    kdf: &KdfParams,
) -> Result<Vec<u8>, BackupError> {
    let key = kdf.derive(passphrase).map_err(vault_error)?;
    let payload = PayloadOut {
        payload_version: PAYLOAD_VERSION,
        tokens,
    };
    let plaintext =
        crypto::to_json_zeroizing(&payload).map_err(|e| BackupError::Corrupt(json_reason(&e)))?;
    format::seal(MAGIC, Some(kdf), &key, &plaintext).map_err(open_error)
}

/// Decrypts a backup made by [`export`] and returns its tokens, all of them
/// or an error: an unreadable token makes the whole backup `Corrupt`.
pub fn import(bytes: &[u8], passphrase: &[u8]) -> Result<Vec<Token>, BackupError> {
    let (header, _, _) = format::parse_header(MAGIC, bytes).map_err(open_error)?;
    let kdf = header
        .kdf
        .ok_or_else(|| BackupError::Corrupt("a backup must be protected by a passphrase".into()))?;
    let key = kdf.derive(passphrase).map_err(vault_error)?;
    let (_, plaintext) = format::open(MAGIC, bytes, &key).map_err(open_error)?;
    let version: PayloadVersion =
        serde_json::from_slice(&plaintext).map_err(|e| BackupError::Corrupt(json_reason(&e)))?;
    if version.payload_version != PAYLOAD_VERSION {
        return Err(BackupError::UnsupportedVersion(version.payload_version));
    }
    let payload: PayloadIn =
        serde_json::from_slice(&plaintext).map_err(|e| BackupError::Corrupt(json_reason(&e)))?;
    let mut seen = HashSet::with_capacity(payload.tokens.len());
    if let Some(token) = payload.tokens.iter().find(|t| !seen.insert(&t.id)) {
        return Err(BackupError::Corrupt(format!(
            "two tokens share the id {}",
            token.id
        )));
    }
    Ok(payload.tokens)
}

fn open_error(e: OpenError) -> BackupError {
    match e {
        OpenError::WrongMagic => BackupError::NotABackup,
        OpenError::UnsupportedVersion(v) => BackupError::UnsupportedVersion(v),
        OpenError::BadHeader(reason) => BackupError::Corrupt(reason.into()),
        OpenError::WrongKey => BackupError::WrongPassphrase,
        OpenError::Unauthentic => {
            BackupError::Corrupt("the contents fail authentication (damaged or altered)".into())
        }
        OpenError::Crypto => BackupError::Crypto,
    }
}

fn vault_error(e: VaultError) -> BackupError {
    match e {
        VaultError::Kdf(reason) => BackupError::Kdf(reason),
        _ => BackupError::Crypto,
    }
}

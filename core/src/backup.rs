//! Password-protected export and import of tokens (the `ICHIEBAK` format).
//!
//! A backup uses the vault's sealed layout (see `docs/vault-format.md`) with
//! its own magic, always with an Argon2id-derived key.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::token::Token;
use crate::vault::format::{self, OpenError};
use crate::vault::{KdfParams, VaultError, crypto, json_reason};

/// The largest backup file accepted: 16 MiB, as for a vault. Read a backup
/// with this cap (`Read::take`) rather than whole: anything longer is refused
/// by [`import`] anyway.
pub const MAX_BACKUP_LEN: u64 = format::MAX_FILE_LEN as u64;

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
#[serde(deny_unknown_fields)]
struct PayloadIn {
    #[serde(rename = "payload_version")]
    _version: u16,
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::token::{Origin, ServerBinding, TokenSpec, TokenState, decode_base32_secret};
    use crate::vault::format::offset;

    const SECRET_B32: &str = "JBSWY3DPEHPK3PXP";

    fn tokens() -> Vec<Token> {
        let spec = |account: &str| TokenSpec {
            issuer: Some("Example".into()),
            account: account.into(),
            secret: decode_base32_secret(SECRET_B32).unwrap(),
            params: Default::default(),
        };
        let mut activated = Token::new(
            spec("bob"),
            Origin::Activated(ServerBinding {
                base_url: "https://otp.example.com".into(),
                token_id: "t-42".into(),
            }),
        )
        .unwrap();
        activated.state = TokenState::Revoked;
        vec![
            Token::new(spec("alice"), Origin::Imported).unwrap(),
            activated,
        ]
    }

    fn cheap_kdf() -> KdfParams {
        KdfParams::with_cost(8, 1, 1).unwrap()
    }

    #[test]
    fn round_trip_keeps_origin_and_state() {
        let tokens = tokens();
        let bytes = export(&tokens, b"backup pass", &cheap_kdf()).unwrap();
        assert_eq!(&bytes[..8], b"ICHIEBAK");
        assert!(!String::from_utf8_lossy(&bytes).contains(SECRET_B32));
        assert_eq!(import(&bytes, b"backup pass").unwrap(), tokens);
        assert_eq!(
            import(&export(&[], b"x", &cheap_kdf()).unwrap(), b"x").unwrap(),
            []
        );
    }

    #[test]
    fn wrong_passphrase_is_told_apart() {
        let bytes = export(&tokens(), b"backup pass", &cheap_kdf()).unwrap();
        assert_eq!(
            import(&bytes, b"backup pasS"),
            Err(BackupError::WrongPassphrase)
        );
        assert_eq!(import(&bytes, b""), Err(BackupError::WrongPassphrase));
    }

    #[test]
    fn every_flipped_byte_is_an_error() {
        let bytes = export(&tokens(), b"pw", &cheap_kdf()).unwrap();
        let key_check = offset::KEY_CHECK..offset::KEY_CHECK + 16;
        for i in 0..bytes.len() {
            for mask in [0x01u8, 0xFF] {
                let mut bad = bytes.clone();
                bad[i] ^= mask;
                let err = import(&bad, b"pw").unwrap_err();
                let ok = match i {
                    0..=7 => err == BackupError::NotABackup,
                    8..=9 => matches!(err, BackupError::UnsupportedVersion(_)),
                    // A changed salt or cost gives another key: the key check
                    // cannot tell that from a wrong passphrase.
                    11..=38 => {
                        matches!(err, BackupError::WrongPassphrase | BackupError::Corrupt(_))
                    }
                    _ if key_check.contains(&i) => err == BackupError::WrongPassphrase,
                    _ => matches!(err, BackupError::Corrupt(_)),
                };
                assert!(ok, "byte {i} ^ {mask:#x}: {err:?}");
            }
        }
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = export(&tokens(), b"pw", &cheap_kdf()).unwrap();
        for len in 0..bytes.len() {
            let err = import(&bytes[..len], b"pw").unwrap_err();
            assert!(
                matches!(err, BackupError::Corrupt(_)),
                "length {len}: {err:?}"
            );
        }
    }

    #[test]
    fn other_files_and_versions() {
        let vault = crate::vault::encode(
            &Default::default(),
            &crate::vault::VaultKey::from_bytes([1; 32]),
            None,
        )
        .unwrap();
        assert_eq!(import(&vault, b"pw"), Err(BackupError::NotABackup));
        let mut newer = export(&tokens(), b"pw", &cheap_kdf()).unwrap();
        newer[9] = 2;
        assert_eq!(
            import(&newer, b"pw"),
            Err(BackupError::UnsupportedVersion(2))
        );
        // A raw-key container with the backup magic is refused.
        let raw = format::seal(
            MAGIC,
            None,
            &crate::vault::VaultKey::from_bytes([1; 32]),
            b"{}",
        )
        .unwrap();
        assert!(matches!(import(&raw, b"pw"), Err(BackupError::Corrupt(_))));
        // A newer payload inside.
        let kdf = cheap_kdf();
        let key = kdf.derive(b"pw").unwrap();
        let newer = format::seal(MAGIC, Some(&kdf), &key, br#"{"payload_version":2}"#).unwrap();
        assert_eq!(
            import(&newer, b"pw"),
            Err(BackupError::UnsupportedVersion(2))
        );
    }

    #[test]
    fn duplicate_ids_are_corrupt() {
        let mut tokens = tokens();
        tokens[1].id = tokens[0].id.clone();
        let bytes = export(&tokens, b"pw", &cheap_kdf()).unwrap();
        assert!(matches!(
            import(&bytes, b"pw"),
            Err(BackupError::Corrupt(_))
        ));
    }

    #[test]
    fn bad_kdf_params_are_refused() {
        let mut kdf = cheap_kdf();
        kdf.iterations = 0;
        assert!(matches!(
            export(&tokens(), b"pw", &kdf),
            Err(BackupError::Kdf(_))
        ));
    }

    proptest! {
        #[test]
        fn import_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            prop_assert!(import(&bytes, b"pw").is_err());
        }

        #[test]
        fn import_never_panics_behind_a_valid_prefix(rest in proptest::collection::vec(any::<u8>(), 0..256)) {
            let mut bytes = MAGIC.to_vec();
            bytes.extend_from_slice(&[0, 1, 1]);
            bytes.extend_from_slice(&rest);
            prop_assert!(import(&bytes, b"pw").is_err());
        }
    }
}

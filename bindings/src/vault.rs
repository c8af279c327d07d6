//! Vault keys and options as the shells hand them over.

use ichie_core::vault::{KdfParams, VaultKey, VaultOptions};

use crate::error::IchieError;

/// A 32-byte vault key from the bytes the app keeps (in the Keystore/Keychain).
pub(crate) fn key(bytes: Vec<u8>) -> Result<VaultKey, IchieError> {
    let len = bytes.len();
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| IchieError::InvalidInput {
        reason: format!("a vault key is 32 bytes, not {len}"),
    })?;
    Ok(VaultKey::from_bytes(bytes))
}

/// Vault options with the app's token limit.
pub(crate) fn options(max_tokens: u32) -> VaultOptions {
    VaultOptions {
        max_tokens: usize::try_from(max_tokens).unwrap_or(usize::MAX),
    }
}

/// The key a passphrase derives with a vault's stored parameters.
pub(crate) fn passphrase_key(
    path: &std::path::Path,
    passphrase: &str,
) -> Result<VaultKey, IchieError> {
    let kdf = ichie_core::vault::Vault::read_kdf_params(path)?.ok_or_else(|| {
        IchieError::InvalidInput {
            reason: "this vault is not protected by a passphrase".into(),
        }
    })?;
    Ok(kdf.derive(passphrase.as_bytes())?)
}

/// Fresh Argon2id parameters (random salt) for a new vault or backup.
pub(crate) fn new_kdf() -> Result<KdfParams, IchieError> {
    Ok(KdfParams::recommended()?)
}

/// A new random 32-byte vault key, for the app to wrap in the Keystore/Keychain.
#[uniffi::export]
pub fn generate_vault_key() -> Result<Vec<u8>, IchieError> {
    Ok(VaultKey::generate()?.expose().to_vec())
}

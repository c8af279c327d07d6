//! Argon2id: turning a passphrase into a vault key.

use argon2::{Algorithm, Argon2, Params, Version};
use zeroize::Zeroizing;

use super::crypto;
use super::{VaultError, VaultKey};

/// Argon2id cost parameters and salt: everything needed, besides the
/// passphrase, to derive a vault key. Stored in the vault header (not secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory cost in KiB (Argon2 `m`).
    pub memory_kib: u32,
    /// Number of passes over the memory (Argon2 `t`).
    pub iterations: u32,
    /// Number of lanes (Argon2 `p`).
    pub parallelism: u32,
    /// Random salt, fresh for each new set of parameters.
    pub salt: [u8; 16],
}

impl KdfParams {
    /// The largest memory cost accepted, in KiB (256 MiB, four times the
    /// recommended cost). A hostile file cannot make a reader allocate more
    /// than this (a failed allocation would abort the app).
    pub const MAX_MEMORY_KIB: u32 = 256 * 1024;
    /// The largest number of passes accepted (bounds the time a hostile file
    /// can make a reader spend).
    pub const MAX_ITERATIONS: u32 = 16;
    /// The largest number of lanes accepted.
    pub const MAX_PARALLELISM: u32 = 16;

    /// The parameters for new vaults and backups, with a random salt.
    ///
    /// 64 MiB, 3 passes, 1 lane: RFC 9106's second recommended option
    /// (m = 64 MiB, t = 3), which fits the memory of any phone Ichie runs on
    /// and takes well under a second there. One lane, because the `argon2`
    /// crate as built here computes lanes one after another: more lanes would
    /// not make our derivation faster, only an attacker's (parallel) one.
    pub fn recommended() -> Result<Self, VaultError> {
        Self::with_cost(64 * 1024, 3, 1)
    }

    /// Parameters with the given costs and a random salt; for tests and weak
    /// devices. Refused (`Kdf`) outside 1..=16 lanes, 1..=16 passes and
    /// 8 KiB × lanes ..= 256 MiB of memory.
    pub fn with_cost(
        memory_kib: u32,
        iterations: u32,
        parallelism: u32,
    ) -> Result<Self, VaultError> {
        let params = Self {
            memory_kib,
            iterations,
            parallelism,
            salt: crypto::random_array().map_err(|_| VaultError::Crypto)?,
        };
        params.check()?;
        Ok(params)
    }

    /// Derives the 32-byte vault key from a passphrase. Deterministic for the
    /// same passphrase and parameters.
    pub fn derive(&self, passphrase: &[u8]) -> Result<VaultKey, VaultError> {
        let params = self.argon2_params()?;
        let mut out = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(passphrase, &self.salt, out.as_mut())
            .map_err(|e| VaultError::Kdf(e.to_string()))?;
        Ok(VaultKey::from_zeroizing(out))
    }

    /// Checks the costs against the ranges above (and Argon2's own rules).
    pub(crate) fn check(&self) -> Result<(), VaultError> {
        self.argon2_params().map(|_| ())
    }

    fn argon2_params(&self) -> Result<Params, VaultError> {
        let Self {
            memory_kib,
            iterations,
            parallelism,
            ..
        } = *self;
        if !(1..=Self::MAX_PARALLELISM).contains(&parallelism) {
            return Err(VaultError::Kdf(format!(
                "parallelism must be 1 to {}, not {parallelism}",
                Self::MAX_PARALLELISM
            )));
        }
        if !(1..=Self::MAX_ITERATIONS).contains(&iterations) {
            return Err(VaultError::Kdf(format!(
                "iterations must be 1 to {}, not {iterations}",
                Self::MAX_ITERATIONS
            )));
        }
        let min_memory = 8 * parallelism;
        if !(min_memory..=Self::MAX_MEMORY_KIB).contains(&memory_kib) {
            return Err(VaultError::Kdf(format!(
                "memory must be {min_memory} to {} KiB, not {memory_kib}",
                Self::MAX_MEMORY_KIB
            )));
        }
        Params::new(memory_kib, iterations, parallelism, Some(32))
            .map_err(|e| VaultError::Kdf(e.to_string()))
    }
}

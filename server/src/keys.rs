//! The server's key files: Ed25519 signing keys, the master key and the pepper.
//!
//! Each is raw random bytes in its own file, mode 0600, in the keys directory:
//! `signing-<kid>.key` (32-byte Ed25519 seed), `master.key` (32 bytes; seals
//! seeds and pending activations), `pepper.key` (32 bytes; keys the password
//! verifiers). None of them is ever in the database.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use ichie_core::activation::SigningKey;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::seal::MasterKey;

/// Why a key could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A key file could not be read or written.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A key file has the wrong length or content.
    #[error("key file {0} is not a 32-byte key")]
    Malformed(PathBuf),
    /// The random generator failed.
    #[error("the random generator failed")]
    Random,
}

/// The loaded keys.
pub struct ServerKeys {
    /// The key that signs challenges.
    pub signing: SigningKey,
    /// Seals data at rest.
    pub master: MasterKey,
    /// Keys the password verifiers.
    pub pepper: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerKeys")
            .field("signing", &self.signing)
            .finish_non_exhaustive()
    }
}

/// The file of signing key `kid`.
pub fn signing_key_path(dir: &Path, kid: &str) -> PathBuf {
    dir.join(format!("signing-{kid}.key"))
}

impl ServerKeys {
    /// Reads the keys from `dir`, signing with `signing_key_id`.
    pub fn load(dir: &Path, signing_key_id: &str) -> Result<Self, KeyError> {
        let path = signing_key_path(dir, signing_key_id);
        let seed = read_key(&path)?;
        let signing =
            SigningKey::from_seed(signing_key_id, &seed).map_err(|_| KeyError::Malformed(path))?;
        let path = dir.join("master.key");
        let master_bytes = read_key(&path)?;
        let master = MasterKey::new(&master_bytes).map_err(|_| KeyError::Malformed(path))?;
        let pepper = Zeroizing::new(read_key(&dir.join("pepper.key"))?.to_vec());
        Ok(Self {
            signing,
            master,
            pepper,
        })
    }

    /// Makes fresh keys in `dir` (refusing to overwrite any); the signing key ID.
    pub fn generate(dir: &Path, signing_key_id: &str) -> Result<(), KeyError> {
        std::fs::create_dir_all(dir).map_err(|source| KeyError::Io {
            path: dir.to_owned(),
            source,
        })?;
        for path in [
            signing_key_path(dir, signing_key_id),
            dir.join("master.key"),
            dir.join("pepper.key"),
        ] {
            let mut bytes = Zeroizing::new([0u8; 32]);
            SystemRandom::new()
                .fill(bytes.as_mut())
                .map_err(|_| KeyError::Random)?;
            write_secret(&path, bytes.as_ref())?;
        }
        Ok(())
    }

    /// Keys from given bytes (tests, and tools that keep keys elsewhere).
    pub fn from_bytes(
        signing_key_id: &str,
        signing_seed: &[u8; 32],
        master: &[u8; 32],
        pepper: &[u8],
    ) -> Result<Self, KeyError> {
        Ok(Self {
            signing: SigningKey::from_seed(signing_key_id, signing_seed)
                .map_err(|_| KeyError::Malformed(PathBuf::from(signing_key_id)))?,
            master: MasterKey::new(master).map_err(|_| KeyError::Malformed("master".into()))?,
            pepper: Zeroizing::new(pepper.to_vec()),
        })
    }
}

fn read_key(path: &Path) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|source| KeyError::Io {
        path: path.to_owned(),
        source,
    })?);
    let mut out = Zeroizing::new([0u8; 32]);
    if bytes.len() != 32 {
        return Err(KeyError::Malformed(path.to_owned()));
    }
    out.copy_from_slice(&bytes);
    Ok(out)
}

/// Writes a new file readable by its owner only; refuses to overwrite.
pub fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    let io = |source| KeyError::Io {
        path: path.to_owned(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)
}

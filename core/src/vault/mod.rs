//! The encrypted token vault: one file, AES-256-GCM under a 32-byte key,
//! replaced atomically and changed only under a lock across processes.
//!
//! The key comes from the platform (Android Keystore, iOS Keychain) or from a
//! passphrase through Argon2id ([`KdfParams`]). The file layout is described
//! in `docs/vault-format.md`.

pub(crate) mod crypto;
mod file;
pub(crate) mod format;
mod kdf;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::token::{Token, TokenId};

pub use kdf::KdfParams;

pub(crate) use file::WriteStep;
pub(crate) use format::OpenError;

/// The magic at the start of every vault file.
pub(crate) const MAGIC: &[u8; 8] = b"ICHIEVLT";
/// The version of the JSON payload inside the encryption.
const PAYLOAD_VERSION: u16 = 1;

/// Why a vault operation failed. Messages are short and never show secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// There is no vault file at the path.
    #[error("no vault at {}", .0.display())]
    NotFound(PathBuf),
    /// `create` found a file already at the path.
    #[error("a file already exists at {}", .0.display())]
    AlreadyExists(PathBuf),
    /// The key (or passphrase) is not the one the vault was written with.
    #[error("wrong key or passphrase for this vault")]
    WrongKey,
    /// The file is damaged, altered or not a vault; the reason says what.
    #[error("the vault is damaged: {0}")]
    Corrupt(String),
    /// The file was written by a newer Ichie in a format this one cannot read.
    #[error("the vault has format version {0}, which this version of Ichie cannot read")]
    UnsupportedVersion(u16),
    /// Adding would take the vault past its token limit.
    #[error("the vault is full: it holds at most {limit} tokens")]
    Full {
        /// The configured maximum number of tokens.
        limit: usize,
    },
    /// No token in the vault has this id.
    #[error("no token with id {0}")]
    TokenNotFound(TokenId),
    /// A change would leave two tokens with the same id (a caller bug).
    #[error("two tokens would share the id {0}")]
    DuplicateId(TokenId),
    /// The lock file next to the vault is a symbolic link or not a regular
    /// file. It is never followed (a link there could make Ichie create or
    /// open a file elsewhere); remove it and try again.
    #[error("the lock file {} is not a regular file (a symbolic link?); remove it", .0.display())]
    LockNotAFile(PathBuf),
    /// A file operation failed.
    #[error("could not {op} {}: {source}", path.display())]
    Io {
        /// What was being done (`read`, `create`, `lock`, …).
        op: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The key derivation parameters are refused or the derivation failed.
    #[error("key derivation: {0}")]
    Kdf(String),
    /// The random generator or the cryptography library failed.
    #[error("a cryptographic operation failed")]
    Crypto,
}

/// The 32-byte key a vault is encrypted under. Zeroized on drop; `Debug`
/// does not show it.
#[derive(Clone)]
pub struct VaultKey(Zeroizing<[u8; 32]>);

impl VaultKey {
    /// A key from raw bytes (as the platform keystore returns them).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// A fresh random key.
    pub fn generate() -> Result<Self, VaultError> {
        crypto::random_array()
            .map(Self::from_bytes)
            .map_err(|_| VaultError::Crypto)
    }

    /// The raw key bytes, to hand to the platform keystore. Handle with care.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn from_zeroizing(bytes: Zeroizing<[u8; 32]>) -> Self {
        Self(bytes)
    }
}

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKey(<redacted>)")
    }
}

/// Settings of an open vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VaultOptions {
    /// The most tokens `update` lets the vault grow to (default 10). A vault
    /// that already holds more is still read whole; it just cannot grow.
    pub max_tokens: usize,
}

impl Default for VaultOptions {
    fn default() -> Self {
        Self { max_tokens: 10 }
    }
}

/// What a vault holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultContents {
    /// The tokens, in the user's order.
    pub tokens: Vec<Token>,
    /// The correction to apply to the device clock, in milliseconds.
    pub clock_correction_ms: i64,
}

impl VaultContents {
    /// The token with this id, to change it.
    pub fn token_mut(&mut self, id: &TokenId) -> Result<&mut Token, VaultError> {
        self.tokens
            .iter_mut()
            .find(|t| &t.id == id)
            .ok_or_else(|| VaultError::TokenNotFound(id.clone()))
    }

    /// The index of the token with this id.
    pub fn position(&self, id: &TokenId) -> Result<usize, VaultError> {
        self.tokens
            .iter()
            .position(|t| &t.id == id)
            .ok_or_else(|| VaultError::TokenNotFound(id.clone()))
    }

    /// The first id that appears twice, if any.
    fn duplicate_id(&self) -> Option<&TokenId> {
        let mut seen = HashSet::with_capacity(self.tokens.len());
        self.tokens
            .iter()
            .map(|t| &t.id)
            .find(|id| !seen.insert(*id))
    }
}

/// The plaintext inside the encryption, as written.
#[derive(Serialize)]
struct PayloadOut<'a> {
    payload_version: u16,
    tokens: &'a [Token],
    clock_correction_ms: i64,
}

/// The plaintext inside the encryption, as read (after its version was
/// checked). Every field is required, no unknown field is accepted and every
/// token must parse: nothing is skipped.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PayloadIn {
    #[serde(rename = "payload_version")]
    _version: u16,
    tokens: Vec<Token>,
    clock_correction_ms: i64,
}

/// Only the version, read first so that a newer payload is reported as such.
#[derive(Deserialize)]
struct PayloadVersion {
    payload_version: u16,
}

/// An open vault: its path, key, last known contents and options.
#[derive(Debug)]
pub struct Vault {
    path: PathBuf,
    key: VaultKey,
    kdf: Option<KdfParams>,
    contents: VaultContents,
    options: VaultOptions,
    fail_at: Option<WriteStep>,
}

impl Vault {
    /// Creates an empty vault at `path`, encrypted under `key`. `kdf` records
    /// how `key` was derived from a passphrase (`None` for a platform key).
    /// Refused with `AlreadyExists` if anything is at `path`, a symbolic link
    /// (even a dangling one) included.
    pub fn create(
        path: &Path,
        key: VaultKey,
        kdf: Option<KdfParams>,
        options: VaultOptions,
    ) -> Result<Self, VaultError> {
        if let Some(params) = &kdf {
            params.check()?;
        }
        let path = &file::resolve_new(path)?;
        let mut vault = Self {
            path: path.to_owned(),
            key: key.clone(),
            kdf,
            contents: VaultContents::default(),
            options,
            fail_at: None,
        };
        let _lock = file::ProcessLock::acquire(path)?;
        if file::exists(path)? {
            return Err(VaultError::AlreadyExists(path.to_owned()));
        }
        vault.write(&VaultContents::default(), &key, kdf.as_ref())?;
        Ok(vault)
    }

    /// Opens the vault at `path` with `key`.
    ///
    /// If `path` is a symbolic link, it is resolved here, once: the vault
    /// then reads and writes the real file (writing next to it, atomically,
    /// and locking `<real name>.lock`), and the link stays a link. See
    /// [`path`](Self::path).
    pub fn open(path: &Path, key: VaultKey, options: VaultOptions) -> Result<Self, VaultError> {
        let path = &file::resolve_existing(path)?;
        let (kdf, contents) = decode_with_header(&file::read(path)?, &key)?;
        Ok(Self {
            path: path.to_owned(),
            key,
            kdf,
            contents,
            options,
            fail_at: None,
        })
    }

    /// The KDF parameters in the header of the vault at `path`, read without
    /// a key: a desktop app derives the key from the passphrase with them
    /// before calling `open`. `None` when the vault uses a platform key.
    pub fn read_kdf_params(path: &Path) -> Result<Option<KdfParams>, VaultError> {
        let bytes = file::read(path)?;
        let (header, _, _) = format::parse_header(MAGIC, &bytes).map_err(open_error)?;
        Ok(header.kdf)
    }

    /// The vault's real file: the path given to `open` or `create`, made
    /// absolute with symbolic links resolved.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The contents as last read or written.
    pub fn contents(&self) -> &VaultContents {
        &self.contents
    }

    /// How the key was derived from a passphrase; `None` for a platform key.
    pub fn kdf(&self) -> Option<&KdfParams> {
        self.kdf.as_ref()
    }

    /// The options the vault was opened with.
    pub fn options(&self) -> &VaultOptions {
        &self.options
    }

    /// Re-reads the file (to see changes made by another process). On error
    /// the contents stay as they were.
    pub fn reload(&mut self) -> Result<(), VaultError> {
        let (kdf, contents) = decode_with_header(&file::read(&self.path)?, &self.key)?;
        self.kdf = kdf;
        self.contents = contents;
        Ok(())
    }

    /// Changes the vault: takes the lock (exclusive, across processes),
    /// re-reads the file so that changes by another process are not lost,
    /// runs `change` on a copy, refuses with `Full` if the token count grew
    /// beyond `max_tokens` and with `DuplicateId` if two tokens share an id,
    /// writes the file atomically and unlocks. A change that leaves the
    /// contents as they were writes nothing.
    ///
    /// On any error the file keeps its previous state, with one exception: if
    /// only the final directory `fsync` fails, the new file is already in
    /// place (see the format doc). [`contents`](Self::contents) then holds
    /// what the file held before the change: as re-read under the lock, or
    /// as before if the file could not be read.
    pub fn update<R>(
        &mut self,
        change: impl FnOnce(&mut VaultContents) -> Result<R, VaultError>,
    ) -> Result<R, VaultError> {
        self.try_update(change)
    }

    /// [`update`](Self::update) with the caller's error type: `change` runs
    /// under the lock on the freshly re-read contents and may refuse with
    /// any error (a duplicate found in what another process just wrote, say);
    /// nothing is written then.
    pub fn try_update<R, E: From<VaultError>>(
        &mut self,
        change: impl FnOnce(&mut VaultContents) -> Result<R, E>,
    ) -> Result<R, E> {
        let _lock = file::ProcessLock::acquire(&self.path)?;
        let (kdf, current) = decode_with_header(&file::read(&self.path)?, &self.key)?;
        let mut next = current.clone();
        let outcome = self.apply(change, &current, &mut next, kdf.as_ref());
        self.kdf = kdf;
        self.contents = match outcome {
            Ok(_) => next,
            Err(_) => current,
        };
        outcome
    }

    /// Runs `change` on `next` (a copy of `current`), checks it and writes it.
    fn apply<R, E: From<VaultError>>(
        &mut self,
        change: impl FnOnce(&mut VaultContents) -> Result<R, E>,
        current: &VaultContents,
        next: &mut VaultContents,
        kdf: Option<&KdfParams>,
    ) -> Result<R, E> {
        let result = change(next)?;
        if next.tokens.len() > self.options.max_tokens && next.tokens.len() > current.tokens.len() {
            return Err(VaultError::Full {
                limit: self.options.max_tokens,
            }
            .into());
        }
        if let Some(id) = next.duplicate_id() {
            return Err(VaultError::DuplicateId(id.clone()).into());
        }
        if next != current {
            let key = self.key.clone();
            self.write(next, &key, kdf)?;
        }
        Ok(result)
    }

    /// Re-encrypts the vault under a new key (after a passphrase change, or
    /// moving between passphrase and platform key). `kdf` records how the new
    /// key was derived. The old key no longer opens the file afterwards.
    pub fn change_key(&mut self, key: VaultKey, kdf: Option<KdfParams>) -> Result<(), VaultError> {
        if let Some(params) = &kdf {
            params.check()?;
        }
        let _lock = file::ProcessLock::acquire(&self.path)?;
        let (_, current) = decode_with_header(&file::read(&self.path)?, &self.key)?;
        self.write(&current, &key, kdf.as_ref())?;
        self.key = key;
        self.kdf = kdf;
        self.contents = current;
        Ok(())
    }

    /// Makes the next write fail at `step` (tests only).
    #[cfg(test)]
    pub(crate) fn fail_next_write_at(&mut self, step: WriteStep) {
        self.fail_at = Some(step);
    }

    /// Encodes and writes `contents` under `key`, consuming a test fail-point.
    fn write(
        &mut self,
        contents: &VaultContents,
        key: &VaultKey,
        kdf: Option<&KdfParams>,
    ) -> Result<(), VaultError> {
        let bytes = encode(contents, key, kdf)?;
        file::write_atomic(&self.path, &bytes, self.fail_at.take())
    }
}

/// Parses, authenticates and decrypts a vault file's bytes. Pure (no file
/// access); also the fuzzing entry point.
pub fn decode(bytes: &[u8], key: &VaultKey) -> Result<VaultContents, VaultError> {
    decode_with_header(bytes, key).map(|(_, contents)| contents)
}

/// Encrypts `contents` under `key` into a complete vault file. `kdf` is
/// recorded in the header.
pub(crate) fn encode(
    contents: &VaultContents,
    key: &VaultKey,
    kdf: Option<&KdfParams>,
) -> Result<Vec<u8>, VaultError> {
    if let Some(id) = contents.duplicate_id() {
        return Err(VaultError::DuplicateId(id.clone()));
    }
    let payload = PayloadOut {
        payload_version: PAYLOAD_VERSION,
        tokens: &contents.tokens,
        clock_correction_ms: contents.clock_correction_ms,
    };
    let plaintext = crypto::to_json_zeroizing(&payload).map_err(|e| {
        VaultError::Corrupt(format!(
            "cannot serialize the tokens ({})",
            e.classify_name()
        ))
    })?;
    format::seal(MAGIC, kdf, key, &plaintext).map_err(open_error)
}

fn decode_with_header(
    bytes: &[u8],
    key: &VaultKey,
) -> Result<(Option<KdfParams>, VaultContents), VaultError> {
    let (header, plaintext) = format::open(MAGIC, bytes, key).map_err(open_error)?;
    Ok((header.kdf, checked_payload(&plaintext)?))
}

/// Parses an authenticated, decrypted payload the way [`decode`] does. Public
/// only for the fuzz target of the payload parser, which cannot get past the
/// authentication of whole files.
#[doc(hidden)]
pub fn decode_payload(plaintext: &[u8]) -> Result<VaultContents, VaultError> {
    checked_payload(&Zeroizing::new(plaintext.to_vec()))
}

fn checked_payload(plaintext: &Zeroizing<Vec<u8>>) -> Result<VaultContents, VaultError> {
    let contents = parse_payload(plaintext)?;
    if let Some(id) = contents.duplicate_id() {
        return Err(VaultError::Corrupt(format!("two tokens share the id {id}")));
    }
    Ok(contents)
}

fn parse_payload(plaintext: &Zeroizing<Vec<u8>>) -> Result<VaultContents, VaultError> {
    let version: PayloadVersion = serde_json::from_slice(plaintext).map_err(json_error)?;
    if version.payload_version != PAYLOAD_VERSION {
        return Err(VaultError::UnsupportedVersion(version.payload_version));
    }
    let payload: PayloadIn = serde_json::from_slice(plaintext).map_err(json_error)?;
    Ok(VaultContents {
        tokens: payload.tokens,
        clock_correction_ms: payload.clock_correction_ms,
    })
}

/// A JSON error as a reason without any of the JSON's text (which could
/// include a secret): only where it happened.
pub(crate) fn json_reason(e: &serde_json::Error) -> String {
    format!(
        "the token data cannot be read ({} error at line {}, column {})",
        e.classify_name(),
        e.line(),
        e.column()
    )
}

fn json_error(e: serde_json::Error) -> VaultError {
    VaultError::Corrupt(json_reason(&e))
}

fn open_error(e: OpenError) -> VaultError {
    match e {
        OpenError::WrongMagic => VaultError::Corrupt("not an Ichie vault file".into()),
        OpenError::UnsupportedVersion(v) => VaultError::UnsupportedVersion(v),
        OpenError::BadHeader(reason) => VaultError::Corrupt(reason.into()),
        OpenError::WrongKey => VaultError::WrongKey,
        OpenError::Unauthentic => {
            VaultError::Corrupt("the contents fail authentication (damaged or altered)".into())
        }
        OpenError::Crypto => VaultError::Crypto,
    }
}

/// Lets `serde_json::Error` say what kind of error it was in few words.
trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data => "data",
            serde_json::error::Category::Eof => "end-of-data",
        }
    }
}

#[cfg(test)]
mod tests;

//! The sealed-file layout shared by vaults and backups: a fixed header (magic,
//! version, KDF, key check, nonce) followed by AES-256-GCM ciphertext, with the
//! whole header as associated data. See `docs/vault-format.md`.

use zeroize::Zeroizing;

use super::crypto::{KEY_CHECK_LEN, Keys, NONCE_LEN, TAG_LEN, random_array};
use super::{KdfParams, VaultKey};

/// The only format version written and read.
pub(crate) const VERSION: u16 = 1;
/// Bytes before the ciphertext in version 1.
pub(crate) const HEADER_LEN: usize = 67;
/// The largest file accepted (16 MiB): far beyond any real vault.
pub(crate) const MAX_FILE_LEN: usize = 16 * 1024 * 1024;

/// Byte offsets of the version-1 header fields.
pub(crate) mod offset {
    /// `u16` big-endian format version.
    pub(crate) const VERSION: usize = 8;
    /// `u8` KDF id: 0 raw key, 1 Argon2id.
    pub(crate) const KDF_ID: usize = 10;
    /// `u32` memory (KiB), `u32` iterations, `u32` parallelism, 16-byte salt.
    pub(crate) const KDF_PARAMS: usize = 11;
    /// 16-byte key-check value.
    pub(crate) const KEY_CHECK: usize = 39;
    /// 12-byte nonce.
    pub(crate) const NONCE: usize = 55;
}

const KDF_RAW: u8 = 0;
const KDF_ARGON2ID: u8 = 1;

/// Why a sealed file could not be opened; each format maps these to its own
/// public error.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// The magic is not this format's.
    WrongMagic,
    /// A format version this build does not read.
    UnsupportedVersion(u16),
    /// The header is malformed (a reason without secrets).
    BadHeader(&'static str),
    /// The key-check value does not match the key.
    WrongKey,
    /// The key is right but the ciphertext or header fails authentication.
    Unauthentic,
    /// The random generator or `ring` failed.
    Crypto,
}

/// A parsed version-1 header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    /// `None` for a raw key, the Argon2id parameters for a passphrase.
    pub(crate) kdf: Option<KdfParams>,
    key_check: [u8; KEY_CHECK_LEN],
    nonce: [u8; NONCE_LEN],
}

/// Reads and checks the header, returning it with the header bytes (the AAD)
/// and the ciphertext after it.
pub(crate) fn parse_header<'a>(
    magic: &[u8; 8],
    bytes: &'a [u8],
) -> Result<(Header, &'a [u8], &'a [u8]), OpenError> {
    if bytes.len() > MAX_FILE_LEN {
        return Err(OpenError::BadHeader("the file is too large"));
    }
    let found_magic = bytes
        .get(..8)
        .ok_or(OpenError::BadHeader("the file is too short"))?;
    if found_magic != magic {
        return Err(OpenError::WrongMagic);
    }
    let version = u16::from_be_bytes(array(bytes, offset::VERSION)?);
    if version != VERSION {
        return Err(OpenError::UnsupportedVersion(version));
    }
    if bytes.len() < HEADER_LEN + TAG_LEN {
        return Err(OpenError::BadHeader("the file is truncated"));
    }
    let kdf_id = bytes[offset::KDF_ID];
    let p = offset::KDF_PARAMS;
    let params = KdfParams {
        memory_kib: u32::from_be_bytes(array(bytes, p)?),
        iterations: u32::from_be_bytes(array(bytes, p + 4)?),
        parallelism: u32::from_be_bytes(array(bytes, p + 8)?),
        salt: array(bytes, p + 12)?,
    };
    let kdf = match kdf_id {
        KDF_RAW => {
            if bytes[p..offset::KEY_CHECK].iter().any(|&b| b != 0) {
                return Err(OpenError::BadHeader("KDF parameters set for a raw key"));
            }
            None
        }
        KDF_ARGON2ID => {
            params
                .check()
                .map_err(|_| OpenError::BadHeader("KDF parameters out of range"))?;
            Some(params)
        }
        _ => return Err(OpenError::BadHeader("unknown KDF")),
    };
    let header = Header {
        kdf,
        key_check: array(bytes, offset::KEY_CHECK)?,
        nonce: array(bytes, offset::NONCE)?,
    };
    let (aad, ciphertext) = bytes.split_at(HEADER_LEN);
    Ok((header, aad, ciphertext))
}

/// Encrypts `plaintext` under `key` into a complete file.
pub(crate) fn seal(
    magic: &[u8; 8],
    kdf: Option<&KdfParams>,
    key: &VaultKey,
    plaintext: &[u8],
) -> Result<Vec<u8>, OpenError> {
    let keys = Keys::derive(key.expose(), magic).map_err(|_| OpenError::Crypto)?;
    let nonce: [u8; NONCE_LEN] = random_array().map_err(|_| OpenError::Crypto)?;
    let mut buf = Zeroizing::new(Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN));
    buf.extend_from_slice(magic);
    buf.extend_from_slice(&VERSION.to_be_bytes());
    match kdf {
        None => {
            buf.push(KDF_RAW);
            buf.extend_from_slice(&[0u8; 28]);
        }
        Some(params) => {
            buf.push(KDF_ARGON2ID);
            buf.extend_from_slice(&params.memory_kib.to_be_bytes());
            buf.extend_from_slice(&params.iterations.to_be_bytes());
            buf.extend_from_slice(&params.parallelism.to_be_bytes());
            buf.extend_from_slice(&params.salt);
        }
    }
    buf.extend_from_slice(keys.key_check());
    buf.extend_from_slice(&nonce);
    debug_assert_eq!(buf.len(), HEADER_LEN);
    buf.extend_from_slice(plaintext);
    keys.seal_in_place(nonce, &mut buf, HEADER_LEN)
        .map_err(|_| OpenError::Crypto)?;
    // Only ciphertext is left in the buffer: hand it out without a copy.
    Ok(std::mem::take(&mut *buf))
}

/// Parses, checks the key, authenticates and decrypts a file.
pub(crate) fn open(
    magic: &[u8; 8],
    bytes: &[u8],
    key: &VaultKey,
) -> Result<(Header, Zeroizing<Vec<u8>>), OpenError> {
    let (header, aad, ciphertext) = parse_header(magic, bytes)?;
    let keys = Keys::derive(key.expose(), magic).map_err(|_| OpenError::Crypto)?;
    if !keys.key_check_matches(&header.key_check) {
        return Err(OpenError::WrongKey);
    }
    let plaintext = keys
        .open(header.nonce, aad, ciphertext)
        .map_err(|_| OpenError::Unauthentic)?;
    Ok((header, plaintext))
}

/// `N` bytes at `at`, or `BadHeader` when the file ends first.
fn array<const N: usize>(bytes: &[u8], at: usize) -> Result<[u8; N], OpenError> {
    bytes
        .get(at..at + N)
        .and_then(|s| s.try_into().ok())
        .ok_or(OpenError::BadHeader("the file is truncated"))
}

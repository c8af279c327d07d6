//! The cryptography shared by the vault and backups: random bytes, the key
//! schedule (HKDF-SHA256) and AES-256-GCM.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::error::Unspecified;
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Length of the AES-GCM nonce.
pub(crate) const NONCE_LEN: usize = 12;
/// Length of the key-check value.
pub(crate) const KEY_CHECK_LEN: usize = 16;
/// Length of the AES-GCM tag.
pub(crate) const TAG_LEN: usize = 16;

/// `N` bytes from the system's secure random generator.
pub(crate) fn random_array<const N: usize>() -> Result<[u8; N], Unspecified> {
    let mut bytes = [0u8; N];
    SystemRandom::new().fill(&mut bytes)?;
    Ok(bytes)
}

/// The keys derived from a 32-byte master key for one file format.
pub(crate) struct Keys {
    encryption: LessSafeKey,
    key_check: [u8; KEY_CHECK_LEN],
}

/// An output length for `ring`'s HKDF.
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

impl Keys {
    /// HKDF-SHA256 (no salt, the master key as input) expanded twice with
    /// distinct labels: `<magic> encryption v1` gives the AES-256-GCM key,
    /// `<magic> key-check v1` the key-check value stored in the header.
    pub(crate) fn derive(master: &[u8; 32], magic: &[u8; 8]) -> Result<Self, Unspecified> {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &[]).extract(master);
        let mut enc = Zeroizing::new([0u8; 32]);
        let enc_label = [&magic[..], b" encryption v1"].concat();
        prk.expand(&[&enc_label], Len(32))?.fill(enc.as_mut())?;
        let mut key_check = [0u8; KEY_CHECK_LEN];
        let check_label = [&magic[..], b" key-check v1"].concat();
        prk.expand(&[&check_label], Len(KEY_CHECK_LEN))?
            .fill(&mut key_check)?;
        let encryption = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, enc.as_ref())?);
        Ok(Self {
            encryption,
            key_check,
        })
    }

    /// The key-check value to store in a header.
    pub(crate) fn key_check(&self) -> &[u8; KEY_CHECK_LEN] {
        &self.key_check
    }

    /// Whether a stored key-check value is ours (constant time).
    pub(crate) fn key_check_matches(&self, stored: &[u8]) -> bool {
        self.key_check.ct_eq(stored).into()
    }

    /// Encrypts `buf[aad_len..]` in place with `buf[..aad_len]` as associated
    /// data and appends the tag. Reserve `TAG_LEN` bytes of capacity first so
    /// that the buffer is not reallocated (which would leave a copy behind).
    pub(crate) fn seal_in_place(
        &self,
        nonce: [u8; NONCE_LEN],
        buf: &mut Vec<u8>,
        aad_len: usize,
    ) -> Result<(), Unspecified> {
        let (aad, in_out) = buf.split_at_mut_checked(aad_len).ok_or(Unspecified)?;
        let tag = self.encryption.seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&*aad),
            in_out,
        )?;
        buf.extend_from_slice(tag.as_ref());
        Ok(())
    }

    /// Authenticates and decrypts `ciphertext` (with its tag) into a fresh,
    /// zeroized buffer.
    pub(crate) fn open(
        &self,
        nonce: [u8; NONCE_LEN],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Unspecified> {
        let mut buf = Zeroizing::new(ciphertext.to_vec());
        let len = self
            .encryption
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut buf,
            )?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

/// Serializes `value` as JSON into a zeroized buffer allocated once at its
/// exact size (a growing buffer would leave plaintext copies behind).
pub(crate) fn to_json_zeroizing<T: serde::Serialize>(
    value: &T,
) -> Result<Zeroizing<Vec<u8>>, serde_json::Error> {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    serde_json::to_writer(&mut counter, value)?;
    let mut buf = Zeroizing::new(Vec::with_capacity(counter.0));
    serde_json::to_writer(&mut *buf, value)?;
    Ok(buf)
}

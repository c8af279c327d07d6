//! A bounded in-memory cache of unsealed token keys for verification.
//!
//! It holds only what never changes for a token: its ID (the user's active
//! token at the time it was read) and the prepared TOTP key (the seed opened
//! from the master-key seal, its HMAC key schedule computed). Every state —
//! last step, drift, failures, locked, revoked — stays in the database and
//! is checked by the conditional statements there, so a stale entry (a token
//! revoked or re-issued through another instance) only makes one UPDATE
//! match no row and the request fall back to reading the token row.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ichie_core::otp::Totp;

/// The user's token as cached: its ID and its prepared key.
#[derive(Debug)]
pub(crate) struct CachedToken {
    /// The token ID.
    pub token_id: String,
    /// The generator with the unsealed seed's key schedule.
    pub totp: Totp,
}

/// User ID → cached token, at most `capacity` entries (0: off).
#[derive(Debug)]
pub(crate) struct TokenCache {
    capacity: usize,
    entries: Mutex<HashMap<String, Arc<CachedToken>>>,
}

impl TokenCache {
    /// An empty cache of at most `capacity` tokens.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<CachedToken>>> {
        // A panic while holding the lock leaves a map that is still valid.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cached token of `user_id`.
    pub fn get(&self, user_id: &str) -> Option<Arc<CachedToken>> {
        if self.capacity == 0 {
            return None;
        }
        self.entries().get(user_id).cloned()
    }

    /// Caches `token` as `user_id`'s; when full, another entry goes first.
    pub fn insert(&self, user_id: &str, token: CachedToken) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries();
        if entries.len() >= self.capacity && !entries.contains_key(user_id) {
            // Any entry: a forgotten one costs one read of its row later.
            if let Some(victim) = entries.keys().next().cloned() {
                entries.remove(&victim);
            }
        }
        entries.insert(user_id.to_owned(), Arc::new(token));
    }

    /// Forgets `user_id`'s token (revoked, or none active any more).
    pub fn remove_user(&self, user_id: &str) {
        self.entries().remove(user_id);
    }

    /// Forgets the token `token_id` (unlocked by an operator).
    pub fn remove_token(&self, token_id: &str) {
        self.entries().retain(|_, t| t.token_id != token_id);
    }

    /// How many tokens are cached.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries().len()
    }
}

/// API keys (by SHA-256) found valid in the database less than
/// [`KEY_MEMO_MS`] ago, with their IDs: such a key lets a verification in
/// without a read of its row, and the verification's own conditional
/// statement checks the key in the database (unknown, revoked or expired:
/// no change, and the request falls back to the full check).
#[derive(Debug, Default)]
pub(crate) struct KeyMemo {
    entries: Mutex<HashMap<[u8; 32], (String, u64)>>,
}

/// How long a key stays remembered: the resolution of its last-use time.
pub(crate) const KEY_MEMO_MS: u64 = crate::store::LAST_USED_RESOLUTION_MS;

/// At most this many keys are remembered (a full memo starts over).
const KEY_MEMO_MAX: usize = 1024;

impl KeyMemo {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], (String, u64)>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The ID of the key hashing to `hash`, if checked since `now_ms − KEY_MEMO_MS`.
    pub fn get(&self, hash: &[u8; 32], now_ms: u64) -> Option<String> {
        self.entries()
            .get(hash)
            .filter(|(_, checked)| now_ms < checked.saturating_add(KEY_MEMO_MS))
            .map(|(id, _)| id.clone())
    }

    /// Remembers that the key `id` hashing to `hash` was valid at `now_ms`.
    pub fn insert(&self, hash: [u8; 32], id: &str, now_ms: u64) {
        let mut entries = self.entries();
        if entries.len() >= KEY_MEMO_MAX && !entries.contains_key(&hash) {
            entries.clear();
        }
        entries.insert(hash, (id.to_owned(), now_ms));
    }

    /// Forgets the key hashing to `hash`.
    pub fn remove(&self, hash: &[u8; 32]) {
        self.entries().remove(hash);
    }

    /// Forgets the key `id` (revoked here).
    pub fn remove_id(&self, id: &str) {
        self.entries().retain(|_, (key_id, _)| key_id != id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ichie_core::otp::{Algorithm, Digits, Secret, Step};

    fn token(id: &str) -> CachedToken {
        CachedToken {
            token_id: id.into(),
            totp: Totp::new(
                Algorithm::Sha1,
                &Secret::new(vec![1; 20]).unwrap(),
                Digits::new(6).unwrap(),
                Step::from_secs(30).unwrap(),
                0,
            ),
        }
    }

    #[test]
    fn stays_bounded_and_forgets_on_request() {
        let cache = TokenCache::new(3);
        for i in 0..10 {
            cache.insert(&format!("u{i}"), token(&format!("t{i}")));
        }
        assert_eq!(cache.len(), 3);
        assert!(cache.get("u9").is_some());
        cache.remove_user("u9");
        assert!(cache.get("u9").is_none());
        cache.insert("a", token("ta"));
        cache.remove_token("ta");
        assert!(cache.get("a").is_none());
        let memo = KeyMemo::default();
        memo.insert([1; 32], "k1", 1_000);
        assert_eq!(
            memo.get(&[1; 32], 1_000 + KEY_MEMO_MS - 1).as_deref(),
            Some("k1")
        );
        assert_eq!(memo.get(&[1; 32], 1_000 + KEY_MEMO_MS), None);
        memo.remove_id("k1");
        assert_eq!(memo.get(&[1; 32], 1_000), None);
        let off = TokenCache::new(0);
        off.insert("a", token("ta"));
        assert!(off.get("a").is_none());
    }
}

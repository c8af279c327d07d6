//! Any bytes as a vault file: a typed error (wrong key, corrupt, version),
//! never a panic.
#![no_main]

use ichie_core::vault::{VaultKey, decode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode(data, &VaultKey::from_bytes([7; 32]));
});

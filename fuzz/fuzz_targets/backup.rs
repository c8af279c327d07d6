//! Any bytes as a backup file: a typed error, never a panic. (The KDF cost
//! comes from the file, so the decoder must refuse absurd parameters early.)
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ichie_core::backup::import(data, b"passphrase");
});

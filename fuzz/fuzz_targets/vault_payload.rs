//! Any bytes as the decrypted JSON payload of a vault (what a file holds once
//! its key check and authentication pass): a typed error or contents, never a
//! panic. The file-level `vault` target cannot reach this parser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ichie_core::vault::decode_payload(data);
});

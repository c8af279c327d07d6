//! Any text, and any protobuf payload wrapped as an export URI, into the
//! migration decoder: a typed error or tokens, never a panic.
#![no_main]

use data_encoding::BASE64URL_NOPAD;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ichie_core::uri::parse_migration(text);
    }
    let uri = format!(
        "otpauth-migration://offline?data={}",
        BASE64URL_NOPAD.encode(data)
    );
    let _ = ichie_core::uri::parse_migration(&uri);
});

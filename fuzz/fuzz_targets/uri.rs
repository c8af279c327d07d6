//! Any text into the otpauth parser: a typed error or a spec that formats
//! and parses back to itself, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(spec) = ichie_core::uri::parse(text) {
        let again = ichie_core::uri::parse(&ichie_core::uri::format(&spec));
        assert_eq!(again.ok(), Some(spec));
    }
});

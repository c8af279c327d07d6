//! `uniffi-bindgen`: generates the Kotlin and Swift bindings from the built `ichie_ffi` library.

fn main() {
    uniffi::uniffi_bindgen_main()
}

//! What a token screen costs: open the vault (read, authenticate, decrypt,
//! parse, prepare every key) and list every token with code, next code and
//! time left — for 10 and for 1,000 tokens.
#![allow(clippy::unwrap_used)] // a benchmark with fixed valid inputs

use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ichie_core::app::App;
use ichie_core::clock::SystemClock;
use ichie_core::token::{Origin, Token};
use ichie_core::uri;
use ichie_core::vault::{Vault, VaultKey, VaultOptions};

const KEY: [u8; 32] = [42; 32];

fn vault_with(dir: &std::path::Path, tokens: usize) -> std::path::PathBuf {
    let path = dir.join(format!("{tokens}.vault"));
    let options = VaultOptions { max_tokens: tokens };
    let mut vault = Vault::create(&path, VaultKey::from_bytes(KEY), None, options).unwrap();
    let all: Vec<Token> = (0..tokens)
        .map(|i| {
            // A distinct 160-bit secret per token: base32 of 20 bytes.
            let mut secret = [0u8; 20];
            secret[..8].copy_from_slice(&(i as u64).to_be_bytes());
            let b32 = data_encoding::BASE32_NOPAD.encode(&secret);
            let uri = format!(
                "otpauth://totp/Service%20{i}:user{i}@example.com?secret={b32}&issuer=Service%20{i}"
            );
            Token::new(uri::parse(&uri).unwrap(), Origin::Imported).unwrap()
        })
        .collect();
    vault
        .update(|c| {
            c.tokens = all;
            Ok(())
        })
        .unwrap();
    path
}

fn open_and_list(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("vault/open+list");
    for tokens in [10usize, 1000] {
        let path = vault_with(dir.path(), tokens);
        let options = VaultOptions { max_tokens: tokens };
        group.bench_with_input(BenchmarkId::from_parameter(tokens), &tokens, |b, _| {
            b.iter(|| {
                let app = App::open(
                    &path,
                    VaultKey::from_bytes(KEY),
                    options,
                    Arc::new(SystemClock),
                )
                .unwrap();
                app.list().unwrap()
            })
        });
        let app = App::open(
            &path,
            VaultKey::from_bytes(KEY),
            options,
            Arc::new(SystemClock),
        )
        .unwrap();
        group.bench_with_input(BenchmarkId::new("list-only", tokens), &tokens, |b, _| {
            b.iter(|| app.list().unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, open_and_list);
criterion_main!(benches);

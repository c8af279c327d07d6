//! One code per algorithm: Ichie's engine next to totp-rs, a bare `ring` HMAC
//! and a bare RustCrypto HMAC with a prepared key, all in the same run.
#![allow(clippy::unwrap_used)] // a benchmark with fixed valid inputs

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{KeyInit, Mac};
use ichie_core::otp::{Algorithm, Digits, Secret, Step, Totp};

const TIME_S: u64 = 1_700_000_000;

fn truncate(hash: &[u8]) -> u32 {
    let o = usize::from(hash[hash.len() - 1] & 0x0f);
    u32::from_be_bytes([hash[o] & 0x7f, hash[o + 1], hash[o + 2], hash[o + 3]]) % 1_000_000
}

fn rustcrypto_code<M: Mac + Clone>(prepared: &M, counter: u64) -> u32 {
    truncate(
        &prepared
            .clone()
            .chain_update(counter.to_be_bytes())
            .finalize()
            .into_bytes(),
    )
}

fn bench_algorithm(c: &mut Criterion, alg: Algorithm) {
    let key: Vec<u8> = (0..alg.output_len() as u8).collect();
    let counter = TIME_S / 30;
    let mut group = c.benchmark_group(format!("code/{alg}"));

    let ours = Totp::new(
        alg,
        &Secret::new(key.clone()).unwrap(),
        Digits::SIX,
        Step::THIRTY_SECONDS,
        0,
    );
    group.bench_function("ichie", |b| {
        b.iter(|| ours.code_at(black_box(TIME_S * 1000)))
    });

    let oracle = totp_rs::Builder::new()
        .with_algorithm(match alg {
            Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
            Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
            _ => totp_rs::Algorithm::SHA512,
        })
        .with_secret(key.clone())
        .build()
        .unwrap();
    group.bench_function("totp-rs", |b| b.iter(|| oracle.generate(black_box(TIME_S))));

    let ring_key = ring::hmac::Key::new(
        match alg {
            Algorithm::Sha1 => ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Algorithm::Sha256 => ring::hmac::HMAC_SHA256,
            _ => ring::hmac::HMAC_SHA512,
        },
        &key,
    );
    group.bench_function("ring-hmac", |b| {
        b.iter(|| truncate(ring::hmac::sign(&ring_key, &black_box(counter).to_be_bytes()).as_ref()))
    });

    match alg {
        Algorithm::Sha1 => {
            let m = hmac::Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
            group.bench_function("rustcrypto-hmac", |b| {
                b.iter(|| rustcrypto_code(&m, black_box(counter)))
            });
        }
        Algorithm::Sha256 => {
            let m = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
            group.bench_function("rustcrypto-hmac", |b| {
                b.iter(|| rustcrypto_code(&m, black_box(counter)))
            });
        }
        _ => {
            let m = hmac::Hmac::<sha2::Sha512>::new_from_slice(&key).unwrap();
            group.bench_function("rustcrypto-hmac", |b| {
                b.iter(|| rustcrypto_code(&m, black_box(counter)))
            });
        }
    }
    group.finish();
}

fn codes(c: &mut Criterion) {
    for alg in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
        bench_algorithm(c, alg);
    }
}

criterion_group!(benches, codes);
criterion_main!(benches);

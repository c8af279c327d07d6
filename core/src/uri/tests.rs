//! Tests of `otpauth://` parsing and formatting and of migration exports.

use proptest::prelude::*;
use prost::Message;

use super::migration::{MigrationPayload, OtpParameters};
use super::*;
use crate::otp::{OtpError, Secret};
use crate::token::Generator;

const SHA1: Algorithm = Algorithm::Sha1;
const SHA256: Algorithm = Algorithm::Sha256;
const SHA512: Algorithm = Algorithm::Sha512;

fn totp(step: u64) -> OtpKind {
    OtpKind::Totp {
        step: Step::from_secs(step).unwrap(),
        t0: 0,
    }
}

fn hotp(counter: u64) -> OtpKind {
    OtpKind::Hotp { counter }
}

/// One real-world-shaped URI and what it must parse to. `secret` is the
/// canonical (upper-case, unpadded) base32 of the expected key.
struct Case {
    uri: &'static str,
    issuer: Option<&'static str>,
    account: &'static str,
    secret: &'static str,
    algorithm: Algorithm,
    digits: u8,
    kind: OtpKind,
}

fn corpus() -> Vec<Case> {
    let case = |uri, issuer, account, secret, algorithm, digits, kind| Case {
        uri,
        issuer,
        account,
        secret,
        algorithm,
        digits,
        kind,
    };
    vec![
        // Google's own example from the Key URI format page.
        case(
            "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
            Some("Example"),
            "alice@google.com",
            "JBSWY3DPEHPK3PXP",
            SHA1,
            6,
            totp(30),
        ),
        // GitHub: issuer in both places, 160-bit upper-case secret.
        case(
            "otpauth://totp/GitHub:octocat?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub",
            Some("GitHub"),
            "octocat",
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            SHA1,
            6,
            totp(30),
        ),
        // AWS: issuer only in the label, `%40` in the account, long secret.
        case(
            "otpauth://totp/Amazon%20Web%20Services:root-account-mfa-device@123456789012?secret=ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
            Some("Amazon Web Services"),
            "root-account-mfa-device@123456789012",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
            SHA1,
            6,
            totp(30),
        ),
        // Microsoft: lower-case unpadded secret, issuer only in the query.
        case(
            "otpauth://totp/user%40contoso.onmicrosoft.com?secret=jbswy3dpehpk3pxp&issuer=Microsoft",
            Some("Microsoft"),
            "user@contoso.onmicrosoft.com",
            "JBSWY3DPEHPK3PXP",
            SHA1,
            6,
            totp(30),
        ),
        // Dropbox: `%3A` separator, space after it, spaced lower-case secret.
        case(
            "otpauth://totp/Dropbox%3A%20bob%40example.com?secret=gezd%20gnbv%20gy3t%20qojq&issuer=Dropbox",
            Some("Dropbox"),
            "bob@example.com",
            "GEZDGNBVGY3TQOJQ",
            SHA1,
            6,
            totp(30),
        ),
        // A `+` in the query is a space; in the label it stays a plus.
        case(
            "otpauth://totp/Big+Shop:a+b@example.com?secret=JBSW+Y3DP+EHPK+3PXP&issuer=Big+Shop",
            Some("Big Shop"),
            "a+b@example.com",
            "JBSWY3DPEHPK3PXP",
            SHA1,
            6,
            totp(30),
        ),
        // Bank: SHA256, 8 digits, 60 s, percent-encoded Japanese label.
        case(
            "otpauth://totp/%E3%81%BF%E3%81%9A%E3%81%BB%E9%8A%80%E8%A1%8C:taro?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA&algorithm=SHA256&digits=8&period=60",
            Some("みずほ銀行"),
            "taro",
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA",
            SHA256,
            8,
            totp(60),
        ),
        // SHA512, 8 digits, lower-case names and values, padded secret.
        case(
            "OTPAUTH://TOTP/Bank%20AG:konto-42?SECRET=mzxw6===&Algorithm=sha512&DIGITS=8",
            Some("Bank AG"),
            "konto-42",
            "MZXW6",
            SHA512,
            8,
            totp(30),
        ),
        // Mismatched issuers: the query wins.
        case(
            "otpauth://totp/OldName:carol?secret=JBSWY3DPEHPK3PXP&issuer=NewName",
            Some("NewName"),
            "carol",
            "JBSWY3DPEHPK3PXP",
            SHA1,
            6,
            totp(30),
        ),
        // No issuer anywhere; unknown parameters (image, color) ignored.
        case(
            "otpauth://totp/dave?secret=JBSWY3DPEHPK3PXP&image=https%3A%2F%2Fexample.com%2Flogo.png&color=ff0000",
            None,
            "dave",
            "JBSWY3DPEHPK3PXP",
            SHA1,
            6,
            totp(30),
        ),
        // Empty query issuer: the label's is used.
        case(
            "otpauth://totp/Shop:eve?issuer=&secret=JBSWY3DPEHPK3PXP",
            Some("Shop"),
            "eve",
            "JBSWY3DPEHPK3PXP",
            SHA1,
            6,
            totp(30),
        ),
        // Empty label, `SHA-256` spelling, 7 digits, surrounding whitespace.
        case(
            "  otpauth://totp/?secret=JBSWY3DPEHPK3PXP&issuer=Only%20Issuer&algorithm=SHA-256&digits=7\n",
            Some("Only Issuer"),
            "",
            "JBSWY3DPEHPK3PXP",
            SHA256,
            7,
            totp(30),
        ),
        // HOTP with a counter; a period on HOTP is ignored.
        case(
            "otpauth://hotp/Yubi:fred?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=7&period=garbage",
            Some("Yubi"),
            "fred",
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            SHA1,
            6,
            hotp(7),
        ),
        // HOTP, upper-case type, the largest counter.
        case(
            "otpauth://HOTP/Corp:gina?secret=JBSWY3DPEHPK3PXP&counter=18446744073709551615",
            Some("Corp"),
            "gina",
            "JBSWY3DPEHPK3PXP",
            SHA1,
            6,
            hotp(u64::MAX),
        ),
        // A counter on TOTP is ignored; a fragment is dropped.
        case(
            "otpauth://totp/Site:hank?secret=JBSWY3DPEHPK3PXP&counter=x#fragment",
            Some("Site"),
            "hank",
            "JBSWY3DPEHPK3PXP",
            SHA1,
            6,
            totp(30),
        ),
        // Colon inside the account: only the first one separates.
        case(
            "otpauth://totp/LDAP:uid:ivan?secret=JBSWY3DPEHPK3PXP",
            Some("LDAP"),
            "uid:ivan",
            "JBSWY3DPEHPK3PXP",
            SHA1,
            6,
            totp(30),
        ),
        // No path after the type at all.
        case(
            "otpauth://totp?secret=JBSWY3DPEHPK3PXP&issuer=Bare",
            Some("Bare"),
            "",
            "JBSWY3DPEHPK3PXP",
            SHA1,
            6,
            totp(30),
        ),
        // Unicode account and a hyphenated secret.
        case(
            "otpauth://totp/Caf%C3%A9:j%C3%BCrgen%20m%C3%BCller?secret=JBSW-Y3DP-EHPK-3PXP",
            Some("Café"),
            "jürgen müller",
            "JBSWY3DPEHPK3PXP",
            SHA1,
            6,
            totp(30),
        ),
    ]
}

#[test]
fn corpus_parses_to_the_expected_fields() {
    for case in corpus() {
        let uri = case.uri;
        let spec = parse(uri).unwrap_or_else(|e| panic!("{uri}: {e}"));
        assert_eq!(spec.issuer.as_deref(), case.issuer, "issuer of {uri}");
        assert_eq!(spec.account, case.account, "account of {uri}");
        assert_eq!(*spec.secret.to_base32(), case.secret, "secret of {uri}");
        assert_eq!(spec.params.algorithm, case.algorithm, "algorithm of {uri}");
        assert_eq!(spec.params.digits.get(), case.digits, "digits of {uri}");
        assert_eq!(spec.params.kind, case.kind, "kind of {uri}");
        // Every corpus URI is also accepted by `parse_any`, and survives
        // formatting.
        assert_eq!(parse_any(uri), Ok(vec![spec.clone()]), "parse_any of {uri}");
        assert_eq!(parse(&format(&spec)), Ok(spec), "round trip of {uri}");
    }
}

fn code_at(spec: &TokenSpec, unix_secs: u64) -> String {
    match spec.generator() {
        Generator::Totp(totp) => totp.code_at(unix_secs * 1000).unwrap().to_string(),
        Generator::Hotp(_) => panic!("expected TOTP"),
    }
}

#[test]
fn parsed_uris_make_the_right_codes() {
    // RFC 6238 Appendix B: "12345678901234567890", T = 59 s, SHA1, 8 digits.
    let uri = "otpauth://totp/RFC:6238?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8";
    assert_eq!(code_at(&parse(uri).unwrap(), 59), "94287082", "{uri}");
    // Same key, lower-case and spaced: the same code.
    let uri = "otpauth://totp/RFC:6238?secret=gezd+gnbv+gy3t+qojq+gezd+gnbv+gy3t+qojq&digits=8";
    assert_eq!(code_at(&parse(uri).unwrap(), 59), "94287082", "{uri}");
    // 80-bit key, computed with Python's hmac at 1700000000 s.
    let uri = "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example";
    assert_eq!(
        code_at(&parse(uri).unwrap(), 1_700_000_000),
        "324550",
        "{uri}"
    );
    // RFC 4226 Appendix D, counter 7.
    let uri = "otpauth://hotp/RFC:4226?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=7";
    let spec = parse(uri).unwrap();
    let OtpKind::Hotp { counter } = spec.params.kind else {
        panic!("{uri}: not HOTP")
    };
    match spec.generator() {
        Generator::Hotp(hotp) => assert_eq!(hotp.code(counter).to_string(), "162583", "{uri}"),
        Generator::Totp(_) => panic!("{uri}: not HOTP"),
    }
}

#[test]
fn strict_cases_give_the_expected_error_without_the_secret() {
    const SECRET: &str = "JBSWY3DPEHPK3PXP";
    let table: Vec<(&str, UriError)> = vec![
        (
            "https://example.com/?secret=JBSWY3DPEHPK3PXP",
            UriError::NotOtpauth,
        ),
        (
            "otpauth:totp/x?secret=JBSWY3DPEHPK3PXP",
            UriError::NotOtpauth,
        ),
        ("", UriError::NotOtpauth),
        (
            "otpauth://xotp/x?secret=JBSWY3DPEHPK3PXP",
            UriError::UnknownType("xotp".into()),
        ),
        ("otpauth://totp/x?issuer=A", UriError::MissingSecret),
        ("otpauth://totp/x?secret=&issuer=A", UriError::MissingSecret),
        (
            "otpauth://totp/x?secret=%20%3D%3D",
            UriError::BadSecret(Base32Error::Empty),
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PX1",
            UriError::BadSecret(Base32Error::InvalidCharacter { position: 16 }),
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXPA",
            UriError::BadSecret(Base32Error::InvalidLength(17)),
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5",
            UriError::UnknownAlgorithm("MD5".into()),
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=5",
            UriError::BadDigits("5".into()),
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=10",
            UriError::BadDigits("10".into()),
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=six",
            UriError::BadDigits("six".into()),
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=0",
            UriError::BadPeriod("0".into()),
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=3601",
            UriError::BadPeriod("3601".into()),
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=-30",
            UriError::BadPeriod("-30".into()),
        ),
        (
            "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP",
            UriError::HotpWithoutCounter,
        ),
        (
            "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=",
            UriError::HotpWithoutCounter,
        ),
        (
            "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=-1",
            UriError::BadCounter("-1".into()),
        ),
        (
            "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=18446744073709551616",
            UriError::BadCounter("18446744073709551616".into()),
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&secret=GEZDGNBVGY3TQOJQ",
            UriError::DuplicateParameter("secret".into()),
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=6&Digits=8",
            UriError::DuplicateParameter("digits".into()),
        ),
        (
            "otpauth://totp/100%?secret=JBSWY3DPEHPK3PXP",
            UriError::BadPercentEncoding,
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&issuer=%G1",
            UriError::BadPercentEncoding,
        ),
        (
            "otpauth://totp/%FF?secret=JBSWY3DPEHPK3PXP",
            UriError::InvalidUtf8,
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&issuer=%C3",
            UriError::InvalidUtf8,
        ),
    ];
    for (uri, want) in table {
        let got = parse(uri);
        assert_eq!(got, Err(want.clone()), "{uri}");
        let message = want.to_string();
        assert!(!message.contains(SECRET), "{uri}: {message}");
        assert!(!message.contains("secret="), "{uri}: {message}");
    }
}

#[test]
fn errors_echo_at_most_a_short_excerpt() {
    let long = "9".repeat(500);
    let uri = format!("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits={long}");
    assert_eq!(
        parse(&uri),
        Err(UriError::BadDigits("9".repeat(32))),
        "{uri}"
    );
}

fn spec(issuer: Option<&str>, account: &str, kind: OtpKind) -> TokenSpec {
    TokenSpec {
        issuer: issuer.map(str::to_owned),
        account: account.to_owned(),
        secret: decode_base32_secret("JBSWY3DPEHPK3PXP").unwrap(),
        params: OtpParams {
            algorithm: SHA1,
            digits: Digits::SIX,
            kind,
        },
    }
}

#[test]
fn format_writes_the_conventional_shape() {
    let cases = [
        (
            spec(Some("Example"), "alice@google.com", totp(30)),
            "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example&algorithm=SHA1&digits=6&period=30",
        ),
        (
            spec(Some("Big Shop"), "a+b@x.org", totp(60)),
            "otpauth://totp/Big%20Shop:a%2Bb@x.org?secret=JBSWY3DPEHPK3PXP&issuer=Big%20Shop&algorithm=SHA1&digits=6&period=60",
        ),
        (
            spec(None, "dave", hotp(3)),
            "otpauth://hotp/dave?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&counter=3",
        ),
        (
            spec(None, "uid:ivan", totp(30)),
            "otpauth://totp/:uid%3Aivan?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30",
        ),
        (
            spec(Some("A:B"), "x", totp(30)),
            "otpauth://totp/:x?secret=JBSWY3DPEHPK3PXP&issuer=A%3AB&algorithm=SHA1&digits=6&period=30",
        ),
        (
            spec(Some("みずほ"), "taro", totp(30)),
            "otpauth://totp/%E3%81%BF%E3%81%9A%E3%81%BB:taro?secret=JBSWY3DPEHPK3PXP&issuer=%E3%81%BF%E3%81%9A%E3%81%BB&algorithm=SHA1&digits=6&period=30",
        ),
    ];
    for (spec, want) in cases {
        assert_eq!(*format(&spec), want, "{spec:?}");
        assert_eq!(parse(want), Ok(spec), "{want}");
    }
}

#[test]
fn awkward_labels_round_trip() {
    let specials = [
        "",
        " ",
        "  lead",
        "trail  ",
        "a+b",
        "a b",
        ":",
        "::",
        "a:b",
        " :b",
        "?",
        "#",
        "%",
        "%41",
        "&",
        "/",
        "=",
        "a&issuer=evil",
        "x?secret=AAAA",
        "\u{0}",
        "\t",
        "é",
        "日本",
        "🙂",
        "\\",
    ];
    for issuer in specials.iter().map(|s| Some(*s)).chain([None]) {
        for account in specials {
            let mut want = spec(issuer, account, totp(30));
            let uri = format(&want);
            if want.issuer.as_deref() == Some("") {
                want.issuer = None;
            }
            assert_eq!(parse(&uri), Ok(want), "{}", *uri);
        }
    }
}

#[test]
fn t0_is_always_zero_from_uris() {
    let mut spec = spec(Some("A"), "b", totp(30));
    spec.params.kind = OtpKind::Totp {
        step: Step::THIRTY_SECONDS,
        t0: 1000,
    };
    let back = parse(&format(&spec)).unwrap();
    assert_eq!(back.params.kind, totp(30));
}

// ---- parse_any ----

#[test]
fn parse_any_chooses_by_scheme() {
    let uri = "\n OtpAuth://totp/A:b?secret=JBSWY3DPEHPK3PXP \t";
    assert_eq!(parse_any(uri).map(|v| v.len()), Ok(1), "{uri}");
    let uri = format!(" OTPAUTH-MIGRATION://offline?data={REAL_EXPORT}\n");
    assert_eq!(parse_any(&uri).map(|v| v.len()), Ok(4), "{uri}");
    for text in [
        "",
        "hello",
        "https://x",
        "otpauth",
        "otpauthx://totp/a?secret=AA",
    ] {
        assert_eq!(parse_any(text), Err(UriError::NotOtpauth), "{text}");
    }
    assert_eq!(
        parse_migration("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP"),
        Err(UriError::NotMigration)
    );
}

// ---- migration ----

/// Issuer, account, secret bytes, algorithm, digits and kind of a token.
type Fields<'a> = (Option<&'a str>, &'a str, &'a [u8], Algorithm, u8, OtpKind);

/// An export made independently of prost: the protobuf bytes were written by
/// hand (varints and length prefixes) in Python, then base64- and
/// percent-encoded. Four tokens: Google TOTP (name only, issuer field set),
/// `ACME Co:john.doe@email.com` SHA256/8 digits (issuer only in the name),
/// an HOTP token with counter 7 and unspecified algorithm/digits, and a
/// Japanese `issuer:account` SHA512/7-digit token; version 1, batch 0 of 1,
/// batch id -1234567 (a 10-byte varint).
const REAL_EXPORT: &str = "CiwKCkhlbGxvId6tvu8SEGFsaWNlQGdvb2dsZS5jb20aBkdvb2dsZSABKAEwAgo6ChQxMjM0NTY3ODkwMTIzNDU2Nzg5MBIaQUNNRSBDbzpqb2huLmRvZUBlbWFpbC5jb20aACACKAIwAgoyChQxMjM0NTY3ODkwMTIzNDU2Nzg5MBIJaG90cC11c2VyGgdFeGFtcGxlIAAoADABOAcKQwoUAAECAwQFBgcICQoLDA0ODxAREhMSFOOBv%2BOBmuOBu%2BmKgOihjDp0YXJvGg%2Fjgb%2FjgZrjgbvpioDooYwgAygDMAIQARgBIAAo%2BdK0%2F%2F%2F%2F%2F%2F%2F%2FAQ%3D%3D";

#[test]
fn real_export_decodes_field_by_field() {
    let uri = format!("otpauth-migration://offline?data={REAL_EXPORT}");
    let specs = parse_migration(&uri).unwrap();
    let rfc = b"12345678901234567890".as_slice();
    let counting: Vec<u8> = (0..20).collect();
    let want: [Fields; 4] = [
        (
            Some("Google"),
            "alice@google.com",
            b"Hello!\xde\xad\xbe\xef",
            SHA1,
            6,
            totp(30),
        ),
        (
            Some("ACME Co"),
            "john.doe@email.com",
            rfc,
            SHA256,
            8,
            totp(30),
        ),
        (Some("Example"), "hotp-user", rfc, SHA1, 6, hotp(7)),
        (Some("みずほ銀行"), "taro", &counting, SHA512, 7, totp(30)),
    ];
    assert_eq!(specs.len(), want.len());
    for (i, (spec, (issuer, account, secret, algorithm, digits, kind))) in
        specs.iter().zip(want).enumerate()
    {
        assert_eq!(spec.issuer.as_deref(), issuer, "token {i}");
        assert_eq!(spec.account, account, "token {i}");
        assert_eq!(spec.secret.expose(), secret, "token {i}");
        assert_eq!(spec.params.algorithm, algorithm, "token {i}");
        assert_eq!(spec.params.digits.get(), digits, "token {i}");
        assert_eq!(spec.params.kind, kind, "token {i}");
    }
    // Codes computed with Python's hmac.
    assert_eq!(code_at(&specs[0], 1_700_000_000), "324550");
    assert_eq!(code_at(&specs[3], 1_700_000_000), "0104614");
}

fn entry(
    secret: &[u8],
    name: &str,
    issuer: &str,
    algorithm: i32,
    digits: i32,
    kind: i32,
) -> OtpParameters {
    OtpParameters {
        secret: secret.to_vec(),
        name: name.to_owned(),
        issuer: issuer.to_owned(),
        algorithm,
        digits,
        r#type: kind,
        counter: 0,
    }
}

fn payload(entries: Vec<OtpParameters>) -> Vec<u8> {
    MigrationPayload {
        otp_parameters: entries,
        version: 1,
        batch_size: 1,
        batch_index: 0,
        batch_id: 42,
    }
    .encode_to_vec()
}

fn export_uri(bytes: &[u8]) -> String {
    let b64 = data_encoding::BASE64.encode(bytes);
    format!(
        "otpauth-migration://offline?data={}",
        encode_component(&b64)
    )
}

#[test]
fn built_exports_decode_every_enum() {
    let mut counter_entry = entry(b"hotp-secret", "counter", "", 1, 1, 1);
    counter_entry.counter = 123_456_789_012;
    let entries = vec![
        entry(b"a", "plain", "", 0, 0, 2),
        entry(b"b", "sha1", "", 1, 1, 2),
        entry(b"c", "sha256", "", 2, 2, 2),
        entry(b"d", "sha512", "", 3, 3, 2),
        counter_entry,
        // Name prefix equal to the issuer: split.
        entry(b"e", "Same: user", "Same", 1, 1, 2),
        // Name prefix differs from the issuer: the name is the account.
        entry(b"f", "Other:user", "Issuer", 1, 1, 2),
        // Empty name prefix.
        entry(b"g", ":user", "", 1, 1, 2),
    ];
    let uri = export_uri(&payload(entries));
    let specs = parse_migration(&uri).unwrap();
    let got: Vec<_> = specs
        .iter()
        .map(|s| {
            (
                s.issuer.as_deref(),
                s.account.as_str(),
                s.secret.expose(),
                s.params.algorithm,
                s.params.digits.get(),
                s.params.kind,
            )
        })
        .collect();
    let want: Vec<Fields> = vec![
        (None, "plain", b"a", SHA1, 6, totp(30)),
        (None, "sha1", b"b", SHA1, 6, totp(30)),
        (None, "sha256", b"c", SHA256, 8, totp(30)),
        (None, "sha512", b"d", SHA512, 7, totp(30)),
        (
            None,
            "counter",
            b"hotp-secret",
            SHA1,
            6,
            hotp(123_456_789_012),
        ),
        (Some("Same"), "user", b"e", SHA1, 6, totp(30)),
        (Some("Issuer"), "Other:user", b"f", SHA1, 6, totp(30)),
        (None, "user", b"g", SHA1, 6, totp(30)),
    ];
    assert_eq!(got, want);
}

#[test]
fn export_base64_is_read_leniently() {
    // 11 bytes of payload → base64 with padding and with '+' and '/'.
    let bytes = payload(vec![entry(&[0xfb, 0xff, 0xfe], "x", "", 1, 1, 2)]);
    let standard = data_encoding::BASE64.encode(&bytes);
    assert!(
        standard.contains('+') || standard.contains('/'),
        "{standard}"
    );
    let want = parse_migration(&export_uri(&bytes)).unwrap();
    let variants = [
        // '+' left unescaped: form decoding turns it into a space.
        standard.clone(),
        // Padding dropped.
        standard.trim_end_matches('=').to_owned(),
        // URL-safe alphabet.
        standard.replace('+', "-").replace('/', "_"),
    ];
    for data in variants {
        let uri = format!("otpauth-migration://offline?data={data}");
        assert_eq!(parse_migration(&uri).as_ref(), Ok(&want), "{uri}");
    }
}

#[test]
fn bad_exports_say_what_is_wrong() {
    let md5 = export_uri(&payload(vec![
        entry(b"ok", "first", "", 1, 1, 2),
        entry(b"md5", "second", "", 4, 1, 2),
    ]));
    let mut negative = entry(b"k", "n", "", 1, 1, 1);
    negative.counter = -5;
    let cases: Vec<(String, UriError)> = vec![
        (
            md5,
            UriError::BadMigrationData(MigrationError::UnsupportedAlgorithm {
                index: 1,
                name: "MD5".into(),
            }),
        ),
        (
            export_uri(&payload(vec![entry(b"k", "n", "", 9, 1, 2)])),
            UriError::BadMigrationData(MigrationError::UnsupportedAlgorithm {
                index: 0,
                name: "#9".into(),
            }),
        ),
        (
            export_uri(&payload(vec![entry(b"k", "n", "", 1, 4, 2)])),
            UriError::BadMigrationData(MigrationError::UnsupportedDigits { index: 0, value: 4 }),
        ),
        (
            export_uri(&payload(vec![entry(b"k", "n", "", 1, 1, 0)])),
            UriError::BadMigrationData(MigrationError::UnsupportedType { index: 0, value: 0 }),
        ),
        (
            export_uri(&payload(vec![entry(b"k", "n", "", 1, 1, 3)])),
            UriError::BadMigrationData(MigrationError::UnsupportedType { index: 0, value: 3 }),
        ),
        (
            export_uri(&payload(vec![negative])),
            UriError::BadMigrationData(MigrationError::NegativeCounter {
                index: 0,
                value: -5,
            }),
        ),
        (
            export_uri(&payload(vec![entry(b"", "n", "", 1, 1, 2)])),
            UriError::BadMigrationData(MigrationError::BadSecret {
                index: 0,
                reason: OtpError::EmptySecret,
            }),
        ),
        (
            export_uri(&payload(vec![entry(
                &[7; Secret::MAX_LEN + 1],
                "n",
                "",
                1,
                1,
                2,
            )])),
            UriError::BadMigrationData(MigrationError::BadSecret {
                index: 0,
                reason: OtpError::SecretTooLong(Secret::MAX_LEN + 1),
            }),
        ),
        (export_uri(&payload(vec![])), UriError::EmptyMigration),
        (
            "otpauth-migration://offline?data=".into(),
            UriError::BadMigrationData(MigrationError::MissingData),
        ),
        (
            "otpauth-migration://offline".into(),
            UriError::BadMigrationData(MigrationError::MissingData),
        ),
        (
            "otpauth-migration://offline?data=!!!not*base64".into(),
            UriError::BadMigrationData(MigrationError::NotBase64),
        ),
        (
            "otpauth-migration://offline?data=A".into(),
            UriError::BadMigrationData(MigrationError::NotBase64),
        ),
        (
            // Base64 of 0x0a 0xff: field 1, length 255, nothing follows.
            "otpauth-migration://offline?data=Cv8".into(),
            UriError::BadMigrationData(MigrationError::NotProtobuf),
        ),
        (
            // Wire type 7 does not exist.
            "otpauth-migration://offline?data=Dw".into(),
            UriError::BadMigrationData(MigrationError::NotProtobuf),
        ),
        (
            "otpauth-migration://offline?data=AA&data=AA".into(),
            UriError::DuplicateParameter("data".into()),
        ),
        (
            "otpauth-migration://offline?data=%ZZ".into(),
            UriError::BadPercentEncoding,
        ),
    ];
    for (uri, want) in cases {
        assert_eq!(parse_migration(&uri), Err(want.clone()), "{uri}");
        let message = want.to_string();
        assert!(!message.contains("data="), "{uri}: {message}");
    }
}

#[test]
fn migration_error_messages_count_from_one() {
    let error = UriError::BadMigrationData(MigrationError::UnsupportedAlgorithm {
        index: 1,
        name: "MD5".into(),
    });
    assert_eq!(
        error.to_string(),
        "bad migration export: token 2 of the export uses the unsupported algorithm MD5"
    );
}

// ---- properties ----

fn label_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ a-zA-Z0-9+:?#%&/=@éß日本🙂\t]{0,16}",
        "( |:)[a-z:]{0,6}",
    ]
}

fn any_algorithm() -> impl Strategy<Value = Algorithm> {
    prop_oneof![Just(SHA1), Just(SHA256), Just(SHA512)]
}

fn any_kind() -> impl Strategy<Value = OtpKind> {
    prop_oneof![
        (1u64..=3600).prop_map(totp),
        Just(totp(30)),
        any::<u64>().prop_map(hotp),
    ]
}

fn any_spec() -> impl Strategy<Value = TokenSpec> {
    (
        proptest::option::of(label_text()),
        label_text(),
        proptest::collection::vec(any::<u8>(), 1..=64),
        any_algorithm(),
        6u64..=8,
        any_kind(),
    )
        .prop_map(
            |(issuer, account, secret, algorithm, digits, kind)| TokenSpec {
                issuer: issuer.filter(|i| !i.is_empty()),
                account,
                secret: Secret::new(secret).unwrap(),
                params: OtpParams {
                    algorithm,
                    digits: Digits::new(digits).unwrap(),
                    kind,
                },
            },
        )
}

fn uri_like() -> impl Strategy<Value = String> {
    let tail = prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9%:/?#&=+ -]{0,40}",
        "(secret|issuer|algorithm|digits|period|counter|data)=[A-Za-z0-9%+-]{0,12}(&(secret|issuer|algorithm|digits|period|counter|data)=[A-Za-z0-9%+-]{0,12}){0,5}",
    ];
    let head = prop_oneof![
        Just(""),
        Just("otpauth://totp/"),
        Just("otpauth://hotp/"),
        Just("otpauth://totp/A:b?"),
        Just("otpauth://hotp/A:b?secret=JBSWY3DPEHPK3PXP&"),
        Just("otpauth-migration://offline?"),
        Just("otpauth-migration://offline?data="),
    ];
    (head, tail).prop_map(|(head, tail)| format!("{head}{tail}"))
}

proptest! {
    #[test]
    fn format_then_parse_is_identity(spec in any_spec()) {
        let uri = format(&spec);
        prop_assert_eq!(parse(&uri), Ok(spec.clone()), "{}", &*uri);
        prop_assert_eq!(parse_any(&uri), Ok(vec![spec]), "{}", &*uri);
    }

    #[test]
    fn no_input_makes_the_parsers_panic(text in uri_like()) {
        // Reaching the end is the property; errors must not leak the input
        // wholesale either.
        for result in [parse(&text).map(|s| vec![s]), parse_migration(&text), parse_any(&text)] {
            if let Err(error) = result {
                let message = error.to_string();
                prop_assert!(text.len() < 40 || !message.contains(text.as_str()), "{}", message);
            }
        }
    }

    #[test]
    fn arbitrary_bytes_as_lossy_text_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse(&text);
        let _ = parse_migration(&text);
        let _ = parse_any(&text);
    }

    #[test]
    fn arbitrary_export_payloads_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let uri = export_uri(&bytes);
        let _ = parse_migration(&uri);
        let _ = parse_any(&uri);
    }

    #[test]
    fn generated_exports_round_trip(
        entries in proptest::collection::vec(
            (proptest::collection::vec(any::<u8>(), 1..=64), "[a-z@.]{0,12}", "[A-Z][a-z]{0,8}|", 0i32..=3, 0i32..=3, 1i32..=2, 0i64..=i64::MAX),
            1..8,
        )
    ) {
        let built: Vec<OtpParameters> = entries
            .iter()
            .map(|(secret, name, issuer, algorithm, digits, kind, counter)| OtpParameters {
                secret: secret.clone(),
                name: name.clone(),
                issuer: issuer.clone(),
                algorithm: *algorithm,
                digits: *digits,
                r#type: *kind,
                counter: *counter,
            })
            .collect();
        let specs = parse_migration(&export_uri(&payload(built))).unwrap();
        prop_assert_eq!(specs.len(), entries.len());
        for (spec, (secret, name, issuer, _, _, kind, counter)) in specs.iter().zip(&entries) {
            prop_assert_eq!(spec.secret.expose(), secret.as_slice());
            prop_assert_eq!(&spec.account, name);
            prop_assert_eq!(spec.issuer.as_deref(), Some(issuer.as_str()).filter(|i| !i.is_empty()));
            match spec.params.kind {
                OtpKind::Hotp { counter: c } => prop_assert!(*kind == 1 && c == *counter as u64),
                OtpKind::Totp { step, t0 } => prop_assert!(*kind == 2 && step.as_secs() == 30 && t0 == 0),
            }
            // Every decoded export token survives an otpauth round trip.
            let back = parse(&format(spec));
            prop_assert_eq!(back.as_ref(), Ok(spec));
        }
    }
}

/// Ichie's Google Authenticator export reads back to the same tokens, in
/// batches of 5, with the fields Google's format defines.
#[test]
fn migration_exports_round_trip_in_batches() {
    let mut specs = Vec::new();
    for (i, (algorithm, digits)) in [(SHA1, 6), (Algorithm::Sha256, 8), (Algorithm::Sha512, 7)]
        .into_iter()
        .cycle()
        .take(12)
        .enumerate()
    {
        let mut token = spec(
            if i % 2 == 0 {
                Some("みずほ銀行")
            } else {
                None
            },
            &format!("user{i}@example.com"),
            if i == 4 { hotp(41) } else { totp(30) },
        );
        token.params.algorithm = algorithm;
        token.params.digits = Digits::new(digits).unwrap();
        specs.push(token);
    }
    let refs: Vec<&TokenSpec> = specs.iter().collect();
    let uris = format_migration(&refs, 77).unwrap();
    assert_eq!(uris.len(), 3);
    let mut back = Vec::new();
    for (index, uri) in uris.iter().enumerate() {
        assert!(
            uri.starts_with("otpauth-migration://offline?data="),
            "{}",
            **uri
        );
        let data = uri.split_once("data=").unwrap().1;
        let data: String = form_urlencoded::parse(format!("d={data}").as_bytes())
            .next()
            .unwrap()
            .1
            .into_owned();
        let bytes = data_encoding::BASE64.decode(data.as_bytes()).unwrap();
        let payload = MigrationPayload::decode(bytes.as_slice()).unwrap();
        assert_eq!(
            (
                payload.version,
                payload.batch_size,
                payload.batch_index,
                payload.batch_id
            ),
            (1, 3, i32::try_from(index).unwrap(), 77)
        );
        assert_eq!(payload.otp_parameters.len(), if index < 2 { 5 } else { 2 });
        back.extend(parse_migration(uri).unwrap());
    }
    assert_eq!(back, specs);
    // A real Google Authenticator export survives decode → encode → decode.
    let real = parse_migration(&format!("otpauth-migration://offline?data={REAL_EXPORT}")).unwrap();
    let again: Vec<TokenSpec> = format_migration(&real.iter().collect::<Vec<_>>(), 1)
        .unwrap()
        .iter()
        .flat_map(|uri| parse_migration(uri).unwrap())
        .collect();
    assert_eq!(again, real);
}

#[test]
fn migration_exports_refuse_what_the_format_cannot_carry() {
    let sixty = spec(Some("Bank"), "taro", totp(60));
    let mut shifted = spec(Some("Bank"), "jiro", totp(30));
    shifted.params.kind = OtpKind::Totp {
        step: Step::THIRTY_SECONDS,
        t0: 5,
    };
    for (token, why) in [(&sixty, "period"), (&shifted, "T0")] {
        let err = format_migration(&[token], 1).unwrap_err();
        assert!(
            matches!(&err, UriError::NotMigratable { why: w, .. } if w.contains(why)),
            "{err}"
        );
        assert!(!err.to_string().contains("JBSWY3DPEHPK3PXP"));
    }
    assert_eq!(
        format_migration(&[], 1).unwrap_err(),
        UriError::EmptyMigration
    );
}

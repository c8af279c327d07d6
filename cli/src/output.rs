//! Printing for people (tables, the countdown screen) and for scripts (JSON).
//! Every printer writes to any `Write`, so tests read what a user would see.

use std::io::{self, Write};

use ichie_core::app::TokenView;
use ichie_core::token::TokenState;
use serde::Serialize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Writes `value` as one line of JSON.
pub fn json<W: Write, T: Serialize + ?Sized>(out: &mut W, value: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    writeln!(out)
}

/// Splits a code in two halves for reading aloud: `123 456`, `1234 5678`.
pub fn grouped(code: &str) -> String {
    let mid = code.len() / 2;
    match (code.get(..mid), code.get(mid..)) {
        (Some(a), Some(b)) if code.len() >= 6 => format!("{a} {b}"),
        _ => code.to_owned(),
    }
}

fn name_width(views: &[TokenView]) -> usize {
    views
        .iter()
        .map(|v| v.name.width())
        .max()
        .unwrap_or(0)
        .clamp(4, 40)
}

/// The name cut to `width` terminal columns and padded to exactly that many
/// (CJK characters take two columns, so `{:<width$}` would misalign them).
fn fitted(name: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    let cut = name.width() > width;
    for c in name.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - usize::from(cut) {
            break;
        }
        out.push(c);
        used += w;
    }
    if cut {
        out.push('…');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

fn revoked_note(view: &TokenView) -> &'static str {
    match view.state {
        TokenState::Revoked => "  (revoked by the issuer)",
        _ => "",
    }
}

/// The `list` table: position, name, current code, seconds left.
pub fn token_table<W: Write>(out: &mut W, views: &[TokenView]) -> io::Result<()> {
    if views.is_empty() {
        return writeln!(out, "No tokens yet. Add one with `ichie add`.");
    }
    let width = name_width(views);
    for (i, v) in views.iter().enumerate() {
        let name = fitted(&v.name, width);
        match (&v.code, v.ms_until_next, v.counter) {
            (Some(code), Some(left), _) => writeln!(
                out,
                "{:>2}  {name}  {:<9}  {:>2}s{}",
                i + 1,
                grouped(code),
                left.div_ceil(1000),
                revoked_note(v)
            )?,
            (_, _, Some(counter)) => writeln!(
                out,
                "{:>2}  {name}  HOTP #{counter} (`ichie code` for the next){}",
                i + 1,
                revoked_note(v)
            )?,
            _ => writeln!(out, "{:>2}  {name}  -{}", i + 1, revoked_note(v))?,
        }
    }
    Ok(())
}

/// The line that says a clock correction is in effect (nothing when there is none).
pub fn correction_note<W: Write>(out: &mut W, correction_ms: i64) -> io::Result<()> {
    if correction_ms == 0 {
        return Ok(());
    }
    writeln!(
        out,
        "(clock correction {:+.3} s applied to every code; `ichie clock --clear` removes it)",
        correction_ms as f64 / 1000.0
    )
}

const BAR_WIDTH: usize = 20;

/// A countdown bar: full when a code is fresh, empty when it is about to change.
pub fn countdown_bar(ms_left: u64, period_s: u32) -> String {
    let period_ms = u64::from(period_s.max(1)) * 1000;
    let filled = (ms_left.min(period_ms) * BAR_WIDTH as u64).div_ceil(period_ms) as usize;
    format!("{}{}", "█".repeat(filled), "░".repeat(BAR_WIDTH - filled))
}

/// One screen of `watch`: every token with code, next code and countdown.
pub fn watch_frame<W: Write>(
    out: &mut W,
    views: &[TokenView],
    correction_ms: i64,
) -> io::Result<()> {
    if views.is_empty() {
        return writeln!(out, "No tokens yet. Add one with `ichie add`.");
    }
    let width = name_width(views);
    for v in views {
        let name = fitted(&v.name, width);
        match (&v.code, &v.next_code, v.ms_until_next, v.period_s) {
            _ if v.state == TokenState::Revoked => {
                writeln!(out, "{name}  revoked by the issuer: no codes")?
            }
            (Some(code), Some(next), Some(left), Some(period)) => writeln!(
                out,
                "{name}  {:<9}  {} {:>2}s  next {}{}",
                grouped(code),
                countdown_bar(left, period),
                left.div_ceil(1000),
                grouped(next),
                revoked_note(v)
            )?,
            _ => writeln!(
                out,
                "{name}  HOTP #{} — `ichie code` shows the next code",
                v.counter.unwrap_or(0)
            )?,
        }
    }
    correction_note(out, correction_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_split_in_halves() {
        assert_eq!(grouped("123456"), "123 456");
        assert_eq!(grouped("1234567"), "123 4567");
        assert_eq!(grouped("12345678"), "1234 5678");
    }

    #[test]
    fn names_are_fitted_to_terminal_columns() {
        assert_eq!(fitted("abc", 5), "abc  ");
        assert_eq!(fitted("みずほ", 8), "みずほ  ");
        assert_eq!(fitted("abcdefgh", 5), "abcd…");
        assert_eq!(fitted("みずほ銀行", 6), "みず… ");
    }

    #[test]
    fn the_bar_empties_as_time_runs_out() {
        assert_eq!(countdown_bar(30_000, 30), "█".repeat(20));
        assert_eq!(
            countdown_bar(15_000, 30),
            format!("{}{}", "█".repeat(10), "░".repeat(10))
        );
        assert_eq!(countdown_bar(1, 30), format!("█{}", "░".repeat(19)));
        assert_eq!(countdown_bar(99_000, 30), "█".repeat(20));
    }
}

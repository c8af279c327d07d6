//! The live screen: codes, next codes and countdown bars, redrawn each second.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use ichie_core::app::App;

use crate::commands::CliError;
use crate::output;

/// Redraws every token once a second, `count` times (forever when `None` on a
/// terminal, once when the output is not a terminal).
pub fn run<W: Write>(
    app: &mut App,
    out: &mut W,
    count: Option<u64>,
    json: bool,
) -> Result<(), CliError> {
    let interactive = std::io::stdout().is_terminal() && !json;
    let frames = count.unwrap_or(if interactive { u64::MAX } else { 1 });
    for frame in 0..frames {
        // Another process (or the phone sync of a later version) may have
        // changed the vault since the last frame.
        app.reload()?;
        let views = app.list()?;
        if json {
            output::json(out, &views)?;
        } else {
            if interactive {
                // Clear the screen and go home, then draw.
                write!(out, "\x1b[2J\x1b[H")?;
            } else if frame > 0 {
                writeln!(out)?;
            }
            output::watch_frame(out, &views, app.clock_correction_ms())?;
        }
        out.flush()?;
        if frame + 1 < frames {
            let into_second = app.corrected_now_ms() % 1000;
            std::thread::sleep(Duration::from_millis(1000 - into_second));
        }
    }
    Ok(())
}

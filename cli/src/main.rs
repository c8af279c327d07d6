//! `ichie`: the host token app.

use std::process::ExitCode;

mod cli;
mod commands;
mod exit;
mod network;
mod output;
mod qr;
mod secrets;
mod watch;

fn main() -> ExitCode {
    let args = <cli::Args as clap::Parser>::parse();
    match commands::run(args) {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("ichie: {err}");
            exit::Exit::from(&err).into()
        }
    }
}

//! The `ichie-server` binary: see `ichie-server --help` and docs/operations.md.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    ichie_server::cli::run()
}

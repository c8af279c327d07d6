//! Passphrases and typed secrets: from the environment (scripts) or a prompt
//! without echo (people).

use std::io::IsTerminal;

use zeroize::Zeroizing;

use crate::commands::CliError;

/// The vault passphrase variable.
pub const VAULT_PASSPHRASE_ENV: &str = "ICHIE_PASSPHRASE";
/// The activation password variable (for scripts and the demo).
pub const ACTIVATION_PASSWORD_ENV: &str = "ICHIE_ACTIVATION_PASSWORD";
/// The backup passphrase variable.
pub const BACKUP_PASSPHRASE_ENV: &str = "ICHIE_BACKUP_PASSPHRASE";
/// The environment variable `ichie passwd` reads the new passphrase from.
pub const NEW_PASSPHRASE_ENV: &str = "ICHIE_NEW_PASSPHRASE";

/// Reads a passphrase from `env_var`, or asks for it on the terminal; with
/// `confirm`, asks twice and insists that both match.
pub fn passphrase(
    env_var: &str,
    prompt: &str,
    confirm: bool,
) -> Result<Zeroizing<String>, CliError> {
    if let Ok(value) = std::env::var(env_var) {
        return non_empty(Zeroizing::new(value), env_var);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::NoPassphrase(env_var.to_owned()));
    }
    let first = non_empty(ask(prompt)?, env_var)?;
    if confirm {
        let second = ask("Repeat it: ")?;
        if *first != *second {
            return Err(CliError::PassphraseMismatch);
        }
    }
    Ok(first)
}

/// Asks for a secret without echo.
pub fn ask(prompt: &str) -> Result<Zeroizing<String>, CliError> {
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| CliError::Io("reading from the terminal".into(), e))
}

fn non_empty(value: Zeroizing<String>, env_var: &str) -> Result<Zeroizing<String>, CliError> {
    if value.is_empty() {
        Err(CliError::NoPassphrase(env_var.to_owned()))
    } else {
        Ok(value)
    }
}

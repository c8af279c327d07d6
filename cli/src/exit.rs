//! Exit codes, in one place, so scripts can tell failures apart.

use std::process::ExitCode;

use ichie_core::activation::ActivationClientError;
use ichie_core::app::AppError;
use ichie_core::vault::VaultError;

use crate::commands::CliError;

/// How `ichie` ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked.
    Success = 0,
    /// Any failure not listed below.
    Failure = 1,
    /// The passphrase does not open the vault (or the backup).
    WrongPassphrase = 3,
    /// The vault holds as many tokens as it may.
    VaultFull = 4,
    /// The clock is so far off that codes are wrong.
    ClockWrong = 5,
    /// No token, or more than one, matches the name given.
    NoSuchToken = 6,
    /// The activation password was wrong.
    WrongPassword = 7,
    /// Locked after too many wrong attempts; an administrator must unlock it.
    Locked = 8,
}

impl From<Exit> for ExitCode {
    fn from(value: Exit) -> Self {
        ExitCode::from(value as u8)
    }
}

impl From<&CliError> for Exit {
    fn from(err: &CliError) -> Self {
        match err {
            CliError::App(AppError::Vault(VaultError::WrongKey))
            | CliError::App(AppError::Backup(ichie_core::backup::BackupError::WrongPassphrase)) => {
                Self::WrongPassphrase
            }
            CliError::App(AppError::Vault(VaultError::Full { .. })) => Self::VaultFull,
            CliError::App(AppError::NoMatch(_) | AppError::Ambiguous { .. }) => Self::NoSuchToken,
            CliError::App(AppError::ClockOff { .. }) => Self::ClockWrong,
            CliError::App(AppError::Activation(ActivationClientError::WrongPassword {
                ..
            })) => Self::WrongPassword,
            CliError::App(AppError::Activation(ActivationClientError::Locked)) => Self::Locked,
            _ => Self::Failure,
        }
    }
}

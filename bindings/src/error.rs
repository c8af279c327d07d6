//! `IchieError`: every refusal of the core, folded into the few cases a UI acts on.
//!
//! Kotlin sees it as `IchieException.<Variant>`, Swift as `IchieError.<variant>`.
//! Messages are short and never carry a secret (no key, seed, code or password).

use ichie_core::activation::{ActivationClientError, ActivationError};
use ichie_core::app::AppError;
use ichie_core::backup::BackupError;
use ichie_core::clock::ClockError;
use ichie_core::https::{HttpsError, TransportError};
use ichie_core::vault::VaultError;

/// Why a call failed, as the app must react to it.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum IchieError {
    /// The activation password is wrong; this many tries remain.
    #[error("wrong activation password ({attempts_left} attempts left)")]
    WrongActivationPassword {
        /// Tries left before the issuance locks.
        attempts_left: u32,
    },
    /// Too many wrong passwords: the service must unlock the issuance.
    #[error("locked after too many wrong attempts")]
    Locked,
    /// No pending activation for this service and user (unknown, expired or already used).
    #[error("no pending activation (unknown, expired or already used)")]
    ExpiredOrUnknown,
    /// The service revoked the token.
    #[error("the token was revoked by the service")]
    Revoked,
    /// The server asks the app to slow down.
    #[error("too many requests; try again later")]
    RateLimited,
    /// The server's answer does not verify against the pinned key: forged,
    /// altered, or signed with a key not pinned for the service.
    #[error("the server's answer does not verify against the pinned key: {reason}")]
    SignatureMismatch {
        /// What did not verify.
        reason: String,
    },
    /// An activation link names a service the app's directory lists, with
    /// another server or signing key: a forged link (phishing). Nothing was sent.
    #[error("the link does not match the service {service_id} the app knows: its {what} differs")]
    LinkMismatch {
        /// The service the link names.
        service_id: String,
        /// What differs: "server URL" or "signing key".
        what: String,
    },
    /// An activation link for a service the directory does not list, and the
    /// user has not confirmed its server and key (see `inspect_activation_link`).
    #[error("unknown service at {host} (key {key_fingerprint}): confirm it first")]
    UnconfirmedService {
        /// The server's host, from the link.
        host: String,
        /// The fingerprint of the link's signing key.
        key_fingerprint: String,
    },
    /// The device clock is so far off that codes would be refused.
    #[error("the device clock is off by {offset_ms} ms")]
    ClockOff {
        /// Server time minus device time, in milliseconds.
        offset_ms: i64,
    },
    /// A clock correction was not stored: beyond 24 h, too uncertain, or
    /// beyond 5 minutes without `force` (`needs_force`).
    #[error("clock correction refused: {reason}")]
    CorrectionRefused {
        /// Why, in words.
        reason: String,
        /// Whether forcing would store it.
        needs_force: bool,
    },
    /// The vault holds as many tokens as it may.
    #[error("the vault is full: it holds at most {limit} tokens")]
    VaultFull {
        /// The configured maximum number of tokens.
        limit: u64,
    },
    /// The key or passphrase is not the one the vault (or backup) was written with.
    #[error("wrong key or passphrase")]
    WrongKey,
    /// The vault file is damaged, altered, not a vault, or from a newer Ichie.
    #[error("the vault is damaged: {reason}")]
    CorruptVault {
        /// What is wrong with it.
        reason: String,
    },
    /// The token is already in the vault.
    #[error("{name} is already in the vault")]
    Duplicate {
        /// How the existing token is named.
        name: String,
    },
    /// No token (or service) matches.
    #[error("no match for {query}")]
    NoMatch {
        /// What was looked for.
        query: String,
    },
    /// Several tokens match; the user must be more precise.
    #[error("{query} matches several tokens")]
    Ambiguous {
        /// What was looked for.
        query: String,
        /// The names of the tokens that match.
        names: Vec<String>,
    },
    /// Bad input: a URI, secret, password format, link, directory, backup, parameter or position.
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// What is wrong.
        reason: String,
    },
    /// The server could not be reached (DNS, refused, reset…).
    #[error("network error: {reason}")]
    Network {
        /// The cause.
        reason: String,
    },
    /// The TLS handshake failed, typically an untrusted certificate.
    #[error("TLS error: {reason}")]
    Tls {
        /// The cause.
        reason: String,
    },
    /// The server did not answer in time.
    #[error("the server did not answer in time")]
    Timeout,
    /// The server refused or answered something unexpected.
    #[error("the server refused: {reason} ({code})")]
    Server {
        /// The server's error code, or the HTTP status.
        code: String,
        /// What it said. (Not `message`: Kotlin exceptions already have one.)
        reason: String,
    },
    /// No vault at the path: the first launch (create one).
    #[error("no vault at {path}")]
    NoVault {
        /// Where the vault was looked for.
        path: String,
    },
    /// A vault (or another file) is already at the path: open it instead.
    #[error("a file is already at {path}")]
    VaultExists {
        /// The path.
        path: String,
    },
    /// A file operation failed: the disk, permissions, a path that cannot be used.
    #[error("I/O error: {reason}")]
    Io {
        /// What failed.
        reason: String,
    },
    /// A bug or a failing platform (random generator, cryptography, the app's clock callback).
    #[error("internal error: {reason}")]
    Internal {
        /// What failed.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for IchieError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Internal {
            reason: format!("callback failed: {}", error.reason),
        }
    }
}

fn text(error: &impl ToString) -> String {
    error.to_string()
}

impl From<AppError> for IchieError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Vault(e) => e.into(),
            AppError::Uri(e) => Self::InvalidInput { reason: text(&e) },
            AppError::Secret(e) => Self::InvalidInput { reason: text(&e) },
            AppError::Otp(e) => Self::InvalidInput { reason: text(&e) },
            AppError::Backup(e) => e.into(),
            AppError::Clock(e) => e.into(),
            AppError::Duplicate { name } => Self::Duplicate { name },
            AppError::NoMatch(query) => Self::NoMatch { query },
            AppError::Activation(e) => e.into(),
            AppError::Protocol(e) => input_protocol_error(e),
            AppError::ClockOff { offset_ms } => Self::ClockOff { offset_ms },
            AppError::Correction(e) => Self::CorrectionRefused {
                reason: text(&e),
                needs_force: matches!(e, ichie_core::clock::CorrectionError::NeedsForce { .. }),
            },
            AppError::Ambiguous { query, names } => Self::Ambiguous { query, names },
            AppError::Revoked(_) => Self::Revoked,
            e @ (AppError::NotHotp(_) | AppError::BadPosition { .. }) => {
                Self::InvalidInput { reason: text(&e) }
            }
            e @ AppError::Random => Self::Internal { reason: text(&e) },
            // AppError is non-exhaustive: a later variant still reaches the app.
            e => Self::Internal { reason: text(&e) },
        }
    }
}

impl From<VaultError> for IchieError {
    fn from(error: VaultError) -> Self {
        match error {
            VaultError::WrongKey => Self::WrongKey,
            VaultError::Corrupt(reason) => Self::CorruptVault { reason },
            e @ VaultError::UnsupportedVersion(_) => Self::CorruptVault { reason: text(&e) },
            VaultError::Full { limit } => Self::VaultFull {
                limit: u64::try_from(limit).unwrap_or(u64::MAX),
            },
            VaultError::TokenNotFound(id) => Self::NoMatch {
                query: id.to_string(),
            },
            VaultError::NotFound(path) => Self::NoVault {
                path: path.display().to_string(),
            },
            VaultError::AlreadyExists(path) => Self::VaultExists {
                path: path.display().to_string(),
            },
            e @ VaultError::Io { .. } => Self::Io { reason: text(&e) },
            VaultError::Kdf(reason) => Self::InvalidInput { reason },
            e @ (VaultError::DuplicateId(_) | VaultError::Crypto) => {
                Self::Internal { reason: text(&e) }
            }
            e => Self::Internal { reason: text(&e) },
        }
    }
}

impl From<BackupError> for IchieError {
    fn from(error: BackupError) -> Self {
        match error {
            BackupError::WrongPassphrase => Self::WrongKey,
            e @ (BackupError::Corrupt(_)
            | BackupError::UnsupportedVersion(_)
            | BackupError::NotABackup
            | BackupError::Kdf(_)) => Self::InvalidInput { reason: text(&e) },
            e @ BackupError::Crypto => Self::Internal { reason: text(&e) },
            e => Self::Internal { reason: text(&e) },
        }
    }
}

impl From<ClockError> for IchieError {
    fn from(error: ClockError) -> Self {
        match error {
            ClockError::Transport(e) => e.into(),
            e @ (ClockError::NoSamples | ClockError::BadSample(_)) => {
                Self::Internal { reason: text(&e) }
            }
            e => Self::Internal { reason: text(&e) },
        }
    }
}

impl From<TransportError> for IchieError {
    fn from(error: TransportError) -> Self {
        match error {
            TransportError::Network(reason) => Self::Network { reason },
            TransportError::Tls(reason) => Self::Tls { reason },
            TransportError::Timeout => Self::Timeout,
            TransportError::Http { status } => http_status(status),
            TransportError::BadResponse(reason) => Self::Server {
                code: "bad_response".into(),
                reason,
            },
            e => Self::Network { reason: text(&e) },
        }
    }
}

impl From<ActivationClientError> for IchieError {
    fn from(error: ActivationClientError) -> Self {
        match error {
            ActivationClientError::WrongPassword { attempts_left } => {
                Self::WrongActivationPassword { attempts_left }
            }
            ActivationClientError::Locked => Self::Locked,
            ActivationClientError::UnknownOrExpired => Self::ExpiredOrUnknown,
            ActivationClientError::Revoked => Self::Revoked,
            ActivationClientError::RateLimited => Self::RateLimited,
            ActivationClientError::Rejected { code, message } => Self::Server {
                code,
                reason: message,
            },
            ActivationClientError::Protocol(e) => server_protocol_error(e),
            ActivationClientError::Transport(e) => e.into(),
            e => Self::Internal { reason: text(&e) },
        }
    }
}

impl From<HttpsError> for IchieError {
    fn from(error: HttpsError) -> Self {
        match error {
            HttpsError::BadCertificate(reason) => Self::InvalidInput { reason },
            HttpsError::Tls(reason) => Self::Tls { reason },
            e @ HttpsError::Build(_) => Self::Internal { reason: text(&e) },
            e => Self::Internal { reason: text(&e) },
        }
    }
}

impl From<ActivationError> for IchieError {
    /// An activation input the app was given (a link, a directory, a password).
    fn from(error: ActivationError) -> Self {
        input_protocol_error(error)
    }
}

fn http_status(status: u16) -> IchieError {
    IchieError::Server {
        code: status.to_string(),
        reason: format!("HTTP status {status}"),
    }
}

/// A protocol error while checking what the app was given (a link, a
/// directory, the password's format).
fn input_protocol_error(error: ActivationError) -> IchieError {
    match error {
        ActivationError::LinkMismatch { service_id, what } => IchieError::LinkMismatch {
            service_id,
            what: what.to_owned(),
        },
        e @ (ActivationError::UnknownKeyId(_)
        | ActivationError::BadSignature
        | ActivationError::DecryptFailed
        | ActivationError::ConfirmationMismatch
        | ActivationError::InvalidPeerKey) => IchieError::SignatureMismatch { reason: text(&e) },
        e @ (ActivationError::BadMessage(_)
        | ActivationError::VersionUnsupported(_)
        | ActivationError::WrongPasswordFormat
        | ActivationError::UnsupportedParams(_)) => IchieError::InvalidInput { reason: text(&e) },
        e @ (ActivationError::BadState(_) | ActivationError::Crypto) => {
            IchieError::Internal { reason: text(&e) }
        }
        e => IchieError::Internal { reason: text(&e) },
    }
}

/// A protocol error in what a server answered.
fn server_protocol_error(error: ActivationError) -> IchieError {
    match error {
        e @ (ActivationError::BadMessage(_)
        | ActivationError::VersionUnsupported(_)
        | ActivationError::UnsupportedParams(_)) => IchieError::Server {
            code: "bad_answer".into(),
            reason: text(&e),
        },
        ActivationError::WrongPasswordFormat => IchieError::InvalidInput {
            reason: text(&ActivationError::WrongPasswordFormat),
        },
        other => input_protocol_error(other),
    }
}

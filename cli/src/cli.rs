//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Ichie: one-time-password codes from an encrypted vault.
#[derive(Debug, Parser)]
#[command(name = "ichie", version, about)]
pub struct Args {
    /// The vault file [default: $XDG_DATA_HOME/ichie/tokens.vault].
    #[arg(long, global = true, env = "ICHIE_VAULT")]
    pub vault: Option<PathBuf>,

    /// Print JSON for scripts instead of text for people.
    #[arg(long, global = true)]
    pub json: bool,

    /// How many tokens the vault may hold.
    #[arg(long, global = true, env = "ICHIE_MAX_TOKENS", default_value_t = 10)]
    pub max_tokens: usize,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new vault protected by a passphrase
    /// (read from $ICHIE_PASSPHRASE, or asked for twice without echo).
    Init {
        /// Argon2id memory in KiB (default 65536); lower only for weak machines or tests.
        #[arg(long, hide = true)]
        kdf_memory_kib: Option<u32>,
        /// Argon2id passes (default 3).
        #[arg(long, hide = true)]
        kdf_iterations: Option<u32>,
    },
    /// Add tokens: an otpauth:// or otpauth-migration:// URI, a QR code image,
    /// or issuer/account/secret typed in.
    Add(AddArgs),
    /// List the tokens with their current codes.
    #[command(alias = "ls")]
    List,
    /// Show one token's code (HOTP: advances the counter first).
    Code {
        /// Name, issuer, account or id prefix of the token.
        name: String,
    },
    /// Show every code with the next one and a live countdown, like the phone screen.
    Watch {
        /// Stop after this many refreshes (default: run until interrupted;
        /// one frame when the output is not a terminal).
        #[arg(long)]
        count: Option<u64>,
    },
    /// Change how a token is labelled.
    Rename {
        /// Name, issuer, account or id prefix of the token.
        name: String,
        /// The new issuer (an empty string removes it).
        #[arg(long)]
        issuer: Option<String>,
        /// The new account.
        #[arg(long)]
        account: Option<String>,
    },
    /// Move a token to another place in the list.
    Move {
        /// Name, issuer, account or id prefix of the token.
        name: String,
        /// The new position, 1 being the top.
        position: usize,
    },
    /// Delete a token for good.
    #[command(alias = "remove")]
    Rm {
        /// Name, issuer, account or id prefix of the token.
        name: String,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
    /// Activate a token issued by an Ichie server, with the activation
    /// password (from $ICHIE_ACTIVATION_PASSWORD or asked for without echo).
    Activate(ActivateArgs),
    /// Ask the servers of activated tokens whether they are still active;
    /// marks revoked tokens.
    Status {
        /// An extra root certificate (PEM) to trust, for private servers.
        #[arg(long, value_name = "PEM")]
        ca: Vec<PathBuf>,
    },
    /// Measure this machine's clock against a time server and optionally
    /// store the correction that codes are computed with.
    Clock(ClockArgs),
    /// Write every token to a passphrase-protected backup file
    /// (passphrase from $ICHIE_BACKUP_PASSPHRASE or asked for).
    Export {
        /// Where to write the backup.
        file: PathBuf,
    },
    /// Add the tokens of a backup file; tokens already present are skipped.
    Import {
        /// The backup to read.
        file: PathBuf,
    },
    /// Move tokens to another device or app: print them as otpauth:// URIs,
    /// or as Google Authenticator export URIs, or write them as QR images.
    /// The output carries the secrets.
    Transfer(TransferArgs),
    /// Change the vault's passphrase (the current one from $ICHIE_PASSPHRASE
    /// or asked for; the new one from $ICHIE_NEW_PASSPHRASE or asked for twice).
    Passwd,
}

/// Arguments of `ichie transfer`.
#[derive(Debug, clap::Args)]
pub struct TransferArgs {
    /// The tokens (names, issuers, accounts or ids); none means all.
    pub names: Vec<String>,
    /// Google Authenticator's export format (otpauth-migration://, five
    /// tokens per URI or QR code) instead of one otpauth:// URI per token.
    #[arg(long)]
    pub google: bool,
    /// Write QR codes as PNG images instead of printing the URIs: FILE for
    /// one, FILE-1.png, FILE-2.png … for several. Never overwrites a file.
    #[arg(long, value_name = "FILE")]
    pub qr: Option<PathBuf>,
}

/// Arguments of `ichie add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// An otpauth:// or otpauth-migration:// URI.
    #[arg(conflicts_with_all = ["qr", "account"])]
    pub uri: Option<String>,
    /// A PNG or JPEG image holding a QR code.
    #[arg(long, value_name = "IMAGE", conflicts_with = "account")]
    pub qr: Option<PathBuf>,
    /// Issuer of a hand-typed token.
    #[arg(long, requires = "account")]
    pub issuer: Option<String>,
    /// Account of a hand-typed token.
    #[arg(long)]
    pub account: Option<String>,
    /// Base32 secret of a hand-typed token (asked for without echo when missing).
    #[arg(long, requires = "account")]
    pub secret: Option<String>,
    /// HMAC algorithm of a hand-typed token.
    #[arg(long, value_enum, default_value_t = AlgorithmArg::Sha1, requires = "account")]
    pub algorithm: AlgorithmArg,
    /// Code length of a hand-typed token.
    #[arg(long, default_value_t = 6, requires = "account")]
    pub digits: u8,
    /// Time step in seconds of a hand-typed TOTP token.
    #[arg(long, requires = "account", conflicts_with = "counter")]
    pub period: Option<u32>,
    /// Makes a hand-typed token counter-based (HOTP), starting at this counter.
    #[arg(long, requires = "account")]
    pub counter: Option<u64>,
}

/// Arguments of `ichie activate`.
#[derive(Debug, clap::Args)]
pub struct ActivateArgs {
    /// The activation link from the issuance e-mail (ichie://activate?… or https://…/activate?…).
    #[arg(long, conflicts_with_all = ["service", "user"], required_unless_present = "service")]
    pub link: Option<String>,
    /// The service ID from the issuance e-mail (looked up in the service directory).
    #[arg(long, requires = "user")]
    pub service: Option<String>,
    /// The user ID from the issuance e-mail.
    #[arg(long, requires = "service")]
    pub user: Option<String>,
    /// The service directory: service ID → server URL and signing keys
    /// [default: $XDG_CONFIG_HOME/ichie/services.json].
    #[arg(long, env = "ICHIE_SERVICE_DIRECTORY", value_name = "FILE")]
    pub directory: Option<PathBuf>,
    /// The name the token is listed under (default: the directory's name
    /// for the service, or the service ID).
    #[arg(long)]
    pub issuer: Option<String>,
    /// An extra root certificate (PEM) to trust, for private servers.
    #[arg(long, value_name = "PEM")]
    pub ca: Vec<PathBuf>,
    /// If this machine's clock is off by more than a step, store a correction
    /// and go on instead of stopping.
    #[arg(long)]
    pub fix_clock: bool,
    /// Activate from a link whose service is not in the service directory
    /// without asking (scripts). Check the host and key fingerprint the link
    /// names against what the service told you first: anyone can send a link.
    #[arg(long, requires = "link")]
    pub trust_new_service: bool,
}

/// Arguments of `ichie clock`.
#[derive(Debug, clap::Args)]
pub struct ClockArgs {
    /// An HTTPS time endpoint answering {"unix_ms": …}, such as an Ichie
    /// server's /v1/time; with --date-header, any HTTPS URL.
    #[arg(long, required_unless_present = "clear")]
    pub url: Option<String>,
    /// Read the coarse HTTP Date header (1 s resolution) instead of JSON.
    #[arg(long)]
    pub date_header: bool,
    /// An extra root certificate (PEM) to trust, for private servers.
    #[arg(long, value_name = "PEM")]
    pub ca: Vec<PathBuf>,
    /// Store the measured offset as the correction applied to every code
    /// (refused beyond 24 h, beyond 5 minutes without --force, and when the
    /// measurement is too uncertain for the shortest time step).
    #[arg(long, conflicts_with = "clear")]
    pub apply: bool,
    /// With --apply: store a correction of more than 5 minutes (up to 24 h).
    #[arg(long, requires = "apply")]
    pub force: bool,
    /// Remove the stored correction.
    #[arg(long)]
    pub clear: bool,
}

/// HMAC algorithms on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AlgorithmArg {
    /// HMAC-SHA-1 (what nearly every service uses).
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

impl From<AlgorithmArg> for ichie_core::otp::Algorithm {
    fn from(value: AlgorithmArg) -> Self {
        match value {
            AlgorithmArg::Sha1 => Self::Sha1,
            AlgorithmArg::Sha256 => Self::Sha256,
            AlgorithmArg::Sha512 => Self::Sha512,
        }
    }
}

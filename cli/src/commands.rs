//! What each subcommand does, over the core's `App` facade.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ichie_core::app::{self, AddReport, App, AppError};
use ichie_core::backup;
use ichie_core::clock::{ClockVerdict, DateHeaderSource, JsonTimeSource, SystemClock};
use ichie_core::https::HttpsError;
use ichie_core::token::{OtpKind, TokenState};
use ichie_core::vault::{KdfParams, Vault, VaultOptions};
use serde_json::json;

use crate::cli::{AddArgs, Args, ClockArgs, Command, TransferArgs};
use crate::exit::Exit;
use crate::output;
use crate::qr::{self, QrError};
use crate::secrets;
use std::io::Read;

/// Everything that can stop a command, as one line for the user.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The core refused.
    #[error(transparent)]
    App(#[from] AppError),
    /// Reading or writing a file or the terminal failed.
    #[error("{0}: {1}")]
    Io(String, #[source] io::Error),
    /// No QR code could be read.
    #[error(transparent)]
    Qr(#[from] QrError),
    /// A file to read is larger than anything it could be; nothing more than
    /// the limit was read.
    #[error("{} is larger than {} MiB, too large for {what}", path.display(), limit / (1024 * 1024))]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// What it was read as (`a backup`, `an image`).
        what: &'static str,
        /// The most bytes accepted.
        limit: u64,
    },
    /// No vault at the path.
    #[error("no vault at {0}; create one with `ichie init`")]
    NoVault(PathBuf),
    /// `init` on a path that already holds something.
    #[error("{0} already exists; refusing to overwrite it")]
    Exists(PathBuf),
    /// The vault's key comes from a phone's keystore, not a passphrase.
    #[error(
        "the vault at {0} is not protected by a passphrase; only the app that created it can open it"
    )]
    NotPassphraseVault(PathBuf),
    /// No passphrase in the environment and no terminal to ask on.
    #[error("no passphrase: set {0} or run in a terminal")]
    NoPassphrase(String),
    /// The two passphrases typed differ.
    #[error("the passphrases do not match")]
    PassphraseMismatch,
    /// No default data directory on this system.
    #[error("cannot tell where to keep the vault; pass --vault PATH")]
    NoDataDir,
    /// A URL that is not one.
    #[error("{0:?} is not a valid URL")]
    BadUrl(String),
    /// The HTTPS client could not be set up.
    #[error(transparent)]
    Https(#[from] HttpsError),
    /// A destructive command without confirmation.
    #[error("not deleted: confirm with --yes")]
    NotConfirmed,
    /// `activate` without a link or a service and user.
    #[error("nothing to activate: give --link URL, or --service and --user")]
    NothingToActivate,
    /// The service directory has no such service.
    #[error("service {0:?} is not in the service directory {1}; use the activation link instead")]
    UnknownService(String, PathBuf),
    /// An activation link for a service the directory does not list, not
    /// confirmed by the user.
    #[error(
        "not activated: the link's service {service:?} is not in the service directory; its server is {host}, signing key fingerprint {fingerprint}. If the service gave you exactly these, run again and confirm (or pass --trust-new-service)"
    )]
    UntrustedService {
        /// The service the link names.
        service: String,
        /// The server's host, from the link.
        host: String,
        /// The fingerprint of the link's signing key.
        fingerprint: String,
    },
    /// `add` without anything to add.
    #[error("nothing to add: give a URI, --qr IMAGE, or --account with --secret")]
    NothingToAdd,
    /// `add` ended with no token added: every one was already in the vault
    /// (possibly added by another process meanwhile), or there were none.
    #[error("nothing added: {0}")]
    NothingAdded(&'static str),
}

impl From<io::Error> for CliError {
    fn from(err: io::Error) -> Self {
        Self::Io("writing output".into(), err)
    }
}

/// Runs one parsed command line.
pub fn run(args: Args) -> Result<Exit, CliError> {
    let path = match &args.vault {
        Some(path) => path.clone(),
        None => dirs::data_dir()
            .ok_or(CliError::NoDataDir)?
            .join("ichie")
            .join("tokens.vault"),
    };
    let options = VaultOptions {
        max_tokens: args.max_tokens,
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let json = args.json;
    match args.command {
        Command::Init {
            kdf_memory_kib,
            kdf_iterations,
        } => {
            init(&path, options, kdf_memory_kib, kdf_iterations)?;
            if json {
                output::json(&mut out, &json!({ "vault": path }))?;
            } else {
                writeln!(out, "Created an empty vault at {}", path.display())?;
            }
        }
        Command::Add(add_args) => {
            let mut app = open(&path, options)?;
            let report = add(&mut app, add_args)?;
            print_report(&mut out, &app, &report, json, "Added")?;
            if report.added.is_empty() {
                return Err(CliError::NothingAdded(
                    if report.skipped_duplicates.is_empty() {
                        "it holds no token"
                    } else {
                        "every token given is already in the vault"
                    },
                ));
            }
        }
        Command::List => {
            let app = open(&path, options)?;
            let views = app.list()?;
            if json {
                output::json(&mut out, &views)?;
            } else {
                output::token_table(&mut out, &views)?;
                output::correction_note(&mut out, app.clock_correction_ms())?;
            }
        }
        Command::Code { name } => {
            let mut app = open(&path, options)?;
            code(&mut app, &mut out, &name, json)?;
        }
        Command::Watch { count } => {
            let mut app = open(&path, options)?;
            crate::watch::run(&mut app, &mut out, count, json)?;
        }
        Command::Rename {
            name,
            issuer,
            account,
        } => {
            let mut app = open(&path, options)?;
            let token = app.find(&name)?;
            let id = token.id.clone();
            let issuer = issuer.or_else(|| token.spec.issuer.clone());
            let account = account.unwrap_or_else(|| token.spec.account.clone());
            app.rename(&id, issuer, account)?;
            let view = app.view_of(&id)?;
            if json {
                output::json(&mut out, &json!({ "id": view.id, "name": view.name }))?;
            } else {
                writeln!(out, "Renamed to {}", view.name)?;
            }
        }
        Command::Move { name, position } => {
            let mut app = open(&path, options)?;
            let id = app.find(&name)?.id.clone();
            app.move_to(&id, position.saturating_sub(1))?;
            if !json {
                writeln!(out, "Moved to position {}", position.max(1))?;
            }
        }
        Command::Rm { name, yes } => {
            let mut app = open(&path, options)?;
            let token = app.find(&name)?;
            let (id, shown) = (token.id.clone(), token.spec.display_name());
            if !yes && !confirm(&format!("Delete {shown} for good? Type yes: "))? {
                return Err(CliError::NotConfirmed);
            }
            app.delete(&id)?;
            if json {
                output::json(&mut out, &json!({ "deleted": id.as_str() }))?;
            } else {
                writeln!(out, "Deleted {shown}")?;
            }
        }
        Command::Activate(activate_args) => {
            let mut app = open(&path, options)?;
            crate::network::activate(&mut app, &mut out, activate_args, json)?;
        }
        Command::Status { ca } => {
            let mut app = open(&path, options)?;
            crate::network::status(&mut app, &mut out, &ca, json)?;
        }
        Command::Clock(clock_args) => {
            let mut app = open(&path, options)?;
            return clock(&mut app, &mut out, clock_args, json);
        }
        Command::Transfer(transfer_args) => {
            let app = open(&path, options)?;
            transfer(&app, &mut out, transfer_args, json)?;
        }
        Command::Passwd => {
            let mut app = open(&path, options)?;
            let passphrase = secrets::passphrase(
                secrets::NEW_PASSPHRASE_ENV,
                "New passphrase for the vault: ",
                true,
            )?;
            app.change_passphrase(passphrase.as_bytes())?;
            if json {
                output::json(
                    &mut out,
                    &json!({ "vault": path, "passphrase_changed": true }),
                )?;
            } else {
                writeln!(
                    out,
                    "The vault's passphrase is changed; the old one no longer opens it"
                )?;
            }
        }
        Command::Export { file } => {
            let app = open(&path, options)?;
            let passphrase = secrets::passphrase(
                secrets::BACKUP_PASSPHRASE_ENV,
                "Passphrase for the backup: ",
                true,
            )?;
            let kdf = KdfParams::recommended().map_err(AppError::from)?;
            let bytes = app.export_backup(passphrase.as_bytes(), &kdf)?;
            write_new_file(&file, &bytes)?;
            if json {
                output::json(
                    &mut out,
                    &json!({ "file": file, "tokens": app.tokens().len() }),
                )?;
            } else {
                writeln!(
                    out,
                    "Wrote {} tokens to {}",
                    app.tokens().len(),
                    file.display()
                )?;
            }
        }
        Command::Import { file } => {
            let mut app = open(&path, options)?;
            let bytes = read_capped(&file, backup::MAX_BACKUP_LEN, "a backup")?;
            let passphrase = secrets::passphrase(
                secrets::BACKUP_PASSPHRASE_ENV,
                "Passphrase of the backup: ",
                false,
            )?;
            let report = app.import_backup(&bytes, passphrase.as_bytes())?;
            print_report(&mut out, &app, &report, json, "Imported")?;
        }
    }
    Ok(Exit::Success)
}

fn init(
    path: &Path,
    options: VaultOptions,
    memory_kib: Option<u32>,
    iterations: Option<u32>,
) -> Result<(), CliError> {
    if path.exists() {
        return Err(CliError::Exists(path.to_owned()));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    let kdf = match (memory_kib, iterations) {
        (None, None) => KdfParams::recommended(),
        (m, t) => KdfParams::with_cost(m.unwrap_or(65_536), t.unwrap_or(3), 1),
    }
    .map_err(AppError::from)?;
    let passphrase = secrets::passphrase(
        secrets::VAULT_PASSPHRASE_ENV,
        "Choose a passphrase for the vault: ",
        true,
    )?;
    let key = kdf.derive(passphrase.as_bytes()).map_err(AppError::from)?;
    App::create(path, key, Some(kdf), options, Arc::new(SystemClock))?;
    Ok(())
}

fn create_private_dir(dir: &Path) -> Result<(), CliError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| CliError::Io(format!("creating {}", dir.display()), e))
}

/// Opens the vault with the passphrase its header asks for.
fn open(path: &Path, options: VaultOptions) -> Result<App, CliError> {
    if !path.exists() {
        return Err(CliError::NoVault(path.to_owned()));
    }
    let kdf = Vault::read_kdf_params(path)
        .map_err(AppError::from)?
        .ok_or_else(|| CliError::NotPassphraseVault(path.to_owned()))?;
    let passphrase =
        secrets::passphrase(secrets::VAULT_PASSPHRASE_ENV, "Vault passphrase: ", false)?;
    let key = kdf.derive(passphrase.as_bytes()).map_err(AppError::from)?;
    Ok(App::open(path, key, options, Arc::new(SystemClock))?)
}

fn add(app: &mut App, args: AddArgs) -> Result<AddReport, CliError> {
    if let Some(uri) = args.uri {
        return Ok(app.add_uri(&uri)?);
    }
    if let Some(image) = args.qr {
        let mut total = AddReport::default();
        for text in qr::decode_file(&image)? {
            let report = app.add_uri(&text)?;
            total.added.extend(report.added);
            total.skipped_duplicates.extend(report.skipped_duplicates);
        }
        return Ok(total);
    }
    let Some(account) = args.account else {
        return Err(CliError::NothingToAdd);
    };
    let secret = match args.secret {
        Some(secret) => zeroize::Zeroizing::new(secret),
        None => secrets::ask("Secret (base32): ")?,
    };
    let params = app::manual_params(
        args.algorithm.into(),
        args.digits,
        args.period,
        args.counter,
    )?;
    let id = app.add_manual(args.issuer, account, &secret, params)?;
    Ok(AddReport {
        added: vec![id.to_string()],
        skipped_duplicates: Vec::new(),
    })
}

fn print_report<W: Write>(
    out: &mut W,
    app: &App,
    report: &AddReport,
    json: bool,
    verb: &str,
) -> Result<(), CliError> {
    if json {
        output::json(out, report)?;
        return Ok(());
    }
    for id in &report.added {
        if let Some(token) = app.tokens().iter().find(|t| t.id.as_str() == id) {
            writeln!(out, "{verb} {}", token.spec.display_name())?;
        }
    }
    for name in &report.skipped_duplicates {
        writeln!(out, "Skipped {name}: already in the vault")?;
    }
    Ok(())
}

fn code<W: Write>(app: &mut App, out: &mut W, name: &str, json: bool) -> Result<(), CliError> {
    let token = app.find(name)?;
    let id = token.id.clone();
    let shown = token.spec.display_name();
    if let OtpKind::Hotp { .. } = token.spec.params.kind {
        let code = app.next_hotp_code(&id)?;
        if json {
            output::json(
                out,
                &json!({ "name": shown, "code": code.to_zeroizing_string().as_str() }),
            )?;
        } else {
            writeln!(out, "{code}")?;
        }
        return Ok(());
    }
    let view = app.view_of(&id)?;
    if view.state == TokenState::Revoked {
        return Err(AppError::Revoked(shown).into());
    }
    if json {
        output::json(out, &view)?;
    } else if let (Some(code), Some(left)) = (&view.code, view.ms_until_next) {
        writeln!(out, "{code}")?;
        if io::stderr().is_terminal() {
            eprintln!("{shown}: valid for {} more seconds", left.div_ceil(1000));
        }
        // Always said, terminal or not: stdout stays the bare code for scripts.
        if view.clock_correction_ms != 0 {
            let mut err = io::stderr().lock();
            output::correction_note(&mut err, view.clock_correction_ms)?;
        }
    }
    Ok(())
}

fn clock<W: Write>(
    app: &mut App,
    out: &mut W,
    args: ClockArgs,
    json: bool,
) -> Result<Exit, CliError> {
    if args.clear {
        app.set_clock_correction(0)?;
        if json {
            output::json(out, &json!({ "correction_ms": 0 }))?;
        } else {
            writeln!(out, "Clock correction removed")?;
        }
        return Ok(Exit::Success);
    }
    let url_text = args.url.unwrap_or_default();
    let url = url_text
        .parse()
        .map_err(|_| CliError::BadUrl(url_text.clone()))?;
    let client = crate::network::https_client(&args.ca)?;
    let runtime = crate::network::runtime()?;
    let report = if args.date_header {
        runtime.block_on(app.check_clock(&DateHeaderSource::new(client, url)))?
    } else {
        runtime.block_on(app.check_clock(&JsonTimeSource::new(client, url)))?
    };
    // The measurement is shown even when its correction is refused.
    let applied = if args.apply {
        Some(app.apply_clock_report(&report, args.force))
    } else {
        None
    };
    if json {
        output::json(
            out,
            &json!({
                "report": report,
                "applied": matches!(applied, Some(Ok(_))),
                "correction_ms": app.clock_correction_ms(),
            }),
        )?;
    } else {
        let e = &report.estimate;
        let verdict = match report.verdict {
            ClockVerdict::Fine => "fine".to_owned(),
            ClockVerdict::Warn => format!(
                "off: codes still work within a {} s step, but correct it",
                report.judged_step_s
            ),
            ClockVerdict::CodesWrong => {
                format!(
                    "wrong: codes for {} s steps will be refused",
                    report.judged_step_s
                )
            }
        };
        writeln!(
            out,
            "Clock offset {:+.3} s ± {:.3} s (round trip {} ms, {} samples): {verdict}",
            e.offset_ms as f64 / 1000.0,
            e.uncertainty_ms as f64 / 1000.0,
            e.round_trip_ms,
            e.samples
        )?;
        if let Some(Ok(correction)) = applied {
            writeln!(
                out,
                "Correction of {:+.3} s stored; codes now use it",
                correction as f64 / 1000.0
            )?;
        }
    }
    if let Some(Err(refused)) = applied {
        return Err(refused.into());
    }
    Ok(match report.verdict {
        ClockVerdict::CodesWrong if !args.apply => Exit::ClockWrong,
        _ => Exit::Success,
    })
}

fn confirm(prompt: &str) -> Result<bool, CliError> {
    if !io::stdin().is_terminal() {
        return Ok(false);
    }
    eprint!("{prompt}");
    let mut answer = String::new();
    io::stdin()
        .read_line(&mut answer)
        .map_err(|e| CliError::Io("reading the answer".into(), e))?;
    Ok(answer.trim().eq_ignore_ascii_case("yes"))
}

/// Reads a whole file, but never more than `limit` bytes: a larger file (or
/// an endless one such as `/dev/zero`) is refused with
/// [`CliError::TooLarge`] after reading at most `limit + 1` bytes.
pub fn read_capped(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, CliError> {
    let context = || format!("reading {}", path.display());
    let file = std::fs::File::open(path).map_err(|e| CliError::Io(context(), e))?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::Io(context(), e))?;
    if u64::try_from(bytes.len()).map_or(true, |len| len > limit) {
        return Err(CliError::TooLarge {
            path: path.to_owned(),
            what,
            limit,
        });
    }
    Ok(bytes)
}

/// `ichie transfer`: the tokens as URIs on stdout, or as QR images.
fn transfer<W: Write>(
    app: &App,
    out: &mut W,
    args: TransferArgs,
    json: bool,
) -> Result<(), CliError> {
    let ids = args
        .names
        .iter()
        .map(|name| Ok(app.find(name)?.id.clone()))
        .collect::<Result<Vec<_>, CliError>>()?;
    let uris = if args.google {
        app.export_migration(&ids)?
    } else {
        app.export_uris(&ids)?
    };
    let Some(qr) = args.qr else {
        eprintln!("These lines carry the tokens' secrets: do not keep them.");
        if json {
            let list: Vec<&str> = uris.iter().map(|u| u.as_str()).collect();
            output::json(out, &json!({ "uris": list }))?;
        } else {
            for uri in &uris {
                writeln!(out, "{}", uri.as_str())?;
            }
        }
        return Ok(());
    };
    let paths: Vec<PathBuf> = if uris.len() == 1 {
        vec![qr]
    } else {
        let stem = qr.with_extension("");
        (1..=uris.len())
            .map(|n| PathBuf::from(format!("{}-{n}.png", stem.display())))
            .collect()
    };
    for (uri, path) in uris.iter().zip(&paths) {
        write_new_file(path, &qr::encode_png(uri)?)?;
    }
    if json {
        output::json(out, &json!({ "images": paths }))?;
    } else {
        for path in &paths {
            writeln!(
                out,
                "Wrote {} (it carries secrets: delete it after the transfer)",
                path.display()
            )?;
        }
    }
    Ok(())
}

/// Writes a new private file, refusing to replace an existing one.
fn write_new_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let context = || format!("writing {}", path.display());
    let mut file = options.open(path).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => CliError::Exists(path.to_owned()),
        _ => CliError::Io(context(), e),
    })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| CliError::Io(context(), e))
}

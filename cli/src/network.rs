//! The commands that talk to servers: activation and token status.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use ichie_core::activation::{
    ActivationClient, ActivationClientError, ActivationLink, ActivationTarget, LinkCheck,
    ServiceDirectory,
};
use ichie_core::app::{App, AppError, ClockPolicy};
use ichie_core::https::{self, HttpsConfig};
use serde_json::json;

use crate::cli::ActivateArgs;
use crate::commands::CliError;
use crate::output;
use crate::secrets;

/// An HTTPS client trusting the platform's roots plus the PEM files given.
pub fn https_client(ca: &[PathBuf]) -> Result<https::Client, CliError> {
    let mut config = HttpsConfig::default();
    for file in ca {
        let pem = std::fs::read(file)
            .map_err(|e| CliError::Io(format!("reading {}", file.display()), e))?;
        config.extra_roots_pem.push(pem);
    }
    Ok(https::client(&config)?)
}

/// A current-thread runtime for one command's network work.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Io("starting the network runtime".into(), e))
}

/// What to activate, and the service's display name when the directory has one.
///
/// A link is checked against the service directory first: a listed service
/// whose URL or key differs is refused (a forged link); an unlisted one is
/// activated only when the user confirms its host and key fingerprint (or
/// `--trust-new-service`).
fn target(args: &ActivateArgs) -> Result<(ActivationTarget, Option<String>), CliError> {
    let path = match &args.directory {
        Some(path) => path.clone(),
        None => dirs::config_dir()
            .ok_or(CliError::NoDataDir)?
            .join("ichie")
            .join("services.json"),
    };
    if let Some(link) = &args.link {
        let link = ActivationLink::parse(link).map_err(AppError::from)?;
        // No directory file at the default place is an empty directory; a
        // named one must exist.
        let directory = if args.directory.is_none() && !path.exists() {
            ServiceDirectory::default()
        } else {
            load_directory(&path)?
        };
        let name = match directory.check_link(&link).map_err(AppError::from)? {
            LinkCheck::Known { name } => Some(name),
            LinkCheck::Unknown {
                host,
                key_fingerprint,
            } => {
                let confirmed =
                    args.trust_new_service || confirm_new_service(&link, &host, &key_fingerprint)?;
                if !confirmed {
                    return Err(CliError::UntrustedService {
                        service: link.service_id.to_string(),
                        host,
                        fingerprint: key_fingerprint,
                    });
                }
                None
            }
            _ => None,
        };
        let target = directory
            .link_target(&link, true)
            .map_err(AppError::from)?
            .ok_or_else(|| CliError::UnknownService(link.service_id.to_string(), path))?;
        return Ok((target, name));
    }
    let (Some(service), Some(user)) = (&args.service, &args.user) else {
        return Err(CliError::NothingToActivate);
    };
    let directory = load_directory(&path)?;
    let target = directory
        .target(service, user)
        .map_err(AppError::from)?
        .ok_or_else(|| CliError::UnknownService(service.clone(), path))?;
    Ok((
        target,
        directory.get(service).map(|entry| entry.name.clone()),
    ))
}

/// Shows an unknown service's server and key and asks whether to go on
/// (only on a terminal; otherwise the answer is no).
fn confirm_new_service(
    link: &ActivationLink,
    host: &str,
    fingerprint: &str,
) -> Result<bool, CliError> {
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    eprintln!(
        "The service {:?} is not in your service directory.\n  server:           {host}\n  key fingerprint:  {fingerprint}\nActivate only if the service told you exactly this server and fingerprint.",
        link.service_id.as_str()
    );
    eprint!("Activate with this server? Type yes: ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| CliError::Io("reading the answer".into(), e))?;
    Ok(answer.trim().eq_ignore_ascii_case("yes"))
}

fn load_directory(path: &Path) -> Result<ServiceDirectory, CliError> {
    let bytes = std::fs::read(path).map_err(|e| {
        CliError::Io(
            format!("reading the service directory {}", path.display()),
            e,
        )
    })?;
    Ok(ServiceDirectory::from_json(&bytes).map_err(AppError::from)?)
}

/// `ichie activate`: runs the activation, asking for the password again after
/// a wrong one while attempts remain (on a terminal).
pub fn activate<W: Write>(
    app: &mut App,
    out: &mut W,
    args: ActivateArgs,
    json: bool,
) -> Result<(), CliError> {
    let (target, service_name) = target(&args)?;
    let issuer = args.issuer.clone().or(service_name);
    let client = ActivationClient::new(https_client(&args.ca)?);
    let policy = if args.fix_clock {
        ClockPolicy::ApplyCorrection
    } else {
        ClockPolicy::Refuse
    };
    let interactive = std::env::var_os(secrets::ACTIVATION_PASSWORD_ENV).is_none()
        && std::io::stdin().is_terminal();
    let runtime = runtime()?;
    loop {
        let password = secrets::passphrase(
            secrets::ACTIVATION_PASSWORD_ENV,
            "Activation password: ",
            false,
        )?;
        let result =
            runtime.block_on(app.activate(&client, &target, &password, issuer.clone(), policy));
        match result {
            Ok(report) => {
                if json {
                    output::json(out, &report)?;
                } else {
                    writeln!(out, "Activated {}", report.name)?;
                    let offset_s = report.clock.estimate.offset_ms as f64 / 1000.0;
                    if report.correction_applied {
                        writeln!(
                            out,
                            "This machine's clock is off by {offset_s:+.1} s: a correction is stored and codes use it"
                        )?;
                    } else if report.clock.verdict != ichie_core::clock::ClockVerdict::Fine {
                        writeln!(
                            out,
                            "Warning: this machine's clock is off by {offset_s:+.1} s; set it right (or run `ichie clock --apply`)"
                        )?;
                    }
                }
                return Ok(());
            }
            Err(AppError::Activation(ActivationClientError::WrongPassword { attempts_left }))
                if interactive && attempts_left > 0 =>
            {
                eprintln!(
                    "Wrong activation password; {attempts_left} attempts left. (If you are sure of it, the activation may have expired or been used: ask the service.)"
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// `ichie status`: refreshes every activated token's state.
pub fn status<W: Write>(
    app: &mut App,
    out: &mut W,
    ca: &[PathBuf],
    json: bool,
) -> Result<(), CliError> {
    let client = ActivationClient::new(https_client(ca)?);
    let outcomes = runtime()?.block_on(app.refresh_status(&client))?;
    if json {
        output::json(out, &outcomes)?;
        return Ok(());
    }
    if outcomes.is_empty() {
        writeln!(out, "No activated tokens.")?;
    }
    for o in &outcomes {
        match (&o.state, &o.error) {
            (Some(state), _) => {
                writeln!(out, "{}: {}", o.name, json!(state).as_str().unwrap_or("?"))?
            }
            (None, Some(error)) => writeln!(out, "{}: unknown ({error})", o.name)?,
            (None, None) => writeln!(out, "{}: unknown", o.name)?,
        }
    }
    Ok(())
}

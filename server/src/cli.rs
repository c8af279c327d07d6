//! The command line: `init`, `serve` and `admin …` (clap derive; every flag documented).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use ichie_core::activation::ActivationPassword;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::clock::SystemClock;
use crate::config::{CONFIG_FILE, Config};
use crate::init::{InitOptions, init};
use crate::runtime::build_service;
use crate::service::{IssueRequest, Role, Service};

/// Ichie's provisioning and verification server.
#[derive(Debug, Parser)]
#[command(name = "ichie-server", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create keys, a development CA and certificate, the configuration, the
    /// database, and one admin and one verifier API key (printed once).
    Init {
        /// Directory to create (refuses to overwrite an existing ichie-server.toml).
        dir: PathBuf,
        /// The base URL apps will reach the server at.
        #[arg(long, default_value = "https://127.0.0.1:8443")]
        public_url: String,
        /// Address to listen on (port 0: any free port).
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: String,
        /// The service ID tokens are issued for.
        #[arg(long, default_value = "demo")]
        service_id: String,
        /// Database URL (default: sqlite://DIR/ichie.db?mode=rwc).
        #[arg(long, env = "ICHIE_SERVER_DATABASE_URL")]
        database_url: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve the API over HTTPS until SIGINT or SIGTERM.
    Serve {
        /// Where the configuration is.
        #[command(flatten)]
        location: ConfigLocation,
        /// Write the bound port to this file once listening.
        #[arg(long)]
        port_file: Option<PathBuf>,
        /// Log as JSON lines instead of text.
        #[arg(long, env = "ICHIE_LOG_JSON")]
        log_json: bool,
    },
    /// Administer directly on the database (no HTTP); every action is audited.
    Admin {
        /// Where the configuration is.
        #[command(flatten)]
        location: ConfigLocation,
        /// Print results as JSON.
        #[arg(long, global = true)]
        json: bool,
        /// The action.
        #[command(subcommand)]
        action: AdminAction,
    },
}

/// `--config FILE` or `--dir DIR` (meaning DIR/ichie-server.toml).
#[derive(Debug, Clone, clap::Args)]
#[group(required = true, multiple = false)]
pub struct ConfigLocation {
    /// The configuration file.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The directory `init` made.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

impl ConfigLocation {
    fn path(&self) -> PathBuf {
        match (&self.config, &self.dir) {
            (Some(config), _) => config.clone(),
            (None, Some(dir)) => dir.join(CONFIG_FILE),
            (None, None) => PathBuf::from(CONFIG_FILE),
        }
    }
}

/// The admin actions.
#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Issue a token to a user and send the activation e-mail.
    Issue {
        /// The user ID.
        #[arg(long)]
        user: String,
        /// The user's e-mail address.
        #[arg(long)]
        email: String,
        /// Read the activation password from this environment variable
        /// (otherwise it is asked for without echo).
        #[arg(long)]
        password_env: Option<String>,
        /// SHA1 (default), SHA256 or SHA512.
        #[arg(long)]
        algorithm: Option<String>,
        /// 6 (default), 7 or 8.
        #[arg(long)]
        digits: Option<u32>,
        /// 30 (default) or 60 seconds.
        #[arg(long)]
        period: Option<u32>,
    },
    /// List the latest issuances.
    List {
        /// How many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Show one issuance.
    Show {
        /// The issuance ID.
        // Generated IDs are base64url: a leading '-' is an ID, not an option.
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
    /// Unlock an issuance locked by wrong activation passwords.
    Unlock {
        /// The issuance ID.
        // Generated IDs are base64url: a leading '-' is an ID, not an option.
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
    /// Revoke a user's active token (and cancel a pending issuance).
    Revoke {
        /// The user ID.
        // Generated IDs are base64url: a leading '-' is an ID, not an option.
        #[arg(allow_hyphen_values = true)]
        user: String,
    },
    /// Clear a token's lockout after failed verifications.
    UnlockToken {
        /// The token ID.
        // Generated IDs are base64url: a leading '-' is an ID, not an option.
        #[arg(allow_hyphen_values = true)]
        token_id: String,
    },
    /// Create an API key (printed once).
    CreateKey {
        /// `admin` or `verifier`.
        #[arg(long)]
        role: String,
        /// A label for people.
        #[arg(long, default_value = "created with the CLI")]
        label: String,
        /// Lifetime: `90d`, `12h`, `30m`, `45s` or seconds (default: no expiry).
        #[arg(long, conflicts_with = "expires_at")]
        expires_in: Option<String>,
        /// Expiry time, UTC: `2026-06-30` or `2026-06-30T12:00:00Z`.
        #[arg(long)]
        expires_at: Option<String>,
    },
    /// List the API keys (ID, role, label, times, state; never the keys).
    ListKeys,
    /// Revoke an API key: it gets 401 from then on.
    RevokeKey {
        /// The key's ID (from list-keys).
        // Generated IDs are base64url: a leading '-' is an ID, not an option.
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
    /// Show the latest audit log entries.
    Audit {
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// Runs the command line; the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("ichie-server: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ichie-server: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match command {
        Command::Init {
            dir,
            public_url,
            listen,
            service_id,
            database_url,
            json,
        } => {
            let output = init(&InitOptions {
                dir,
                public_url,
                listen,
                service_id,
                database_url,
            })
            .await
            .map_err(|e| e.to_string())?;
            if json {
                print_json(&mut out, &output)
            } else {
                writeln!(
                    out,
                    "Initialised {config}\n\
                     service {service} at {url}, signing key {kid} ({pk})\n\
                     development CA: {ca}\n\n\
                     These API keys are shown once; only their hashes are stored:\n\
                     admin key:    {admin}\n\
                     verifier key: {verifier}",
                    config = output.config_path.display(),
                    service = output.service_id,
                    url = output.public_url,
                    kid = output.signing_key_id,
                    pk = output.signing_public_key,
                    ca = output.ca_pem_path.display(),
                    admin = output.admin_key,
                    verifier = output.verifier_key,
                )
                .map_err(|e| e.to_string())
            }
        }
        Command::Serve {
            location,
            port_file,
            log_json,
        } => {
            init_logging(log_json);
            let config = load(&location.path())?;
            crate::serve::serve(&config, port_file.as_deref())
                .await
                .map_err(|e| e.to_string())
        }
        Command::Admin {
            location,
            json,
            action,
        } => {
            let config = load(&location.path())?;
            let service = build_service(&config, Arc::new(SystemClock))
                .await
                .map_err(|e| e.to_string())?;
            let result = admin(&service, action, json, &mut out).await;
            service.store().close().await;
            result
        }
    }
}

fn load(path: &Path) -> Result<Config, String> {
    Config::load(path).map_err(|e| e.to_string())
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ICHIE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn print_json<W: Write, T: Serialize>(out: &mut W, value: &T) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    writeln!(out, "{text}").map_err(|e| e.to_string())
}

const ACTOR: &str = "cli";

async fn admin<W: Write>(
    service: &Service,
    action: AdminAction,
    json: bool,
    out: &mut W,
) -> Result<(), String> {
    let e = |e: crate::service::ServiceError| e.to_string();
    let w = |e: std::io::Error| e.to_string();
    match action {
        AdminAction::Issue {
            user,
            email,
            password_env,
            algorithm,
            digits,
            period,
        } => {
            let password = activation_password(password_env.as_deref())?;
            let created = service
                .issue(
                    ACTOR,
                    IssueRequest {
                        user_id: user,
                        email,
                        activation_password: password,
                        algorithm,
                        digits,
                        period,
                    },
                )
                .await
                .map_err(e)?;
            if json {
                return print_json(out, &created);
            }
            writeln!(
                out,
                "issuance {id} for {user} (expires at {exp} ms)\nlink:       {link}\nhttps link: {https}\ne-mail sent: {sent}",
                id = created.issuance_id,
                user = created.user_id,
                exp = created.expires_ms,
                link = created.link,
                https = created.https_link,
                sent = created.email_sent,
            )
            .map_err(w)
        }
        AdminAction::List { limit } => {
            let rows = service.list_issuances(limit).await.map_err(e)?;
            if json {
                return print_json(out, &rows);
            }
            for r in rows {
                writeln!(
                    out,
                    "{id}  {user:<24} {state:<9} failures={f} locked={l} expires_ms={exp}",
                    id = r.id,
                    user = r.user_id,
                    state = r.state,
                    f = r.failures,
                    l = r.locked,
                    exp = r.expires_ms
                )
                .map_err(w)?;
            }
            Ok(())
        }
        AdminAction::Show { id } => {
            let row = service.issuance(&id).await.map_err(e)?;
            print_json(out, &row)
        }
        AdminAction::Unlock { id } => {
            service.unlock_issuance(ACTOR, &id).await.map_err(e)?;
            done(out, json, &serde_json::json!({ "unlocked": id }))
        }
        AdminAction::Revoke { user } => {
            let outcome = service.revoke_user(ACTOR, &user).await.map_err(e)?;
            done(out, json, &outcome)
        }
        AdminAction::UnlockToken { token_id } => {
            service.unlock_token(ACTOR, &token_id).await.map_err(e)?;
            done(out, json, &serde_json::json!({ "unlocked": token_id }))
        }
        AdminAction::CreateKey {
            role,
            label,
            expires_in,
            expires_at,
        } => {
            let role = Role::parse(&role).ok_or("--role must be admin or verifier")?;
            let expires_ms = match (expires_in, expires_at) {
                (Some(text), _) => Some(
                    service
                        .now_ms()
                        .saturating_add(parse_duration_secs(&text)?.saturating_mul(1000)),
                ),
                (None, Some(text)) => Some(parse_utc_ms(&text)?),
                (None, None) => None,
            };
            let (row, key) = service
                .create_api_key_expiring(ACTOR, role, &label, expires_ms)
                .await
                .map_err(e)?;
            if json {
                return print_json(
                    out,
                    &serde_json::json!({
                        "id": row.id,
                        "role": row.role,
                        "expires_ms": row.expires_ms,
                        "key": key.as_str(),
                    }),
                );
            }
            writeln!(
                out,
                "{} key {} (shown once): {}",
                row.role,
                row.id,
                key.as_str()
            )
            .map_err(w)
        }
        AdminAction::ListKeys => {
            let keys = service.list_api_keys().await.map_err(e)?;
            if json {
                return print_json(out, &keys);
            }
            let ms = |t: Option<u64>| t.map_or_else(|| "-".to_owned(), |t| t.to_string());
            for k in keys {
                writeln!(
                    out,
                    "{id}  {role:<8} {state:<7} created_ms={c} expires_ms={x} revoked_ms={r} last_used_ms={u}  {label}",
                    id = k.key.id,
                    role = k.key.role,
                    state = k.state,
                    c = k.key.created_ms,
                    x = ms(k.key.expires_ms),
                    r = ms(k.key.revoked_ms),
                    u = ms(k.key.last_used_ms),
                    label = k.key.label,
                )
                .map_err(w)?;
            }
            Ok(())
        }
        AdminAction::RevokeKey { id } => {
            service.revoke_api_key(ACTOR, &id).await.map_err(e)?;
            done(out, json, &serde_json::json!({ "revoked": id }))
        }
        AdminAction::Audit { limit } => {
            let entries = service.audit_log(limit, None).await.map_err(e)?;
            if json {
                return print_json(out, &entries);
            }
            for a in entries {
                writeln!(
                    out,
                    "{id:>6} {at} {actor:<12} {action:<26} {subject} {detail}",
                    id = a.id,
                    at = a.at_ms,
                    actor = a.actor,
                    action = a.action,
                    subject = a.subject,
                    detail = a.detail
                )
                .map_err(w)?;
            }
            Ok(())
        }
    }
}

fn done<W: Write, T: Serialize>(out: &mut W, json: bool, value: &T) -> Result<(), String> {
    if json {
        print_json(out, value)
    } else {
        let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
        writeln!(out, "ok {text}").map_err(|e| e.to_string())
    }
}

/// A lifetime: `90d`, `12h`, `30m`, `45s` or a number of seconds.
fn parse_duration_secs(text: &str) -> Result<u64, String> {
    let bad = || format!("--expires-in {text:?}: expected e.g. 90d, 12h, 30m, 45s");
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let number: u64 = number.parse().map_err(|_| bad())?;
    let unit = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(bad()),
    };
    match number.checked_mul(unit) {
        Some(secs) if secs > 0 => Ok(secs),
        _ => Err(bad()),
    }
}

/// A UTC time, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`, as Unix ms.
fn parse_utc_ms(text: &str) -> Result<u64, String> {
    let bad = || format!("--expires-at {text:?}: expected 2026-06-30 or 2026-06-30T12:00:00Z");
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, time.strip_suffix('Z').ok_or_else(bad)?),
        None => (text, "00:00:00"),
    };
    let numbers = |s: &str, sep: char| -> Result<Vec<i64>, String> {
        s.split(sep)
            .map(|part| part.parse::<i64>().map_err(|_| bad()))
            .collect()
    };
    let (d, t) = (numbers(date, '-')?, numbers(time, ':')?);
    let (&[year, month, day], &[hour, minute, second]) = (d.as_slice(), t.as_slice()) else {
        return Err(bad());
    };
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || !(0..24).contains(&hour)
        || !(0..60).contains(&minute)
        || !(0..60).contains(&second)
        || year < 1970
    {
        return Err(bad());
    }
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    u64::try_from(secs)
        .map(|s| s.saturating_mul(1000))
        .map_err(|_| bad())
}

/// The activation password from an environment variable, or asked twice without echo.
fn activation_password(env: Option<&str>) -> Result<ActivationPassword, String> {
    let bad = |_| "the activation password must be 4 to 8 digits".to_owned();
    if let Some(var) = env {
        let text = Zeroizing::new(
            std::env::var(var).map_err(|_| format!("environment variable {var} is not set"))?,
        );
        return ActivationPassword::new(text.trim()).map_err(bad);
    }
    let first = Zeroizing::new(
        rpassword::prompt_password("Activation password (4-8 digits): ")
            .map_err(|e| e.to_string())?,
    );
    let second = Zeroizing::new(rpassword::prompt_password("Repeat: ").map_err(|e| e.to_string())?);
    if first != second {
        return Err("the two entries differ".into());
    }
    ActivationPassword::new(first.trim()).map_err(bad)
}

#[cfg(test)]
mod tests {
    use super::{parse_duration_secs, parse_utc_ms};

    #[test]
    fn durations_and_times() {
        assert_eq!(parse_duration_secs("90d"), Ok(90 * 86_400));
        assert_eq!(parse_duration_secs("12h"), Ok(12 * 3600));
        assert_eq!(parse_duration_secs("30m"), Ok(1800));
        assert_eq!(parse_duration_secs("45"), Ok(45));
        for bad in ["", "d", "0", "-3d", "3w", "99999999999999999999d"] {
            assert!(parse_duration_secs(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_utc_ms("2026-01-01"), Ok(1_767_225_600_000));
        assert_eq!(
            parse_utc_ms("2024-02-29T01:01:00Z"),
            Ok(1_709_164_800_000 + 3_660_000)
        );
        for bad in [
            "2026-13-01",
            "2026-01-01T25:00:00Z",
            "2026-01-01T10:00:00",
            "x",
        ] {
            assert!(parse_utc_ms(bad).is_err(), "{bad}");
        }
    }
}

//! `ichie-verify-load`: a bounded load generator for `/v1/verify` of a
//! running ichie-server on this machine.
//!
//! It issues N tokens through the admin API and activates them with the real
//! protocol (`ActivationClient`, as `ichie-load` does), so it knows every
//! seed. Then, with C concurrent HTTPS connections, three measured phases:
//!
//! 1. `wrong`: a code outside every token's window, round robin over the
//!    tokens (expects `invalid_code`; raise `max_verify_failures` so that
//!    nothing locks); it also puts every token in the server's key cache;
//! 2. `right`: each token's current code once (expects `accepted`);
//! 3. `replayed`: the accepted codes sent again, R rounds (expects `replayed`).
//!
//! One JSON line on stdout: requests/s, latency p50/p99 and the answers per
//! phase. Only loopback targets are accepted, and every phase is bounded in
//! count and time.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use ichie_core::activation::{
    ActivatedToken, ActivationClient, ActivationLink, ActivationPassword, ActivationTarget,
};
use ichie_core::clock::SystemClock;
use ichie_core::https::{self, Client, HttpsConfig};
use ichie_core::otp::Totp;
use ichie_core::token::OtpKind;
use ichie_e2e::AdminClient;
use serde_json::{Value, json};

/// Load-test an ichie-server's `/v1/verify` on loopback.
#[derive(Debug, Parser)]
struct Args {
    /// The server's base URL; must be on 127.0.0.0/8, [::1] or localhost.
    #[arg(long)]
    url: String,
    /// The server's CA certificate (PEM).
    #[arg(long)]
    ca: PathBuf,
    /// An admin API key (to issue the tokens).
    #[arg(long, env = "ICHIE_ADMIN_KEY")]
    admin_key: String,
    /// A verifier API key.
    #[arg(long, env = "ICHIE_VERIFIER_KEY")]
    verifier_key: String,
    /// How many tokens to issue and activate (at most 100,000); also the
    /// number of right codes sent.
    #[arg(long, default_value_t = 5000)]
    tokens: usize,
    /// How many requests are in flight at once (one connection each).
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// How many times each accepted code is replayed.
    #[arg(long, default_value_t = 2)]
    replay_rounds: usize,
    /// How many wrong codes to send (at most 1,000,000).
    #[arg(long, default_value_t = 50_000)]
    wrong: usize,
    /// Stop each measured phase after this many seconds (at most 20).
    #[arg(long, default_value_t = 15)]
    phase_seconds: u64,
    /// Stop provisioning after this many seconds (at most 600).
    #[arg(long, default_value_t = 300)]
    provision_seconds: u64,
    /// A label for the report (e.g. the database).
    #[arg(long, default_value = "")]
    label: String,
}

/// One token the generator can make codes for.
struct Token {
    user_id: String,
    totp: Totp,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn totp_of(token: &ActivatedToken) -> Result<Totp, String> {
    let OtpKind::Totp { step, .. } = token.params.kind else {
        return Err("the activation did not give a TOTP token".into());
    };
    Ok(Totp::new(
        token.params.algorithm,
        &token.secret,
        token.params.digits,
        step,
        0,
    ))
}

fn code_at(totp: &Totp, unix_ms: u64) -> Result<String, String> {
    Ok(totp
        .code_at(unix_ms)
        .map_err(|e| e.to_string())?
        .to_zeroizing_string()
        .to_string())
}

/// A code that is none of the token's codes 12 steps either side of
/// `unix_ms` (beyond the largest window plus the largest drift).
fn wrong_code(totp: &Totp, unix_ms: u64) -> Result<String, String> {
    let step = totp.step_at(unix_ms).map_err(|e| e.to_string())?;
    let near: Vec<String> = (step.saturating_sub(12)..=step + 12)
        .map(|s| totp.code_for_step(s).to_zeroizing_string().to_string())
        .collect();
    let width = near.first().map_or(6, String::len);
    (0..1_000_000u32)
        .map(|n| format!("{n:0width$}"))
        .find(|c| !near.contains(c))
        .ok_or_else(|| "no wrong code".to_owned())
}

/// What one measured phase saw.
#[derive(Default)]
struct PhaseResult {
    latencies: Vec<Duration>,
    expected: usize,
    unexpected: usize,
    errors: usize,
    first_unexpected: Option<String>,
    /// (token index, code) of every acceptance (the right phase).
    accepted: Vec<(usize, String)>,
}

impl PhaseResult {
    fn merge(&mut self, other: Self) {
        self.latencies.extend(other.latencies);
        self.expected += other.expected;
        self.unexpected += other.unexpected;
        self.errors += other.errors;
        if self.first_unexpected.is_none() {
            self.first_unexpected = other.first_unexpected;
        }
        self.accepted.extend(other.accepted);
    }

    fn report(&mut self, kind: &str, expect: &str, seconds: f64) -> Value {
        self.latencies.sort();
        let pick = |q: f64| {
            self.latencies
                .get(((self.latencies.len() as f64 * q).ceil() as usize).saturating_sub(1))
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(f64::NAN)
        };
        json!({
            "kind": kind,
            "expected_answer": expect,
            "requests": self.latencies.len() + self.errors,
            "seconds": seconds,
            "requests_per_s": self.latencies.len() as f64 / seconds,
            "p50_ms": pick(0.5),
            "p99_ms": pick(0.99),
            "expected": self.expected,
            "unexpected": self.unexpected,
            "first_unexpected": self.first_unexpected,
            "errors": self.errors,
        })
    }
}

/// One job of a phase: the token's index and the code to send.
type Job = (usize, String);

/// Where and how the phases send their requests.
struct Target<'a> {
    http: &'a Client,
    url: &'a str,
    key: &'a str,
    tokens: &'a Arc<Vec<Token>>,
    concurrency: usize,
}

/// Sends `jobs` with the target's concurrency, until `deadline`; `expect` is
/// the answer wanted (`accepted` or a rejection reason).
async fn run_phase(
    target: &Target<'_>,
    jobs: Vec<Job>,
    expect: &'static str,
    deadline: Instant,
) -> Result<(PhaseResult, f64), String> {
    let Target {
        http,
        url,
        key,
        tokens,
        concurrency,
    } = *target;
    let jobs = Arc::new(jobs);
    let next = Arc::new(AtomicUsize::new(0));
    let endpoint = format!("{url}/v1/verify");
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (http, endpoint, key) = (http.clone(), endpoint.clone(), key.to_owned());
        let (tokens, jobs, next) = (Arc::clone(tokens), Arc::clone(&jobs), Arc::clone(&next));
        workers.push(tokio::spawn(async move {
            let mut result = PhaseResult::default();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some((index, code)) = jobs.get(n) else {
                    break;
                };
                if Instant::now() > deadline {
                    break;
                }
                let Some(token) = tokens.get(*index) else {
                    break;
                };
                let body = json!({ "user_id": token.user_id, "code": code }).to_string();
                let t = Instant::now();
                let answer = async {
                    let response = http
                        .post(&endpoint)
                        .bearer_auth(&key)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .map_err(|e| e.to_string())?;
                    let status = response.status().as_u16();
                    let text = response.text().await.map_err(|e| e.to_string())?;
                    if status != 200 {
                        return Err(format!("HTTP {status}: {text}"));
                    }
                    serde_json::from_str::<Value>(&text).map_err(|e| e.to_string())
                }
                .await;
                let elapsed = t.elapsed();
                match answer {
                    Ok(answer) => {
                        result.latencies.push(elapsed);
                        let got = answer["reason"]
                            .as_str()
                            .or(answer["result"].as_str())
                            .unwrap_or("?");
                        if got == expect {
                            result.expected += 1;
                            if expect == "accepted" {
                                result.accepted.push((*index, code.clone()));
                            }
                        } else {
                            result.unexpected += 1;
                            result
                                .first_unexpected
                                .get_or_insert_with(|| got.to_owned());
                        }
                    }
                    Err(e) => {
                        result.errors += 1;
                        result.first_unexpected.get_or_insert(e);
                    }
                }
            }
            result
        }));
    }
    let mut total = PhaseResult::default();
    for worker in workers {
        total.merge(worker.await.map_err(|e| e.to_string())?);
    }
    Ok((total, start.elapsed().as_secs_f64()))
}

/// Issues and activates `count` tokens with `concurrency` workers.
async fn provision(
    http: &Client,
    admin: &AdminClient,
    count: usize,
    concurrency: usize,
    deadline: Instant,
) -> Result<Vec<Token>, String> {
    let run = format!("vl{}", std::process::id());
    let next = Arc::new(AtomicUsize::new(0));
    let client = ActivationClient::new(http.clone());
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (admin, client, next, run) = (admin.clone(), client.clone(), next.clone(), run.clone());
        workers.push(tokio::spawn(async move {
            let password = ActivationPassword::new("24680").map_err(|e| e.to_string())?;
            let mut tokens = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count || Instant::now() > deadline {
                    break;
                }
                let user_id = format!("{run}-{i}");
                let issued = admin
                    .issue(&user_id, "24680")
                    .await
                    .map_err(|e| e.to_string())?;
                let link = issued["link"].as_str().ok_or("the issuance has no link")?;
                let target: ActivationTarget = ActivationLink::parse(link)
                    .map_err(|e| e.to_string())?
                    .into();
                let begun = client
                    .begin(&target, &password, &SystemClock)
                    .await
                    .map_err(|e| e.to_string())?;
                let token = client.complete(begun).await.map_err(|e| e.to_string())?;
                tokens.push(Token {
                    user_id,
                    totp: totp_of(&token)?,
                });
            }
            Ok::<_, String>(tokens)
        }));
    }
    let mut tokens = Vec::with_capacity(count);
    for worker in workers {
        tokens.extend(worker.await.map_err(|e| e.to_string())??);
    }
    Ok(tokens)
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let host = args
        .url
        .strip_prefix("https://")
        .and_then(|rest| rest.split(['/', ':']).next())
        .unwrap_or_default();
    if !(host.starts_with("127.") || host == "localhost" || args.url.starts_with("https://[::1]")) {
        return Err(format!(
            "refusing to load {}: loopback targets only",
            args.url
        ));
    }
    let url = args.url.trim_end_matches('/').to_owned();
    let count = args.tokens.clamp(1, 100_000);
    let phase_time = Duration::from_secs(args.phase_seconds.clamp(1, 20));
    let pem = std::fs::read(&args.ca).map_err(|e| format!("reading {}: {e}", args.ca.display()))?;
    let http = https::client(&HttpsConfig {
        extra_roots_pem: vec![pem],
        ..HttpsConfig::default()
    })
    .map_err(|e| e.to_string())?;
    let admin = AdminClient::new(http.clone(), &url, &args.admin_key);

    let provision_start = Instant::now();
    let provision_deadline =
        provision_start + Duration::from_secs(args.provision_seconds.clamp(1, 600));
    let tokens =
        Arc::new(provision(&http, &admin, count, args.concurrency, provision_deadline).await?);
    let provision_secs = provision_start.elapsed().as_secs_f64();

    let target = Target {
        http: &http,
        url: &url,
        key: &args.verifier_key,
        tokens: &tokens,
        concurrency: args.concurrency,
    };
    let now = now_ms();
    let wrong_codes: Vec<String> = tokens
        .iter()
        .map(|t| wrong_code(&t.totp, now))
        .collect::<Result<_, String>>()?;
    let wrong: Vec<Job> = (0..args.wrong.min(1_000_000))
        .map(|n| {
            let i = n % tokens.len().max(1);
            (i, wrong_codes.get(i).cloned().unwrap_or_default())
        })
        .collect();
    let (mut wrong, wrong_secs) =
        run_phase(&target, wrong, "invalid_code", Instant::now() + phase_time).await?;

    // Start the right codes early in a step, so that every accepted code is
    // still inside the window (it is, until the end of the next step) while
    // the replay phase runs: right + replayed take at most 2 × 20 s.
    let step_ms = tokens
        .first()
        .map_or(30_000, |t| t.totp.step_length().as_millis());
    let into_step = now_ms() % step_ms;
    if into_step > step_ms / 4 {
        tokio::time::sleep(Duration::from_millis(step_ms - into_step + 50)).await;
    }

    let now = now_ms();
    let right: Vec<Job> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| Ok((i, code_at(&t.totp, now)?)))
        .collect::<Result<_, String>>()?;
    let (mut right, right_secs) =
        run_phase(&target, right, "accepted", Instant::now() + phase_time).await?;

    let rounds = args.replay_rounds.clamp(1, 100);
    let replays: Vec<Job> = (0..rounds)
        .flat_map(|_| right.accepted.iter().cloned())
        .collect();
    let (mut replayed, replayed_secs) =
        run_phase(&target, replays, "replayed", Instant::now() + phase_time).await?;

    let report = json!({
        "label": args.label,
        "tokens": tokens.len(),
        "provision_seconds": provision_secs,
        "concurrency": args.concurrency,
        "right": right.report("right", "accepted", right_secs),
        "replayed": replayed.report("replayed", "replayed", replayed_secs),
        "wrong": wrong.report("wrong", "invalid_code", wrong_secs),
    });
    println!("{report}");
    let bad = [&right, &replayed, &wrong]
        .iter()
        .map(|p| p.unexpected + p.errors)
        .sum::<usize>();
    if bad > 0 {
        return Err(format!("{bad} requests got an unexpected answer"));
    }
    Ok(())
}

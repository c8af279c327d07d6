//! `ichie-load`: a bounded load generator for a running ichie-server on this
//! machine. Issues N tokens through the admin API, then activates them with
//! C concurrent app clients (the real protocol: X25519, signature check,
//! encrypted password, seed derivation) and reports the activation round
//! trip (median, p99) and the activations per second sustained.
//!
//! Only loopback targets are accepted, and every run is bounded in count and time.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use ichie_core::activation::{
    ActivationClient, ActivationLink, ActivationPassword, ActivationTarget,
};
use ichie_core::clock::SystemClock;
use ichie_core::https::{self, HttpsConfig};
use ichie_e2e::AdminClient;
use serde_json::json;

/// Load-test an ichie-server's activation endpoint on loopback.
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
    /// How many tokens to issue and activate (at most 100,000).
    #[arg(long, default_value_t = 500)]
    activations: usize,
    /// How many activations run at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Stop after this many seconds whatever is left (at most 600).
    #[arg(long, default_value_t = 120)]
    max_seconds: u64,
    /// A label for the report (e.g. the database).
    #[arg(long, default_value = "")]
    label: String,
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
    let activations = args.activations.min(100_000);
    let deadline = Instant::now() + Duration::from_secs(args.max_seconds.min(600));
    let pem = std::fs::read(&args.ca).map_err(|e| format!("reading {}: {e}", args.ca.display()))?;
    let http = https::client(&HttpsConfig {
        extra_roots_pem: vec![pem],
        ..HttpsConfig::default()
    })
    .map_err(|e| e.to_string())?;
    let admin = AdminClient::new(http.clone(), &args.url, &args.admin_key);
    let run = format!("load{}", std::process::id());

    // Phase 1: issue (sequentially; it is not what is measured).
    let issue_start = Instant::now();
    let mut targets = Vec::with_capacity(activations);
    for i in 0..activations {
        if Instant::now() > deadline {
            break;
        }
        let issued = admin
            .issue(&format!("{run}-{i}"), "24680")
            .await
            .map_err(|e| e.to_string())?;
        let link = issued["link"].as_str().ok_or("the issuance has no link")?;
        let target: ActivationTarget = ActivationLink::parse(link)
            .map_err(|e| e.to_string())?
            .into();
        targets.push(target);
    }
    let issue_secs = issue_start.elapsed().as_secs_f64();
    let issued = targets.len();

    // Phase 2: activate with `concurrency` workers pulling from a shared queue.
    let client = ActivationClient::new(http);
    let queue = Arc::new(tokio::sync::Mutex::new(targets));
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency.max(1) {
        let queue = Arc::clone(&queue);
        let client = client.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0usize;
            let password = ActivationPassword::new("24680").map_err(|e| e.to_string())?;
            loop {
                let Some(target) = queue.lock().await.pop() else {
                    break;
                };
                if Instant::now() > deadline {
                    break;
                }
                let t = Instant::now();
                let result = async {
                    let begun = client.begin(&target, &password, &SystemClock).await?;
                    client.complete(begun).await
                }
                .await;
                match result {
                    Ok(_) => latencies.push(t.elapsed()),
                    Err(_) => failures += 1,
                }
            }
            Ok::<_, String>((latencies, failures))
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    for worker in workers {
        let (l, f) = worker.await.map_err(|e| e.to_string())??;
        latencies.extend(l);
        failures += f;
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(f64::NAN)
    };
    let report = json!({
        "label": args.label,
        "attempted": latencies.len() + failures,
        "issue_per_s": issued as f64 / issue_secs,
        "activated": latencies.len(),
        "failed": failures,
        "concurrency": args.concurrency,
        "seconds": elapsed,
        "activations_per_s": latencies.len() as f64 / elapsed,
        "round_trip_ms_median": pick(0.5),
        "round_trip_ms_p99": pick(0.99),
    });
    println!("{report}");
    if failures > 0 {
        return Err(format!("{failures} activations failed"));
    }
    Ok(())
}

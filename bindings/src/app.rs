//! `IchieApp`: the core's `App` facade for Kotlin and Swift — one open vault.
//!
//! Every method converts its arguments, calls the facade and converts the
//! answer. The facade sits behind an async-aware mutex that the network
//! methods hold only to read what they need and to store what they got,
//! never while they wait for a server: `list()` on another thread stays
//! quick while a clock check, an activation or a status refresh is in
//! flight. The blocking methods still do disk I/O: call them off the UI
//! thread.

use std::path::Path;
use std::sync::Arc;

use ichie_core::activation::{ActivationClient, ActivationTarget};
use ichie_core::app::{self, App, ClockPolicy};
use ichie_core::clock::{DateHeaderSource, JsonTimeSource};
use ichie_core::token::TokenId;
use tokio::sync::Mutex;

use crate::activation::{self, ActivationReport, StatusOutcome};
use crate::clock::{self, ClockEstimate, ClockReport, WallClock};
use crate::error::IchieError;
use crate::https;
use crate::log::{self, LogLevel};
use crate::otp::Algorithm;
use crate::token::TokenState;
use crate::vault;

/// One token as a list screen shows it, at one instant. `Debug` shows no code.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct TokenView {
    /// Vault identifier.
    pub id: String,
    /// Issuer, if known.
    pub issuer: Option<String>,
    /// Account at the issuer.
    pub account: String,
    /// `Issuer (account)`: the line a list shows.
    pub name: String,
    /// `totp` or `hotp`.
    pub kind: String,
    /// HMAC algorithm.
    pub algorithm: Algorithm,
    /// Code length.
    pub digits: u8,
    /// TOTP step in seconds (none for HOTP).
    pub period_s: Option<u32>,
    /// HOTP counter of the next code (none for TOTP).
    pub counter: Option<u64>,
    /// The code valid now (TOTP only; none for a token its issuer revoked).
    pub code: Option<String>,
    /// The code of the next step (TOTP only).
    pub next_code: Option<String>,
    /// Milliseconds until `next_code` takes over (TOTP only): schedule the next refresh on it.
    pub ms_until_next: Option<u64>,
    /// Active or revoked by the issuer.
    pub state: TokenState,
    /// The server a token was activated with, if any.
    pub server: Option<String>,
    /// The clock correction (ms) the codes were computed with: show it when
    /// it is not zero.
    pub clock_correction_ms: i64,
}

/// The part of a token's view that changes with time (see `IchieApp::codes`).
/// `Debug` shows no code.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct TokenCode {
    /// Vault identifier.
    pub id: String,
    /// The code valid now (none for HOTP and revoked tokens).
    pub code: Option<String>,
    /// The code of the next step.
    pub next_code: Option<String>,
    /// Milliseconds until `next_code` takes over: schedule the next refresh on it.
    pub ms_until_next: Option<u64>,
}

impl std::fmt::Debug for TokenView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenView")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("state", &self.state)
            .field("ms_until_next", &self.ms_until_next)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for TokenCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCode")
            .field("id", &self.id)
            .field("ms_until_next", &self.ms_until_next)
            .finish_non_exhaustive()
    }
}

impl From<app::CodeView> for TokenCode {
    fn from(v: app::CodeView) -> Self {
        // The core's view zeroizes its codes on drop, so fields are cloned out.
        Self {
            id: v.id.clone(),
            code: v.code.clone(),
            next_code: v.next_code.clone(),
            ms_until_next: v.ms_until_next,
        }
    }
}

impl From<app::TokenView> for TokenView {
    fn from(v: app::TokenView) -> Self {
        // The core's view zeroizes its codes on drop, so fields are cloned out.
        Self {
            id: v.id.clone(),
            issuer: v.issuer.clone(),
            account: v.account.clone(),
            name: v.name.clone(),
            kind: v.kind.to_owned(),
            algorithm: v.algorithm.into(),
            digits: v.digits,
            period_s: v.period_s,
            counter: v.counter,
            code: v.code.clone(),
            next_code: v.next_code.clone(),
            ms_until_next: v.ms_until_next,
            state: v.state.into(),
            server: v.server.clone(),
            clock_correction_ms: v.clock_correction_ms,
        }
    }
}

/// What adding several tokens at once did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AddReport {
    /// Identifiers of the tokens added, in order.
    pub added: Vec<String>,
    /// Names of tokens left out because the vault already had them.
    pub skipped_duplicates: Vec<String>,
}

impl From<app::AddReport> for AddReport {
    fn from(r: app::AddReport) -> Self {
        Self {
            added: r.added,
            skipped_duplicates: r.skipped_duplicates,
        }
    }
}

/// An open vault: the token list, codes, and the network operations.
#[derive(uniffi::Object)]
pub struct IchieApp {
    app: Mutex<App>,
    /// The app's own clock, when it supplied one: asked for failures.
    app_clock: Option<Arc<clock::ForeignClock>>,
    /// Told after every change (see `set_observer`).
    observer: std::sync::Mutex<Option<Arc<dyn VaultObserver>>>,
}

/// Told when the vault's tokens or settings changed: after every change
/// made through this `IchieApp`, and when `check_for_changes` finds that
/// another process (a widget, the CLI, a second handle) changed the file.
/// Called outside the vault's lock, on the thread that made the change:
/// re-read with `list()` from there or hop to the UI thread.
#[uniffi::export(foreign)]
pub trait VaultObserver: Send + Sync {
    /// The vault changed. An error thrown here is ignored.
    fn vault_changed(&self) -> Result<(), IchieError>;
}

impl std::fmt::Debug for IchieApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IchieApp")
            .field("app", &self.app)
            .finish_non_exhaustive()
    }
}

impl IchieApp {
    fn wrap(app: App, app_clock: Option<Arc<clock::ForeignClock>>) -> Arc<Self> {
        log::log(LogLevel::Info, || {
            format!("vault open: {} tokens", app.tokens().len())
        });
        Arc::new(Self {
            app: Mutex::new(app),
            app_clock,
            observer: std::sync::Mutex::new(None),
        })
    }

    /// `result`, after telling the observer of the change when it succeeded.
    fn changed<T>(&self, result: Result<T, IchieError>) -> Result<T, IchieError> {
        if result.is_ok() {
            let observer = match self.observer.lock() {
                Ok(slot) => slot.clone(),
                Err(poisoned) => poisoned.into_inner().clone(),
            };
            log::log(LogLevel::Debug, || "vault changed".to_owned());
            if let Some(observer) = observer {
                // The app's own failure to react is not the change's failure.
                let _ = observer.vault_changed();
            }
        }
        result
    }

    /// `result`, unless the app's clock failed while it was computed: then
    /// that failure (what was computed from a missing time is dropped).
    fn timed<T>(&self, result: Result<T, IchieError>) -> Result<T, IchieError> {
        match self.app_clock.as_ref().and_then(|c| c.take_failure()) {
            Some(reason) => Err(IchieError::Internal {
                reason: format!("the app's clock failed: {reason}"),
            }),
            None => result,
        }
    }

    fn lock(&self) -> tokio::sync::MutexGuard<'_, App> {
        self.app.blocking_lock()
    }

    async fn activate(
        &self,
        target: ActivationTarget,
        password: String,
        extra_root_pem: Option<String>,
        fix_clock: bool,
    ) -> Result<ActivationReport, IchieError> {
        log::log(LogLevel::Info, || {
            format!(
                "activation for service {} at {}",
                target.service_id, target.base_url
            )
        });
        let result = self
            .run_activation(target, password, extra_root_pem, fix_clock)
            .await;
        log::outcome("activation", &result, |report| {
            format!(
                "token {} stored (clock {:+} ms, {:?})",
                report.id, report.clock.estimate.offset_ms, report.clock.verdict
            )
        });
        result
    }

    async fn run_activation(
        &self,
        target: ActivationTarget,
        password: String,
        extra_root_pem: Option<String>,
        fix_clock: bool,
    ) -> Result<ActivationReport, IchieError> {
        let client = ActivationClient::new(https::client(extra_root_pem)?);
        let policy = if fix_clock {
            ClockPolicy::ApplyCorrection
        } else {
            ClockPolicy::Refuse
        };
        let password = zeroize::Zeroizing::new(password);
        // The vault is held before and after the network, never across it:
        // quick calls on other threads do not wait behind a slow server.
        let prepared = self
            .app
            .lock()
            .await
            .prepare_activation(&password, None, policy)?;
        drop(password);
        let activated = self.timed(prepared.run(&client, &target).await.map_err(Into::into))?;
        let stored = self.app.lock().await.store_activation(activated);
        self.changed(stored.map(Into::into).map_err(Into::into))
    }
}

fn id(text: String) -> TokenId {
    TokenId::from(text)
}

#[uniffi::export]
impl IchieApp {
    /// Creates a new, empty vault at `path` under a 32-byte key and opens it.
    /// `clock` supplies the time (the system clock when absent).
    #[uniffi::constructor(default(clock = None))]
    pub fn create(
        path: String,
        key: Vec<u8>,
        max_tokens: u32,
        clock: Option<Arc<dyn WallClock>>,
    ) -> Result<Arc<Self>, IchieError> {
        let (core_clock, app_clock) = clock::core_clock(clock);
        let app = App::create(
            Path::new(&path),
            vault::key(key)?,
            None,
            vault::options(max_tokens),
            core_clock,
        )?;
        Ok(Self::wrap(app, app_clock))
    }

    /// Opens the vault at `path` with its 32-byte key.
    #[uniffi::constructor(default(clock = None))]
    pub fn open(
        path: String,
        key: Vec<u8>,
        max_tokens: u32,
        clock: Option<Arc<dyn WallClock>>,
    ) -> Result<Arc<Self>, IchieError> {
        let (core_clock, app_clock) = clock::core_clock(clock);
        let app = App::open(
            Path::new(&path),
            vault::key(key)?,
            vault::options(max_tokens),
            core_clock,
        )?;
        Ok(Self::wrap(app, app_clock))
    }

    /// Creates a new vault protected by a passphrase (Argon2id, 64 MiB) and opens it.
    #[uniffi::constructor(default(clock = None))]
    pub fn create_with_passphrase(
        path: String,
        passphrase: String,
        max_tokens: u32,
        clock: Option<Arc<dyn WallClock>>,
    ) -> Result<Arc<Self>, IchieError> {
        let passphrase = zeroize::Zeroizing::new(passphrase);
        let kdf = vault::new_kdf()?;
        let key = kdf.derive(passphrase.as_bytes())?;
        let (core_clock, app_clock) = clock::core_clock(clock);
        let app = App::create(
            Path::new(&path),
            key,
            Some(kdf),
            vault::options(max_tokens),
            core_clock,
        )?;
        Ok(Self::wrap(app, app_clock))
    }

    /// Opens a passphrase-protected vault.
    #[uniffi::constructor(default(clock = None))]
    pub fn open_with_passphrase(
        path: String,
        passphrase: String,
        max_tokens: u32,
        clock: Option<Arc<dyn WallClock>>,
    ) -> Result<Arc<Self>, IchieError> {
        let passphrase = zeroize::Zeroizing::new(passphrase);
        let path = Path::new(&path);
        let key = vault::passphrase_key(path, &passphrase)?;
        let (core_clock, app_clock) = clock::core_clock(clock);
        let app = App::open(path, key, vault::options(max_tokens), core_clock)?;
        Ok(Self::wrap(app, app_clock))
    }

    /// Every token with its current code, next code and time left.
    pub fn list(&self) -> Result<Vec<TokenView>, IchieError> {
        let views = self.lock().list().map_err(IchieError::from);
        self.timed(views.map(|v| v.into_iter().map(Into::into).collect()))
    }

    /// Every token's current and next code and time left, without the
    /// labels: the cheap per-tick refresh of a list screen (take the labels
    /// from `list()` when the vault changes).
    pub fn codes(&self) -> Result<Vec<TokenCode>, IchieError> {
        let codes = self.lock().codes().map_err(IchieError::from);
        self.timed(codes.map(|c| c.into_iter().map(Into::into).collect()))
    }

    /// One token's view now.
    pub fn view(&self, id: String) -> Result<TokenView, IchieError> {
        let view = self.lock().view_of(&self::id(id)).map_err(IchieError::from);
        self.timed(view.map(Into::into))
    }

    /// The one token a user means: an id (or a prefix of 4+ characters), a
    /// name, issuer or account (exact first, then substrings).
    pub fn find(&self, query: String) -> Result<TokenView, IchieError> {
        let view = {
            let app = self.lock();
            app.find(&query)
                .map(|t| t.id.clone())
                .and_then(|id| app.view_of(&id))
                .map_err(IchieError::from)
        };
        self.timed(view.map(Into::into))
    }

    /// Sets (or, with `None`, removes) the observer told of every change.
    pub fn set_observer(&self, observer: Option<Arc<dyn VaultObserver>>) {
        match self.observer.lock() {
            Ok(mut slot) => *slot = observer,
            Err(poisoned) => *poisoned.into_inner() = observer,
        }
    }

    /// Re-reads the vault file; when another process changed it, tells the
    /// observer and answers `true` (call it when the app comes to the
    /// foreground, or on a timer).
    pub fn check_for_changes(&self) -> Result<bool, IchieError> {
        let changed = self.lock().reload_if_changed().map_err(IchieError::from)?;
        if changed {
            log::log(LogLevel::Info, || {
                "the vault was changed by another process: re-read".to_owned()
            });
            self.changed(Ok(()))?;
        }
        Ok(changed)
    }

    /// Re-reads the vault file (another process may have changed it).
    pub fn reload(&self) -> Result<(), IchieError> {
        let reloaded = self.lock().reload().map_err(IchieError::from);
        self.changed(reloaded)
    }

    /// Adds the tokens of an `otpauth://` or `otpauth-migration://` URI.
    pub fn add_uri(&self, uri: String) -> Result<AddReport, IchieError> {
        let added = self.lock().add_uri(&uri).map_err(IchieError::from);
        self.changed(added.map(Into::into))
    }

    /// Adds a hand-typed token; `hotp_counter` makes it counter-based,
    /// otherwise it is TOTP with `period_s` (30 s when absent). Returns its id.
    #[allow(clippy::too_many_arguments)] // One argument per field of the add-token form.
    pub fn add_manual(
        &self,
        issuer: Option<String>,
        account: String,
        secret_base32: String,
        algorithm: Algorithm,
        digits: u8,
        period_s: Option<u32>,
        hotp_counter: Option<u64>,
    ) -> Result<String, IchieError> {
        let params = app::manual_params(algorithm.into(), digits, period_s, hotp_counter)?;
        let id = self
            .lock()
            .add_manual(issuer, account, &secret_base32, params)
            .map_err(IchieError::from);
        self.changed(id.map(|id| id.to_string()))
    }

    /// Changes the issuer and account a token is shown with.
    pub fn rename(
        &self,
        id: String,
        issuer: Option<String>,
        account: String,
    ) -> Result<(), IchieError> {
        let renamed = self.lock().rename(&self::id(id), issuer, account);
        self.changed(renamed.map_err(Into::into))
    }

    /// Moves a token to `position` (0-based) in the list.
    pub fn move_to(&self, id: String, position: u64) -> Result<(), IchieError> {
        let position = usize::try_from(position).unwrap_or(usize::MAX);
        let moved = self.lock().move_to(&self::id(id), position);
        self.changed(moved.map_err(Into::into))
    }

    /// Deletes a token for good.
    pub fn delete(&self, id: String) -> Result<(), IchieError> {
        let deleted = self.lock().delete(&self::id(id));
        self.changed(deleted.map_err(Into::into))
    }

    /// Marks a token revoked or active again.
    pub fn set_state(&self, id: String, state: TokenState) -> Result<(), IchieError> {
        let set = self.lock().set_state(&self::id(id), state.into());
        self.changed(set.map_err(Into::into))
    }

    /// The next code of an HOTP token (the counter is stored first).
    pub fn next_hotp_code(&self, id: String) -> Result<String, IchieError> {
        let code = self.lock().next_hotp_code(&self::id(id));
        self.changed(code.map(|c| c.to_string()).map_err(Into::into))
    }

    /// The stored clock correction in milliseconds.
    pub fn clock_correction_ms(&self) -> i64 {
        self.lock().clock_correction_ms()
    }

    /// Stores a clock correction applied to every code from now on (a value
    /// the user typed; never beyond ±24 h).
    pub fn set_clock_correction(&self, correction_ms: i64) -> Result<(), IchieError> {
        let set = self.lock().set_clock_correction(correction_ms);
        self.changed(set.map_err(Into::into))
    }

    /// "Correct automatically": stores the offset a clock check measured
    /// (`check_clock`'s `estimate`) as the correction, within the core's
    /// bound: beyond 5 minutes only with `force`, never beyond 24 h or when
    /// the measurement is too uncertain for the tokens' steps
    /// (`IchieError::CorrectionRefused`). Returns the correction stored.
    pub fn apply_clock_estimate(
        &self,
        estimate: ClockEstimate,
        force: bool,
    ) -> Result<i64, IchieError> {
        let applied = self.lock().apply_clock_estimate(&estimate.into(), force);
        self.changed(applied.map_err(Into::into))
    }

    /// The time codes are computed for (device clock plus correction), Unix ms.
    pub fn corrected_now_ms(&self) -> Result<u64, IchieError> {
        let now = self.lock().corrected_now_ms();
        self.timed(Ok(now))
    }

    /// The tokens `ids` (all when empty) as `otpauth://` URIs for another
    /// authenticator app (each carries its secret: show it, or its QR code,
    /// only after the user unlocked again). A revoked token is `Revoked`.
    #[uniffi::method(default(ids = []))]
    pub fn export_uris(&self, ids: Vec<String>) -> Result<Vec<String>, IchieError> {
        let ids: Vec<TokenId> = ids.into_iter().map(self::id).collect();
        Ok(self
            .lock()
            .export_uris(&ids)?
            .iter()
            .map(|uri| uri.to_string())
            .collect())
    }

    /// The tokens `ids` (all when empty) as Google Authenticator export URIs
    /// (`otpauth-migration://`, five tokens per URI: one QR code each). A
    /// token the format cannot carry (a period other than 30 s) is
    /// `InvalidInput`.
    #[uniffi::method(default(ids = []))]
    pub fn export_migration(&self, ids: Vec<String>) -> Result<Vec<String>, IchieError> {
        let ids: Vec<TokenId> = ids.into_iter().map(self::id).collect();
        Ok(self
            .lock()
            .export_migration(&ids)?
            .iter()
            .map(|uri| uri.to_string())
            .collect())
    }

    /// Re-encrypts the vault under a new passphrase (the same Argon2id cost,
    /// a fresh salt); the old one no longer opens it.
    pub fn change_passphrase(&self, passphrase: String) -> Result<(), IchieError> {
        let passphrase = zeroize::Zeroizing::new(passphrase);
        Ok(self.lock().change_passphrase(passphrase.as_bytes())?)
    }

    /// Re-encrypts the vault under a new 32-byte platform key (for example
    /// after the keystore key was replaced); a passphrase no longer opens it.
    pub fn change_key(&self, key: Vec<u8>) -> Result<(), IchieError> {
        Ok(self.lock().change_key(vault::key(key)?)?)
    }

    /// Writes every token to a passphrase-protected backup (Argon2id + AES-GCM).
    pub fn export_backup(&self, passphrase: String) -> Result<Vec<u8>, IchieError> {
        let passphrase = zeroize::Zeroizing::new(passphrase);
        let kdf = vault::new_kdf()?;
        Ok(self.lock().export_backup(passphrase.as_bytes(), &kdf)?)
    }

    /// Adds the tokens of a backup; those already present are skipped and reported.
    pub fn import_backup(
        &self,
        backup: Vec<u8>,
        passphrase: String,
    ) -> Result<AddReport, IchieError> {
        let passphrase = zeroize::Zeroizing::new(passphrase);
        let imported = self.lock().import_backup(&backup, passphrase.as_bytes());
        self.changed(imported.map(Into::into).map_err(Into::into))
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl IchieApp {
    /// Measures the device clock against `url`: an Ichie server's `/v1/time`,
    /// or with `date_header` any HTTPS server's `Date` header. The correction
    /// is not changed (see `set_clock_correction`).
    #[uniffi::method(default(extra_root_pem = None, date_header = false))]
    pub async fn check_clock(
        &self,
        url: String,
        extra_root_pem: Option<String>,
        date_header: bool,
    ) -> Result<ClockReport, IchieError> {
        let client = https::client(extra_root_pem)?;
        let url = url.parse().map_err(|_| IchieError::InvalidInput {
            reason: format!("not a URL: {url:?}"),
        })?;
        let check = self.app.lock().await.clock_check();
        let report = if date_header {
            check.run(&DateHeaderSource::new(client, url)).await
        } else {
            check.run(&JsonTimeSource::new(client, url)).await
        };
        let report = self.timed(report.map_err(IchieError::from));
        log::outcome("clock check", &report, |r| {
            format!(
                "offset {:+} ms ± {} ms, {:?}",
                r.estimate.offset_ms, r.estimate.uncertainty_ms, r.verdict
            )
        });
        let report = report?;
        Ok(report.into())
    }

    /// Activates the token an activation link names, with the password the
    /// user typed. The link is checked against the app's service directory
    /// first (`directory_json`, shipped with the app; `None` for none): a
    /// listed service with another server or key is refused
    /// (`IchieError::LinkMismatch`); an unlisted one only with
    /// `trust_unknown_service`, which the app sets after the user confirmed
    /// the host and fingerprint `inspect_activation_link` showed (else
    /// `IchieError::UnconfirmedService`). With `fix_clock`, a clock that is
    /// off is corrected instead of refused (`IchieError::ClockOff`).
    #[uniffi::method(default(
        directory_json = None,
        trust_unknown_service = false,
        extra_root_pem = None,
        fix_clock = false
    ))]
    pub async fn activate_with_link(
        &self,
        link: String,
        password: String,
        directory_json: Option<String>,
        trust_unknown_service: bool,
        extra_root_pem: Option<String>,
        fix_clock: bool,
    ) -> Result<ActivationReport, IchieError> {
        let target = activation::checked_link_target(
            &link,
            directory_json.as_deref(),
            trust_unknown_service,
        )?;
        self.activate(target, password, extra_root_pem, fix_clock)
            .await
    }

    /// Activates the token of `user_id` at `service_id`, found in a service
    /// directory (JSON, shipped with the app).
    #[uniffi::method(default(extra_root_pem = None, fix_clock = false))]
    pub async fn activate_with_service(
        &self,
        directory_json: String,
        service_id: String,
        user_id: String,
        password: String,
        extra_root_pem: Option<String>,
        fix_clock: bool,
    ) -> Result<ActivationReport, IchieError> {
        let target = activation::directory_target(&directory_json, &service_id, &user_id)?;
        self.activate(target, password, extra_root_pem, fix_clock)
            .await
    }

    /// Asks each activated token's server for its state and marks revoked ones.
    #[uniffi::method(default(extra_root_pem = None))]
    pub async fn refresh_status(
        &self,
        extra_root_pem: Option<String>,
    ) -> Result<Vec<StatusOutcome>, IchieError> {
        let client = ActivationClient::new(https::client(extra_root_pem)?);
        let queries = self.app.lock().await.status_queries();
        let answers = queries.run(&client).await;
        let outcomes = self.app.lock().await.apply_statuses(answers);
        self.changed(
            outcomes
                .map(|o| o.into_iter().map(Into::into).collect())
                .map_err(Into::into),
        )
    }
}

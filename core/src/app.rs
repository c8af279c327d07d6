//! The facade the shells and the CLI drive: one open vault, codes at the
//! corrected time, adding and arranging tokens, the clock check, backups.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use zeroize::{Zeroize, Zeroizing};

use crate::backup::{self, BackupError};
use crate::clock::{
    self, ClockError, ClockEstimate, ClockVerdict, CorrectionError, TimeSource, WallClock,
};
use crate::otp::{Algorithm, Code, Digits, OtpError, Step};
use crate::token::{
    self, Base32Error, Generator, Origin, OtpKind, OtpParams, Token, TokenId, TokenSpec, TokenState,
};
use crate::uri::{self, UriError};
use crate::vault::{KdfParams, Vault, VaultContents, VaultError, VaultKey, VaultOptions};

/// Everything the facade can refuse, with the cause a UI can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The vault could not be opened, read or written (wrong key, corrupt, full, I/O…).
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// A URI or QR payload was not a usable token.
    #[error(transparent)]
    Uri(#[from] UriError),
    /// A typed-in secret was not base32.
    #[error(transparent)]
    Secret(#[from] Base32Error),
    /// Parameters out of range, or a time before a token's T0.
    #[error(transparent)]
    Otp(#[from] OtpError),
    /// A backup could not be written or read.
    #[error(transparent)]
    Backup(#[from] BackupError),
    /// The clock check failed.
    #[error(transparent)]
    Clock(#[from] ClockError),
    /// A clock correction was refused: too large, too uncertain, or large
    /// enough to need force (see [`clock::bound_correction`]).
    #[error(transparent)]
    Correction(#[from] CorrectionError),
    /// The token is already in the vault (same secret and parameters).
    #[error("{name} is already in the vault")]
    Duplicate {
        /// How the existing token is named.
        name: String,
    },
    /// No token matches what the user asked for.
    #[error("no token matches {0:?}")]
    NoMatch(String),
    /// Activation could not go on: wrong password (with attempts left),
    /// locked, expired, revoked, a forged answer, the network, TLS.
    #[cfg(feature = "client")]
    #[error(transparent)]
    Activation(#[from] crate::activation::ActivationClientError),
    /// An activation input or message was refused (e.g. the password is not 4–8 digits).
    #[error(transparent)]
    Protocol(#[from] crate::activation::ActivationError),
    /// The device clock is so far off that the token's codes would be wrong.
    #[error(
        "this device's clock is off by {:+.1} s; codes would be refused (fix the clock or accept a correction)",
        *offset_ms as f64 / 1000.0
    )]
    ClockOff {
        /// Server time minus device time, in milliseconds.
        offset_ms: i64,
    },
    /// Several tokens match; the user must be more precise.
    #[error("{query:?} matches {} tokens: {}", names.len(), names.join(", "))]
    Ambiguous {
        /// What the user asked for.
        query: String,
        /// The names of the tokens that match.
        names: Vec<String>,
    },
    /// The operation needs a counter-based (HOTP) token.
    #[error("{0} is time-based; it has no counter to advance")]
    NotHotp(String),
    /// The issuer revoked the token: its codes are refused, so none is made.
    #[error(
        "{0} was revoked by its issuer: its codes are refused (delete it, or ask the service for a new token)"
    )]
    Revoked(String),
    /// The system random generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// A position outside the list.
    #[error("position {position} is outside the list of {len} tokens")]
    BadPosition {
        /// The requested position (0-based).
        position: usize,
        /// How many tokens there are.
        len: usize,
    },
}

impl From<ring::error::Unspecified> for AppError {
    fn from(_: ring::error::Unspecified) -> Self {
        Self::Random
    }
}

/// One token as a list screen shows it, at one instant.
#[derive(Clone, Serialize)]
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
    pub kind: &'static str,
    /// HMAC algorithm.
    pub algorithm: Algorithm,
    /// Code length.
    pub digits: u8,
    /// TOTP step in seconds (None for HOTP).
    pub period_s: Option<u32>,
    /// HOTP counter of the next code (None for TOTP).
    pub counter: Option<u64>,
    /// The code valid now (TOTP only: an HOTP code is made on request; none
    /// for a token its issuer revoked).
    pub code: Option<String>,
    /// The code of the next step (TOTP only).
    pub next_code: Option<String>,
    /// Milliseconds until `next_code` takes over (TOTP only).
    pub ms_until_next: Option<u64>,
    /// Active or revoked by the issuer.
    pub state: TokenState,
    /// The server a token was activated with, if any.
    pub server: Option<String>,
    /// The clock correction the code was computed with, in milliseconds
    /// (added to the device time; 0 when none is stored). A UI shows it
    /// whenever it is not 0, so a correction is never in effect unseen.
    pub clock_correction_ms: i64,
}

impl Drop for TokenView {
    fn drop(&mut self) {
        self.code.zeroize();
        self.next_code.zeroize();
    }
}

/// The part of a [`TokenView`] that changes with time: what a ticking list
/// screen refreshes between full reloads.
#[derive(Clone, Serialize)]
pub struct CodeView {
    /// Vault identifier.
    pub id: String,
    /// The code valid now (none for HOTP and revoked tokens).
    pub code: Option<String>,
    /// The code of the next step.
    pub next_code: Option<String>,
    /// Milliseconds until `next_code` takes over.
    pub ms_until_next: Option<u64>,
}

impl Drop for CodeView {
    fn drop(&mut self) {
        self.code.zeroize();
        self.next_code.zeroize();
    }
}

impl fmt::Debug for CodeView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodeView")
            .field("id", &self.id)
            .field("ms_until_next", &self.ms_until_next)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for TokenView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenView")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("ms_until_next", &self.ms_until_next)
            .field("state", &self.state)
            .field("clock_correction_ms", &self.clock_correction_ms)
            .finish_non_exhaustive()
    }
}

/// What adding several tokens at once did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AddReport {
    /// Identifiers of the tokens added, in order.
    pub added: Vec<String>,
    /// Names of tokens left out because the vault already had them.
    pub skipped_duplicates: Vec<String>,
}

/// What to do when activation finds the device clock off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClockPolicy {
    /// Stop before the password is sent, with [`AppError::ClockOff`], if the
    /// codes would be wrong; store no correction.
    #[default]
    Refuse,
    /// Store the measured offset as the clock correction when the clock is
    /// not fine, within [`clock::bound_correction`] without force (at most
    /// [`clock::FORCE_CORRECTION_ABOVE_MS`]). If the codes would be wrong and
    /// the bound refuses, stop before the password is sent with
    /// [`AppError::Correction`]; if they would merely be doubtful, go on
    /// without a correction.
    ApplyCorrection,
    /// As [`ClockPolicy::ApplyCorrection`], but forced: corrections up to
    /// [`clock::MAX_CORRECTION_MS`] are stored. The user must have asked.
    ForceCorrection,
}

/// What an activation did.
#[derive(Debug, Clone, Serialize)]
pub struct ActivationReport {
    /// The new token's vault id.
    pub id: String,
    /// How the token is named in the list.
    pub name: String,
    /// The device clock against the server's signed time.
    pub clock: ClockReport,
    /// Whether the measured offset was stored as the clock correction.
    pub correction_applied: bool,
}

/// One activated token's state as its server reported it.
#[cfg(feature = "client")]
#[derive(Debug, Clone, Serialize)]
pub struct StatusOutcome {
    /// Vault id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The server's answer, when it gave one.
    pub state: Option<crate::activation::RemoteTokenState>,
    /// Why there is no answer.
    pub error: Option<String>,
}

/// The result of a clock check: the measured offset and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClockReport {
    /// Offset, uncertainty and round trip.
    pub estimate: ClockEstimate,
    /// Fine, warn, or codes wrong — judged against the shortest step in use.
    pub verdict: ClockVerdict,
    /// The step the verdict was judged against, in seconds.
    pub judged_step_s: u32,
}

/// An open vault and the generators of its tokens.
pub struct App {
    vault: Vault,
    clock: Arc<dyn WallClock>,
    generators: HashMap<TokenId, Generator>,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("vault", &self.vault.path())
            .field("tokens", &self.vault.contents().tokens.len())
            .finish_non_exhaustive()
    }
}

impl App {
    /// Creates a new, empty vault at `path` and opens it.
    pub fn create(
        path: &Path,
        key: VaultKey,
        kdf: Option<KdfParams>,
        options: VaultOptions,
        clock: Arc<dyn WallClock>,
    ) -> Result<Self, AppError> {
        Ok(Self::with_vault(
            Vault::create(path, key, kdf, options)?,
            clock,
        ))
    }

    /// Opens an existing vault.
    pub fn open(
        path: &Path,
        key: VaultKey,
        options: VaultOptions,
        clock: Arc<dyn WallClock>,
    ) -> Result<Self, AppError> {
        Ok(Self::with_vault(Vault::open(path, key, options)?, clock))
    }

    fn with_vault(vault: Vault, clock: Arc<dyn WallClock>) -> Self {
        let mut app = Self {
            vault,
            clock,
            generators: HashMap::new(),
        };
        app.rebuild_generators();
        app
    }

    fn rebuild_generators(&mut self) {
        self.generators = self
            .vault
            .contents()
            .tokens
            .iter()
            .map(|t| (t.id.clone(), t.spec.generator()))
            .collect();
    }

    /// Runs a vault change under the vault's lock, on the contents freshly
    /// re-read there (every check that depends on what is in the vault, such
    /// as duplicates, belongs inside `change`), and refreshes the prepared
    /// generators.
    pub(crate) fn update<R>(
        &mut self,
        change: impl FnOnce(&mut VaultContents) -> Result<R, AppError>,
    ) -> Result<R, AppError> {
        let result = self.vault.try_update(change);
        // Even a failed update may have reloaded what another process wrote.
        self.rebuild_generators();
        result
    }

    /// The tokens in display order.
    pub fn tokens(&self) -> &[Token] {
        &self.vault.contents().tokens
    }

    /// The vault's location.
    pub fn vault_path(&self) -> &Path {
        self.vault.path()
    }

    /// Re-encrypts the vault under a new passphrase: a fresh salt, the same
    /// Argon2id cost as now (the recommended cost for a vault that had a
    /// platform key). The old passphrase no longer opens it; a failed write
    /// leaves the old file.
    pub fn change_passphrase(&mut self, passphrase: &[u8]) -> Result<(), AppError> {
        if passphrase.is_empty() {
            return Err(VaultError::Kdf("the passphrase is empty".into()).into());
        }
        let kdf = match self.vault.kdf() {
            Some(old) => KdfParams::with_cost(old.memory_kib, old.iterations, old.parallelism)?,
            None => KdfParams::recommended()?,
        };
        let key = kdf.derive(passphrase)?;
        Ok(self.vault.change_key(key, Some(kdf))?)
    }

    /// Re-encrypts the vault under a new platform key (a passphrase no
    /// longer opens it).
    pub fn change_key(&mut self, key: VaultKey) -> Result<(), AppError> {
        Ok(self.vault.change_key(key, None)?)
    }

    /// Re-reads the vault file and says whether another process (a widget,
    /// the CLI, a second app handle) changed what it holds.
    pub fn reload_if_changed(&mut self) -> Result<bool, AppError> {
        let before = self.vault.contents().clone();
        self.reload()?;
        Ok(*self.vault.contents() != before)
    }

    /// Re-reads the vault file (another process may have changed it).
    pub fn reload(&mut self) -> Result<(), AppError> {
        self.vault.reload()?;
        self.rebuild_generators();
        Ok(())
    }

    /// The time codes are computed for: the device clock plus the stored
    /// correction, in Unix milliseconds.
    pub fn corrected_now_ms(&self) -> u64 {
        let now = i128::from(self.clock.now_ms());
        let corrected = now + i128::from(self.vault.contents().clock_correction_ms);
        u64::try_from(corrected.max(0)).unwrap_or(u64::MAX)
    }

    /// Every token with its current code, next code and time left.
    pub fn list(&self) -> Result<Vec<TokenView>, AppError> {
        let now = self.corrected_now_ms();
        self.tokens().iter().map(|t| self.view(t, now)).collect()
    }

    /// Every token's current code, next code and time left, and nothing
    /// else: the cheap refresh of a ticking screen (the labels come from
    /// [`App::list`]).
    pub fn codes(&self) -> Result<Vec<CodeView>, AppError> {
        let now = self.corrected_now_ms();
        self.tokens()
            .iter()
            .map(|t| {
                let window = self.window(t, now)?;
                Ok(CodeView {
                    id: t.id.to_string(),
                    code: window.as_ref().map(|w| w.code.to_string()),
                    next_code: window.as_ref().map(|w| w.next_code.to_string()),
                    ms_until_next: window.as_ref().map(|w| w.ms_until_next),
                })
            })
            .collect()
    }

    /// The TOTP window a token shows at `now_ms`: none for HOTP, for revoked
    /// tokens (the issuer refuses their codes) and on a generator-cache miss
    /// (a bug: better no code than a wrong one).
    fn window(
        &self,
        token: &Token,
        now_ms: u64,
    ) -> Result<Option<crate::otp::CodeWindow>, AppError> {
        if token.state == TokenState::Revoked {
            return Ok(None);
        }
        match self.generators.get(&token.id) {
            Some(Generator::Totp(totp)) => Ok(Some(totp.window_at(now_ms)?)),
            _ => Ok(None),
        }
    }

    /// One token's view at the current (corrected) time.
    pub fn view_of(&self, id: &TokenId) -> Result<TokenView, AppError> {
        let token = self.token(id)?;
        self.view(token, self.corrected_now_ms())
    }

    fn view(&self, token: &Token, now_ms: u64) -> Result<TokenView, AppError> {
        let spec = &token.spec;
        let mut view = TokenView {
            id: token.id.to_string(),
            issuer: spec.issuer.clone(),
            account: spec.account.clone(),
            name: spec.display_name(),
            kind: "totp",
            algorithm: spec.params.algorithm,
            digits: spec.params.digits.get(),
            period_s: None,
            counter: None,
            code: None,
            next_code: None,
            ms_until_next: None,
            state: token.state,
            server: match &token.origin {
                Origin::Activated(binding) => Some(binding.base_url.clone()),
                Origin::Imported => None,
            },
            clock_correction_ms: self.clock_correction_ms(),
        };
        match spec.params.kind {
            OtpKind::Totp { step, .. } => {
                view.period_s = Some(step.as_secs());
                if let Some(window) = self.window(token, now_ms)? {
                    view.code = Some(window.code.to_string());
                    view.next_code = Some(window.next_code.to_string());
                    view.ms_until_next = Some(window.ms_until_next);
                }
            }
            OtpKind::Hotp { counter } => {
                view.kind = "hotp";
                view.counter = Some(counter);
            }
        }
        Ok(view)
    }

    pub(crate) fn token(&self, id: &TokenId) -> Result<&Token, AppError> {
        self.tokens()
            .iter()
            .find(|t| &t.id == id)
            .ok_or_else(|| AppError::NoMatch(id.to_string()))
    }

    /// Finds the one token a user means: an id (or a prefix of at least 4
    /// characters of one), or a case-insensitive name, issuer or account —
    /// exact matches first, then substrings.
    pub fn find(&self, query: &str) -> Result<&Token, AppError> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Err(AppError::NoMatch(query.to_owned()));
        }
        let tokens = self.tokens();
        let by_id: Vec<&Token> = tokens
            .iter()
            .filter(|t| q.len() >= 4 && t.id.as_str().starts_with(&q))
            .collect();
        let exact: Vec<&Token> = tokens
            .iter()
            .filter(|t| {
                let s = &t.spec;
                s.display_name().to_lowercase() == q
                    || s.account.to_lowercase() == q
                    || s.issuer.as_deref().is_some_and(|i| i.to_lowercase() == q)
            })
            .collect();
        let partial: Vec<&Token> = tokens
            .iter()
            .filter(|t| t.spec.display_name().to_lowercase().contains(&q))
            .collect();
        for candidates in [by_id, exact, partial] {
            match candidates.as_slice() {
                [] => continue,
                [one] => return Ok(one),
                many => {
                    return Err(AppError::Ambiguous {
                        query: query.to_owned(),
                        names: many.iter().map(|t| t.spec.display_name()).collect(),
                    });
                }
            }
        }
        Err(AppError::NoMatch(query.to_owned()))
    }

    /// Adds the tokens of an `otpauth://` or `otpauth-migration://` URI (a
    /// scanned QR code). A single token already present is an error; from a
    /// migration batch, tokens already present are skipped and reported
    /// (the report's `added` may then be empty).
    pub fn add_uri(&mut self, text: &str) -> Result<AddReport, AppError> {
        let mut specs = uri::parse_any(text)?;
        if specs.len() == 1
            && let Some(single) = specs.pop()
        {
            let id = self.add_token(single, Origin::Imported)?;
            return Ok(AddReport {
                added: vec![id.to_string()],
                skipped_duplicates: Vec::new(),
            });
        }
        self.add_specs(
            specs
                .into_iter()
                .map(|s| (s, Origin::Imported, TokenState::Active)),
        )
    }

    /// Adds a token typed in by hand: a base32 secret and its parameters.
    pub fn add_manual(
        &mut self,
        issuer: Option<String>,
        account: String,
        secret_base32: &str,
        params: OtpParams,
    ) -> Result<TokenId, AppError> {
        let spec = TokenSpec {
            issuer: issuer.filter(|i| !i.trim().is_empty()),
            account,
            secret: token::decode_base32_secret(secret_base32)?,
            params,
        };
        self.add_token(spec, Origin::Imported)
    }

    /// Adds one token that is not in the vault yet. The duplicate check runs
    /// under the vault's lock on the contents re-read there, so of several
    /// processes adding the same token at once exactly one succeeds and the
    /// others get [`AppError::Duplicate`].
    pub fn add_token(&mut self, spec: TokenSpec, origin: Origin) -> Result<TokenId, AppError> {
        let token = Token::new(spec, origin)?;
        let id = token.id.clone();
        self.update(move |c| {
            if let Some(existing) = duplicate_in(&c.tokens, &token.spec) {
                return Err(AppError::Duplicate {
                    name: existing.spec.display_name(),
                });
            }
            c.tokens.push(token);
            Ok(())
        })?;
        Ok(id)
    }

    /// Adds many tokens in one write; those already present (or repeated
    /// within the batch) are skipped and named in the report. The check runs
    /// under the vault's lock on the contents re-read there. Nothing is added
    /// if the batch would overflow the vault; nothing is written if every
    /// token is skipped.
    fn add_specs(
        &mut self,
        specs: impl IntoIterator<Item = (TokenSpec, Origin, TokenState)>,
    ) -> Result<AddReport, AppError> {
        let mut candidates = Vec::new();
        for (spec, origin, state) in specs {
            let mut token = Token::new(spec, origin)?;
            token.state = state;
            candidates.push(token);
        }
        self.update(move |c| {
            let mut report = AddReport::default();
            for token in candidates {
                // Tokens added earlier in this batch are in `c.tokens` already.
                if duplicate_in(&c.tokens, &token.spec).is_some() {
                    report.skipped_duplicates.push(token.spec.display_name());
                } else {
                    report.added.push(token.id.to_string());
                    c.tokens.push(token);
                }
            }
            Ok(report)
        })
    }

    /// Changes the issuer and account a token is shown with.
    pub fn rename(
        &mut self,
        id: &TokenId,
        issuer: Option<String>,
        account: String,
    ) -> Result<(), AppError> {
        let issuer = issuer.filter(|i| !i.trim().is_empty());
        self.update(|c| {
            let token = c.token_mut(id)?;
            token.spec.issuer = issuer;
            token.spec.account = account;
            Ok(())
        })
    }

    /// Moves a token to `position` (0-based) in the list.
    pub fn move_to(&mut self, id: &TokenId, position: usize) -> Result<(), AppError> {
        let len = self.tokens().len();
        if position >= len {
            return Err(AppError::BadPosition { position, len });
        }
        self.update(|c| {
            let from = c.position(id)?;
            let token = c.tokens.remove(from);
            let at = position.min(c.tokens.len());
            c.tokens.insert(at, token);
            Ok(())
        })
    }

    /// Deletes a token for good.
    pub fn delete(&mut self, id: &TokenId) -> Result<(), AppError> {
        self.update(|c| {
            let at = c.position(id)?;
            c.tokens.remove(at);
            Ok(())
        })
    }

    /// Marks a token revoked (the issuer said so) or active again.
    pub fn set_state(&mut self, id: &TokenId, state: TokenState) -> Result<(), AppError> {
        self.update(|c| {
            c.token_mut(id)?.state = state;
            Ok(())
        })
    }

    /// The next code of an HOTP token. The advanced counter is written to the
    /// vault before the code is returned, so a code is never shown twice.
    pub fn next_hotp_code(&mut self, id: &TokenId) -> Result<Code, AppError> {
        let token = self.token(id)?;
        let name = token.spec.display_name();
        if token.state == TokenState::Revoked {
            return Err(AppError::Revoked(name));
        }
        let counter = self.update(|c| {
            let token = c.token_mut(id)?;
            match token.spec.params.kind {
                OtpKind::Hotp { counter } => {
                    token.spec.params.kind = OtpKind::Hotp {
                        counter: counter.saturating_add(1),
                    };
                    Ok(Some(counter))
                }
                OtpKind::Totp { .. } => Ok(None),
            }
        })?;
        match (counter, self.generators.get(id)) {
            (Some(counter), Some(Generator::Hotp(hotp))) => Ok(hotp.code(counter)),
            _ => Err(AppError::NotHotp(name)),
        }
    }

    /// The stored clock correction in milliseconds (added to the device time).
    pub fn clock_correction_ms(&self) -> i64 {
        self.vault.contents().clock_correction_ms
    }

    /// Stores a clock correction applied to every code from now on, as typed
    /// by the user (0 removes it). Refused with [`CorrectionError::TooLarge`]
    /// beyond [`clock::MAX_CORRECTION_MS`]. A measured offset is stored with
    /// [`App::apply_clock_report`] instead, which also judges the
    /// measurement's uncertainty.
    pub fn set_clock_correction(&mut self, correction_ms: i64) -> Result<(), AppError> {
        clock::check_correction_size(correction_ms, true)?;
        self.update(|c| {
            c.clock_correction_ms = correction_ms;
            Ok(())
        })
    }

    /// Stores the offset a clock check measured as the clock correction, if
    /// [`clock::bound_correction`] allows it for the shortest step among the
    /// tokens (`force` lets corrections beyond
    /// [`clock::FORCE_CORRECTION_ABOVE_MS`] through, never beyond
    /// [`clock::MAX_CORRECTION_MS`]). Returns the correction stored; on
    /// refusal, the stored correction is unchanged.
    pub fn apply_clock_report(
        &mut self,
        report: &ClockReport,
        force: bool,
    ) -> Result<i64, AppError> {
        self.apply_clock_estimate(&report.estimate, force)
    }

    /// [`App::apply_clock_report`] from the estimate alone (what a shell
    /// kept of an earlier check).
    pub fn apply_clock_estimate(
        &mut self,
        estimate: &ClockEstimate,
        force: bool,
    ) -> Result<i64, AppError> {
        let correction = clock::bound_correction(estimate, self.shortest_step(), force)?;
        self.update(|c| {
            c.clock_correction_ms = correction;
            Ok(())
        })?;
        Ok(correction)
    }

    /// Measures the device clock against `source` and judges the offset
    /// against the shortest step among the tokens (30 s if there are none).
    /// The correction is not changed; see [`App::apply_clock_report`].
    /// (`App::clock_check` does the same without holding the `App`.)
    pub async fn check_clock<S: TimeSource>(&self, source: &S) -> Result<ClockReport, AppError> {
        self.clock_check().run(source).await
    }

    /// The shortest TOTP step in the vault, 30 s when there is no TOTP token.
    pub(crate) fn shortest_step(&self) -> Step {
        self.shortest_totp_step().unwrap_or_default()
    }

    pub(crate) fn shortest_totp_step(&self) -> Option<Step> {
        self.tokens()
            .iter()
            .filter_map(|t| match t.spec.params.kind {
                OtpKind::Totp { step, .. } => Some(step),
                OtpKind::Hotp { .. } => None,
            })
            .min_by_key(|s| s.as_secs())
    }

    /// The tokens `ids` (all when empty) as `otpauth://` URIs, for another
    /// authenticator app: each URI carries the secret, so show it only after
    /// the user unlocked again. A revoked token is refused.
    pub fn export_uris(&self, ids: &[TokenId]) -> Result<Vec<Zeroizing<String>>, AppError> {
        Ok(self.exportable(ids)?.into_iter().map(uri::format).collect())
    }

    /// The tokens `ids` (all when empty) as Google Authenticator export
    /// URIs (`otpauth-migration://`, five tokens a URI, one QR code each).
    /// Refused for a revoked token and for one the format cannot carry
    /// (a period other than 30 s).
    pub fn export_migration(&self, ids: &[TokenId]) -> Result<Vec<Zeroizing<String>>, AppError> {
        let specs = self.exportable(ids)?;
        let mut id = [0u8; 4];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut id)
            .map_err(|_| AppError::Random)?;
        let batch_id = i32::from_be_bytes(id) & i32::MAX;
        Ok(uri::format_migration(&specs, batch_id)?)
    }

    /// The specs of `ids` (every token when empty), refusing revoked ones.
    fn exportable(&self, ids: &[TokenId]) -> Result<Vec<&TokenSpec>, AppError> {
        let tokens: Vec<&Token> = if ids.is_empty() {
            self.tokens().iter().collect()
        } else {
            ids.iter()
                .map(|id| self.token(id))
                .collect::<Result<_, _>>()?
        };
        tokens
            .into_iter()
            .map(|t| match t.state {
                TokenState::Revoked => Err(AppError::Revoked(t.spec.display_name())),
                _ => Ok(&t.spec),
            })
            .collect()
    }

    /// Writes every token to a passphrase-protected backup (Argon2id + AES-GCM).
    pub fn export_backup(&self, passphrase: &[u8], kdf: &KdfParams) -> Result<Vec<u8>, AppError> {
        Ok(backup::export(self.tokens(), passphrase, kdf)?)
    }

    /// Adds the tokens of a backup (with their origin and state); tokens
    /// already present are skipped and reported, never duplicated. All or nothing if the vault would overflow.
    pub fn import_backup(
        &mut self,
        bytes: &[u8],
        passphrase: &[u8],
    ) -> Result<AddReport, AppError> {
        let tokens = backup::import(bytes, passphrase)?;
        self.add_specs(tokens.into_iter().map(|t| (t.spec, t.origin, t.state)))
    }
}

/// The token among `tokens` that makes the same codes as `spec`, if any.
fn duplicate_in<'a>(tokens: &'a [Token], spec: &TokenSpec) -> Option<&'a Token> {
    tokens.iter().find(|t| t.spec.same_codes_as(spec))
}

/// Parameters for a hand-typed token, with the usual defaults.
pub fn manual_params(
    algorithm: Algorithm,
    digits: u8,
    step_s: Option<u32>,
    hotp_counter: Option<u64>,
) -> Result<OtpParams, AppError> {
    let kind = match hotp_counter {
        Some(counter) => OtpKind::Hotp { counter },
        None => OtpKind::Totp {
            step: Step::from_secs(u64::from(step_s.unwrap_or(30)))?,
            t0: 0,
        },
    };
    Ok(OtpParams {
        algorithm,
        digits: Digits::new(u64::from(digits))?,
        kind,
    })
}

mod remote;
#[cfg(test)]
mod tests;

pub use remote::ClockCheck;
#[cfg(feature = "client")]
pub use remote::{ActivatedPending, PreparedActivation, StatusAnswers, StatusQueries};

//! Verification of a user's code: window, replay protection, drift, lockout.

use ichie_core::activation::Identifier;
use ichie_core::otp::{Secret, Totp};
use ichie_core::wire::VerifyRejection;
use serde::Serialize;

use super::activation::totp_params;
use super::{Service, ServiceError};
use crate::seal::seed_aad;
use crate::store::{KeyCheck, TokenRow};

use super::cache::CachedToken;

/// The answer to a verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyOutcome {
    /// `accepted` or `rejected`.
    pub result: &'static str,
    /// Why it was rejected: `invalid_code`, `replayed`, `locked`, `revoked` or `no_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<VerifyRejection>,
    /// The accepted step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<u64>,
}

impl VerifyOutcome {
    fn accepted(step: u64) -> Self {
        Self {
            result: "accepted",
            reason: None,
            step: Some(step),
        }
    }

    fn rejected(reason: VerifyRejection) -> Self {
        Self {
            result: "rejected",
            reason: Some(reason),
            step: None,
        }
    }

    /// Whether the code was accepted.
    pub fn is_accepted(&self) -> bool {
        self.result == "accepted"
    }
}

/// What the app's token-status endpoint says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenStatus {
    /// In use.
    Active,
    /// Revoked by an operator.
    Revoked,
    /// Locked after too many failed verifications.
    Locked,
}

/// The longest code accepted as input at all (longer is a malformed request).
const MAX_CODE_LEN: usize = 10;

/// The largest drift (in steps, either way) recorded for a token and used to
/// centre its window (RFC 6238 §6): a clock off by more needs a correction on
/// the device, not an ever wider window.
pub const MAX_DRIFT_STEPS: i64 = 10;

/// What a code matched in a token's search range.
enum Matched {
    /// A step acceptable now (inside the drift-centred window, after the last accepted step).
    Acceptable(u64),
    /// Only steps at or before the last accepted one: a replay.
    Replayed,
    /// Nothing.
    Nothing,
}

impl Service {
    /// Verifies `code` for `user_id` of this server's service.
    ///
    /// A code is accepted for a step within ±`verify_window` steps of the
    /// server's step plus the drift recorded at the token's last success
    /// (bounded by [`MAX_DRIFT_STEPS`]), and only if that step is later than
    /// the last accepted one; every state change is one conditional UPDATE,
    /// so several instances sharing the database never accept a step twice.
    ///
    /// A user whose token was verified before takes the fast path: the
    /// token's ID and prepared key (immutable) come from the in-memory cache
    /// and one conditional UPDATE decides (accepts, or counts a failure);
    /// whatever that UPDATE refuses (replay, lock, revocation, a stale cache
    /// entry) falls through to the path that reads the token row.
    pub async fn verify(
        &self,
        service_id: Option<&str>,
        user_id: &str,
        code: &str,
    ) -> Result<VerifyOutcome, ServiceError> {
        self.verify_with_key(None, service_id, user_id, code).await
    }

    /// [`Service::verify`] for a request let in on an API key checked
    /// earlier (`recheck`, its SHA-256; see
    /// [`Service::authenticate_verifier`]): the fast path's UPDATE changes
    /// nothing unless that key is still valid in the database, and before
    /// any other path the key is checked again
    /// ([`ServiceError::Unauthorized`] if it is no longer valid).
    pub async fn verify_with_key(
        &self,
        recheck: Option<[u8; 32]>,
        service_id: Option<&str>,
        user_id: &str,
        code: &str,
    ) -> Result<VerifyOutcome, ServiceError> {
        if service_id.is_some_and(|s| s != self.settings().service_id) {
            return Err(ServiceError::BadRequest("unknown service_id".into()));
        }
        Identifier::new(user_id)
            .map_err(|_| ServiceError::BadRequest("user_id is not a valid identifier".into()))?;
        self.check_rate(super::Bucket::VerifyUser, user_id)?;
        if code.is_empty() || code.len() > MAX_CODE_LEN || !code.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(ServiceError::BadRequest(
                "code must be 1 to 10 digits".into(),
            ));
        }
        let now = self.now_ms();
        let key = recheck.as_ref().map(|hash| KeyCheck {
            hash: hash.as_slice(),
            now_ms: now,
        });
        if let Some(cached) = self.token_cache().get(user_id)
            && let Some(outcome) = self.verify_cached(&cached, user_id, code, now, key).await?
        {
            return Ok(outcome);
        }
        if let Some(hash) = &recheck
            && self.authenticate_hash(hash).await?.is_none()
        {
            return Err(ServiceError::Unauthorized);
        }
        self.verify_from_row(user_id, code, now).await
    }

    /// The fast path: one conditional UPDATE on the cached token, or `None`
    /// when the database refused it and the row must be read.
    async fn verify_cached(
        &self,
        cached: &CachedToken,
        user_id: &str,
        code: &str,
        now: u64,
        key: Option<KeyCheck<'_>>,
    ) -> Result<Option<VerifyOutcome>, ServiceError> {
        let now_step = cached
            .totp
            .step_at(now)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let window = self.limits().verify_window;
        let reach = window.saturating_add(MAX_DRIFT_STEPS.unsigned_abs());
        let (first, last) = (
            now_step.saturating_sub(reach),
            now_step.saturating_add(reach),
        );
        // Every step of the reachable range is computed, so the time taken
        // does not tell which (if any) matched.
        let mut matched = None;
        let mut several = false;
        for step in first..=last {
            if cached.totp.code_for_step(step).matches(code) {
                several |= matched.is_some();
                matched.get_or_insert(step);
            }
        }
        if several {
            return Ok(None);
        }
        let Some(step) = matched else {
            // Wrong whatever the drift and the last step: count it.
            return self
                .count_failure(&cached.token_id, user_id, key)
                .await
                .map(|counted| {
                    counted.map(|()| VerifyOutcome::rejected(VerifyRejection::InvalidCode))
                });
        };
        let drift = drift_of(step, now_step);
        if self
            .store()
            .accept_step(&cached.token_id, step, drift, (now_step, window), key)
            .await?
        {
            tracing::info!(token = %cached.token_id, drift, "code accepted");
            return Ok(Some(VerifyOutcome::accepted(step)));
        }
        Ok(None)
    }

    /// The path that reads the user's active token row.
    async fn verify_from_row(
        &self,
        user_id: &str,
        code: &str,
        now: u64,
    ) -> Result<VerifyOutcome, ServiceError> {
        let service_id = self.settings().service_id.as_str();
        let store = self.store();
        let Some(token) = store.active_token(service_id, user_id).await? else {
            self.token_cache().remove_user(user_id);
            let revoked = store
                .last_revocation_ms(service_id, user_id)
                .await?
                .is_some();
            return Ok(VerifyOutcome::rejected(if revoked {
                VerifyRejection::Revoked
            } else {
                VerifyRejection::NoToken
            }));
        };
        let totp = self.totp(&token)?;
        self.token_cache().insert(
            user_id,
            CachedToken {
                token_id: token.token_id.clone(),
                totp: totp.clone(),
            },
        );
        if token.locked {
            return Ok(VerifyOutcome::rejected(VerifyRejection::Locked));
        }
        let window = self.limits().verify_window;
        let now_step = totp
            .step_at(now)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let step = match match_in_window(&totp, code, now_step, window, &token) {
            Matched::Acceptable(step) => step,
            Matched::Replayed => {
                // The row read says active, unlocked, and this step or a later
                // one accepted already: last_step only grows, so a replay.
                tracing::info!(token = %token.token_id, reason = %VerifyRejection::Replayed, "code refused");
                return Ok(VerifyOutcome::rejected(VerifyRejection::Replayed));
            }
            Matched::Nothing => {
                return match self.count_failure(&token.token_id, user_id, None).await? {
                    Some(()) => Ok(VerifyOutcome::rejected(VerifyRejection::InvalidCode)),
                    // Not counted: the token was locked (or revoked) after it
                    // was read, so this code arrived after the lock and gets
                    // the same answer as any other code would now.
                    None => Ok(VerifyOutcome::rejected(
                        self.changed_meanwhile(&token.token_id)
                            .await?
                            .unwrap_or(VerifyRejection::Locked),
                    )),
                };
            }
        };
        let drift = drift_of(step, now_step);
        if store
            .accept_step(&token.token_id, step, drift, (now_step, window), None)
            .await?
        {
            tracing::info!(token = %token.token_id, drift, "code accepted");
            return Ok(VerifyOutcome::accepted(step));
        }
        // The conditional update refused: replayed (or the drift changed with
        // a later acceptance), or locked/revoked meanwhile.
        let reason = self
            .changed_meanwhile(&token.token_id)
            .await?
            .unwrap_or(VerifyRejection::Replayed);
        tracing::info!(token = %token.token_id, %reason, "code refused");
        Ok(VerifyOutcome::rejected(reason))
    }

    /// `revoked` or `locked` if the token became so since it was read.
    async fn changed_meanwhile(
        &self,
        token_id: &str,
    ) -> Result<Option<VerifyRejection>, ServiceError> {
        Ok(match self.store().token(token_id).await? {
            Some(t) if t.state != "active" => Some(VerifyRejection::Revoked),
            Some(t) if t.locked => Some(VerifyRejection::Locked),
            Some(_) => None,
            None => Some(VerifyRejection::NoToken),
        })
    }

    /// Counts one failure (locking at `max_verify_failures`, audited);
    /// `None` when it was not counted because the token is not active and
    /// unlocked any more.
    async fn count_failure(
        &self,
        token_id: &str,
        user_id: &str,
        key: Option<KeyCheck<'_>>,
    ) -> Result<Option<()>, ServiceError> {
        let max = self.limits().max_verify_failures;
        let Some((failures, locked)) = self
            .store()
            .count_verify_failure(token_id, max, key)
            .await?
        else {
            return Ok(None);
        };
        if locked {
            self.store()
                .audit(
                    self.now_ms(),
                    "verify",
                    "token.locked",
                    user_id,
                    &format!("token={token_id} failures={failures}"),
                )
                .await?;
            tracing::warn!(token = %token_id, failures, "token locked after failed verifications");
        }
        Ok(Some(()))
    }

    fn totp(&self, token: &TokenRow) -> Result<Totp, ServiceError> {
        let params = totp_params(&token.algorithm, token.digits, token.period)?;
        let seed = self
            .keys()
            .master
            .open(&seed_aad(&token.token_id), &token.sealed_seed)?;
        let secret =
            Secret::new(seed.to_vec()).map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok(Totp::new(
            params.algorithm,
            &secret,
            params.digits,
            params.period,
            0,
        ))
    }

    /// The state of a token, for the app.
    pub async fn token_status(&self, token_id: &str) -> Result<TokenStatus, ServiceError> {
        if Identifier::new(token_id).is_err() {
            return Err(ServiceError::NotFound("token"));
        }
        self.check_rate(super::Bucket::TokenStatusToken, token_id)?;
        let token = self
            .store()
            .token(token_id)
            .await?
            .ok_or(ServiceError::NotFound("token"))?;
        Ok(if token.state != "active" {
            TokenStatus::Revoked
        } else if token.locked {
            TokenStatus::Locked
        } else {
            TokenStatus::Active
        })
    }
}

/// The step offset of an accepted step, bounded by [`MAX_DRIFT_STEPS`].
fn drift_of(step: u64, now_step: u64) -> i64 {
    let step = i128::from(step);
    let now = i128::from(now_step);
    let bound = i128::from(MAX_DRIFT_STEPS);
    i64::try_from((step - now).clamp(-bound, bound)).unwrap_or(0)
}

/// Where `code` falls for `token` at `now_step`: the search range is the
/// drift-centred window joined with the plain window around now (so that a
/// replay of a step accepted before is recognised as one). Every step of the
/// range is computed whatever matches.
fn match_in_window(
    totp: &Totp,
    code: &str,
    now_step: u64,
    window: u64,
    token: &TokenRow,
) -> Matched {
    let now = i128::from(now_step);
    let bound = i128::from(MAX_DRIFT_STEPS);
    let centre = now + i128::from(token.drift_steps).clamp(-bound, bound);
    let window = i128::from(window);
    let first = u64::try_from((now.min(centre) - window).max(0)).unwrap_or(0);
    let last = u64::try_from(now.max(centre) + window).unwrap_or(u64::MAX);
    let mut acceptable = None;
    let mut replayed = false;
    for step in first..=last {
        if !totp.code_for_step(step).matches(code) {
            continue;
        }
        let in_window = (i128::from(step) - centre).abs() <= window;
        let after_last = token.last_step.is_none_or(|last| step > last);
        if in_window && after_last {
            acceptable.get_or_insert(step);
        } else if !after_last {
            replayed = true;
        }
    }
    match (acceptable, replayed) {
        (Some(step), _) => Matched::Acceptable(step),
        (None, true) => Matched::Replayed,
        (None, false) => Matched::Nothing,
    }
}

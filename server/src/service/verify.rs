//! Verification of a user's code: window, replay protection, drift, lockout.

use ichie_core::activation::Identifier;
use ichie_core::otp::{Secret, Totp};
use ichie_core::wire::VerifyRejection;
use serde::Serialize;

use super::activation::totp_params;
use super::{Service, ServiceError};
use crate::seal::seed_aad;
use crate::store::TokenRow;

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

impl Service {
    /// Verifies `code` for `user_id` of this server's service.
    pub async fn verify(
        &self,
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
        let service_id = self.settings().service_id.as_str();
        let store = self.store();
        let Some(token) = store.active_token(service_id, user_id).await? else {
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
        if token.locked {
            return Ok(VerifyOutcome::rejected(VerifyRejection::Locked));
        }
        let now = self.now_ms();
        let totp = self.totp(&token)?;
        let window = self.limits().verify_window;
        let matched = totp
            .verify(code, now, window)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let Some(step) = matched else {
            return self.count_failure(&token).await;
        };
        let now_step = totp
            .step_at(now)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let drift =
            i64::try_from(step).unwrap_or(i64::MAX) - i64::try_from(now_step).unwrap_or(i64::MAX);
        if store.accept_step(&token.token_id, step, drift).await? {
            tracing::info!(token = %token.token_id, drift, "code accepted");
            return Ok(VerifyOutcome::accepted(step));
        }
        // The conditional update refused: replayed, or locked/revoked meanwhile.
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

    async fn count_failure(&self, token: &TokenRow) -> Result<VerifyOutcome, ServiceError> {
        let max = self.limits().max_verify_failures;
        let counted = self
            .store()
            .count_verify_failure(&token.token_id, max)
            .await?;
        let Some(counted) = counted else {
            // Not counted: the token was locked (or revoked) after it was read,
            // so this code arrived after the lock and gets the same answer as
            // any other code would now.
            let reason = self
                .changed_meanwhile(&token.token_id)
                .await?
                .unwrap_or(VerifyRejection::Locked);
            return Ok(VerifyOutcome::rejected(reason));
        };
        if let (failures, true) = counted {
            self.store()
                .audit(
                    self.now_ms(),
                    "verify",
                    "token.locked",
                    &token.user_id,
                    &format!("token={} failures={failures}", token.token_id),
                )
                .await?;
            tracing::warn!(token = %token.token_id, failures, "token locked after failed verifications");
        }
        Ok(VerifyOutcome::rejected(VerifyRejection::InvalidCode))
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

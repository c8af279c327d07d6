//! Activation: answer a request with a signed CPace challenge (a decoy when
//! no issuance is pending), then check the one key confirmation of a confirm
//! and create the token.

use ichie_core::activation::{
    self, ActivationChallenge, ActivationConfirm, ActivationRequest, ActivationResult,
    ChallengeIds, Identifier, PendingActivation, Prs, TotpParams,
};
use ichie_core::otp::{Algorithm, Digits, Step};
use ring::digest;
use subtle::ConstantTimeEq;

use super::{Service, ServiceError, random_id, secs_to_ms};
use crate::seal::{activation_aad, prs_aad, seed_aad};
use crate::store::{ActivateOutcome, IssuanceRow, NewToken};

/// The token parameters stored with an issuance, as the protocol carries them.
pub(super) fn totp_params(
    algorithm: &str,
    digits: u32,
    period: u32,
) -> Result<TotpParams, ServiceError> {
    let bad = |what: &str| ServiceError::Internal(format!("stored row has a bad {what}"));
    Ok(TotpParams {
        algorithm: algorithm
            .parse::<Algorithm>()
            .map_err(|_| bad("algorithm"))?,
        digits: Digits::new(u64::from(digits)).map_err(|_| bad("digit count"))?,
        period: Step::from_secs(u64::from(period)).map_err(|_| bad("period"))?,
    })
}

impl Service {
    /// Step 2 of the protocol: runs CPace on the user's pending issuance and
    /// keeps the sealed session state under a new activation ID.
    ///
    /// When the user has no pending issuance the answer looks the same: a
    /// challenge signed over a CPace share made from a random PRS (a decoy),
    /// whose confirm can never succeed and counts like a wrong password, so
    /// user IDs cannot be probed.
    pub async fn start_activation(
        &self,
        request: &ActivationRequest,
    ) -> Result<ActivationChallenge, ServiceError> {
        if request.version != activation::VERSION {
            return Err(ServiceError::VersionUnsupported(request.version));
        }
        // Per user, whether or not the user exists (so the limit reveals nothing).
        self.check_rate(
            super::rate::Bucket::ActivationUser,
            &format!("{}\u{0}{}", request.service_id, request.user_id),
        )?;
        let now = self.now_ms();
        let store = self.store();
        store.purge_expired_activations(now).await?;
        let issuance = if request.service_id.as_str() == self.settings().service_id {
            store
                .activatable_issuance(request.service_id.as_str(), request.user_id.as_str(), now)
                .await?
        } else {
            None
        };
        let activation_id = random_id()?;
        let (issuance_id, prs, params) = match &issuance {
            Some(issuance) => {
                let sealed = store
                    .issuance_sealed_prs(&issuance.id)
                    .await?
                    .ok_or(ServiceError::UnknownOrExpired)?;
                let prs =
                    Prs::from_bytes(&self.keys().master.open(&prs_aad(&issuance.id), &sealed)?)?;
                let params = totp_params(&issuance.algorithm, issuance.digits, issuance.period)?;
                (issuance.id.clone(), prs, params)
            }
            None => (random_id()?, Prs::random()?, self.decoy_params().await?),
        };
        let (pending, challenge) = activation::respond(
            request,
            ChallengeIds {
                activation_id: &activation_id,
                issuance_id: &issuance_id,
            },
            &prs,
            params.to_otp_params(),
            now,
            &self.keys().signing,
        )?;
        drop(prs);
        let sealed = self
            .keys()
            .master
            .seal(&activation_aad(&activation_id), &pending.to_bytes())?;
        let expires = now.saturating_add(secs_to_ms(self.limits().activation_ttl_secs));
        store
            .insert_activation(
                &activation_id,
                issuance.as_ref().map(|i| i.id.as_str()),
                sealed,
                now,
                expires,
            )
            .await?;
        match &issuance {
            Some(issuance) => {
                tracing::info!(issuance = %issuance.id, "activation challenge issued")
            }
            None => tracing::info!("activation challenge issued (no pending issuance: decoy)"),
        }
        Ok(challenge)
    }

    /// The token parameters a decoy challenge shows: those of the service's
    /// newest issuance, so that decoys look like the service's real tokens.
    async fn decoy_params(&self) -> Result<TotpParams, ServiceError> {
        match self
            .store()
            .latest_issuance(&self.settings().service_id)
            .await?
        {
            Some(latest) => totp_params(&latest.algorithm, latest.digits, latest.period),
            None => totp_params("SHA1", 6, 30),
        }
    }

    /// Step 3: takes (deletes) the pending activation, checks the app's key
    /// confirmation — its one password attempt — and on success creates the
    /// token in one transaction. An identical resend of a successful confirm
    /// gets the same result again.
    pub async fn confirm_activation(
        &self,
        activation_id: &str,
        confirm: &ActivationConfirm,
    ) -> Result<ActivationResult, ServiceError> {
        if Identifier::new(activation_id).is_err() {
            return Err(ServiceError::UnknownOrExpired);
        }
        let now = self.now_ms();
        let store = self.store();
        let confirm_hash = digest::digest(&digest::SHA256, &confirm.client_mac);
        let Some(taken) = store.take_activation(activation_id, now).await? else {
            return self
                .resend_result(activation_id, confirm_hash.as_ref(), now)
                .await;
        };
        let state = self
            .keys()
            .master
            .open(&activation_aad(activation_id), &taken.sealed_state)?;
        let pending = PendingActivation::from_bytes(&state)?;
        if pending.activation_id() != activation_id {
            return Err(ServiceError::Internal(
                "activation state under a wrong ID".into(),
            ));
        }
        let Some(issuance_id) = taken.issuance_id.as_deref() else {
            return Err(self.probe_failed(&pending, now).await);
        };
        let issuance = self.confirmable_issuance(issuance_id, now).await?;
        if !pending.confirm_matches(confirm) {
            return Err(self.wrong_password(&issuance).await);
        }
        let token_id = random_id()?;
        let (seed, result) = pending.complete(&token_id)?;
        let sealed_seed = self
            .keys()
            .master
            .seal(&seed_aad(&token_id), seed.expose())?;
        drop(seed);
        let result_json = String::from_utf8(result.to_json()?)
            .map_err(|_| ServiceError::Internal("result JSON is not UTF-8".into()))?;
        let outcome = store
            .activate(&NewToken {
                token_id: token_id.clone(),
                issuance_id: issuance.id.clone(),
                service_id: issuance.service_id.clone(),
                user_id: issuance.user_id.clone(),
                sealed_seed,
                algorithm: issuance.algorithm.clone(),
                digits: issuance.digits,
                period: issuance.period,
                created_ms: now,
                activation_id: activation_id.to_owned(),
                activation_expires_ms: taken.expires_ms,
                confirm_hash: confirm_hash.as_ref().to_vec(),
                result_json,
            })
            .await?;
        match outcome {
            ActivateOutcome::Created => {
                store
                    .audit(
                        now,
                        "app",
                        "token.activate",
                        &issuance.user_id,
                        &format!("issuance={} token={token_id}", issuance.id),
                    )
                    .await?;
                tracing::info!(issuance = %issuance.id, token = %token_id, "token activated");
                Ok(result)
            }
            ActivateOutcome::Conflict => Err(ServiceError::Conflict(
                "the user already has an active token".into(),
            )),
            ActivateOutcome::IssuanceGone => Err(self.issuance_gone(&issuance.id, now).await),
        }
    }

    /// The kept result of a successful confirm, for a byte-identical resend.
    async fn resend_result(
        &self,
        activation_id: &str,
        confirm_hash: &[u8],
        now: u64,
    ) -> Result<ActivationResult, ServiceError> {
        let Some(done) = self
            .store()
            .completed_activation(activation_id, now)
            .await?
        else {
            return Err(ServiceError::UnknownOrExpired);
        };
        if !bool::from(done.confirm_hash.as_slice().ct_eq(confirm_hash)) {
            return Err(ServiceError::UnknownOrExpired);
        }
        Ok(ActivationResult::from_json(done.result_json.as_bytes())?)
    }

    /// The issuance a confirm is for, if it may still be activated.
    async fn confirmable_issuance(
        &self,
        issuance_id: &str,
        now: u64,
    ) -> Result<IssuanceRow, ServiceError> {
        let issuance = self
            .store()
            .issuance(issuance_id)
            .await?
            .ok_or(ServiceError::UnknownOrExpired)?;
        match issuance.state.as_str() {
            "pending" if issuance.locked => Err(ServiceError::Locked),
            "pending" if issuance.expires_ms <= now => Err(ServiceError::UnknownOrExpired),
            "pending" => Ok(issuance),
            "cancelled" => Err(ServiceError::Revoked),
            _ => Err(ServiceError::UnknownOrExpired),
        }
    }

    /// Why an issuance can no longer be activated, read after a conditional
    /// update found it changed.
    async fn issuance_gone(&self, issuance_id: &str, now: u64) -> ServiceError {
        match self.confirmable_issuance(issuance_id, now).await {
            Ok(_) => ServiceError::UnknownOrExpired,
            Err(error) => error,
        }
    }

    /// Counts a failed confirm of a decoy activation and answers as a wrong
    /// password would: attempts left, then `locked`.
    async fn probe_failed(&self, pending: &PendingActivation, now: u64) -> ServiceError {
        let max = self.limits().max_activation_attempts;
        let failures = match self
            .store()
            .count_probe_failure(pending.service_id(), pending.user_id(), now)
            .await
        {
            Ok(failures) => failures,
            Err(error) => return error.into(),
        };
        tracing::info!(failures, "wrong confirm for a decoy activation");
        if failures >= max {
            ServiceError::Locked
        } else {
            ServiceError::WrongPassword {
                attempts_left: max - failures,
            }
        }
    }

    /// Counts a wrong password (one conditional statement) and says what to answer.
    async fn wrong_password(&self, issuance: &IssuanceRow) -> ServiceError {
        let max = self.limits().max_activation_attempts;
        let counted = match self
            .store()
            .count_activation_failure(&issuance.id, max)
            .await
        {
            Ok(counted) => counted,
            Err(error) => return error.into(),
        };
        let now = self.now_ms();
        let Some((failures, locked)) = counted else {
            return self.issuance_gone(&issuance.id, now).await;
        };
        let action = if locked {
            "issuance.locked"
        } else {
            "activation.wrong_password"
        };
        if let Err(error) = self
            .store()
            .audit(
                now,
                "app",
                action,
                &issuance.user_id,
                &format!("issuance={} failures={failures}", issuance.id),
            )
            .await
        {
            return error.into();
        }
        tracing::info!(issuance = %issuance.id, failures, locked, "wrong activation password");
        if locked {
            ServiceError::Locked
        } else {
            ServiceError::WrongPassword {
                attempts_left: max.saturating_sub(failures),
            }
        }
    }
}

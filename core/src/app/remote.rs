//! The facade's network work, split so that the `App` (its vault) is needed
//! only before and after the network: a shell that serialises access to the
//! `App` (a mutex) never makes quick calls wait behind a slow server.
//!
//! Each piece has a step that reads the `App` (`&self`), a step that talks to
//! the server without it, and, where something is stored, a step that writes
//! (`&mut self`). [`App::check_clock`], [`App::activate`] and
//! [`App::refresh_status`] chain them for callers that own the `App`.

use std::sync::Arc;

use super::{App, AppError, ClockReport};
use crate::clock::{self, TimeSource, WallClock};
use crate::otp::Step;

/// A clock check detached from the `App`: the clock codes are made with and
/// the shortest step the verdict is judged against.
#[derive(Clone)]
pub struct ClockCheck {
    clock: Arc<dyn WallClock>,
    step: Step,
}

impl std::fmt::Debug for ClockCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClockCheck")
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

impl ClockCheck {
    /// Measures the device clock against `source` (several samples) and
    /// judges the offset.
    pub async fn run<S: TimeSource>(&self, source: &S) -> Result<ClockReport, AppError> {
        let estimate = clock::check(source, &*self.clock, 4).await?;
        Ok(ClockReport {
            estimate,
            verdict: clock::verdict(&estimate, self.step),
            judged_step_s: self.step.as_secs(),
        })
    }
}

impl App {
    /// What a clock check needs from the vault; run it without the `App`.
    pub fn clock_check(&self) -> ClockCheck {
        ClockCheck {
            clock: Arc::clone(&self.clock),
            step: self.shortest_step(),
        }
    }
}

#[cfg(feature = "client")]
pub use client::{ActivatedPending, PreparedActivation, StatusAnswers, StatusQueries};

#[cfg(feature = "client")]
mod client {
    use std::fmt;
    use std::sync::Arc;

    use super::super::{ActivationReport, App, AppError, ClockPolicy, ClockReport, StatusOutcome};
    use crate::activation::{
        ActivationClient, ActivationClientError, ActivationPassword, ActivationTarget,
        RemoteTokenState,
    };
    use crate::clock::{self, ClockVerdict, WallClock};
    use crate::otp::Step;
    use crate::token::{Origin, OtpKind, ServerBinding, Token, TokenId, TokenState};
    use crate::vault::VaultError;

    /// An activation checked against the vault (password format, room, the
    /// clock, the vault's shortest step), to be run without the `App`.
    pub struct PreparedActivation {
        password: ActivationPassword,
        issuer: Option<String>,
        policy: ClockPolicy,
        clock: Arc<dyn WallClock>,
        vault_step: Option<Step>,
    }

    impl fmt::Debug for PreparedActivation {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("PreparedActivation")
                .field("issuer", &self.issuer)
                .field("policy", &self.policy)
                .finish_non_exhaustive()
        }
    }

    /// A token the server activated, not yet stored. `Debug` shows no secret.
    #[derive(Debug)]
    pub struct ActivatedPending {
        token: Token,
        clock: ClockReport,
        correction: Option<i64>,
    }

    impl App {
        /// Checks the password's format and the vault's room before any
        /// server is asked, and captures what the activation needs from the
        /// vault.
        pub fn prepare_activation(
            &self,
            password: &str,
            issuer: Option<String>,
            policy: ClockPolicy,
        ) -> Result<PreparedActivation, AppError> {
            let password = ActivationPassword::new(password)?;
            let limit = self.vault.options().max_tokens;
            if self.tokens().len() >= limit {
                return Err(VaultError::Full { limit }.into());
            }
            Ok(PreparedActivation {
                password,
                issuer,
                policy,
                clock: Arc::clone(&self.clock),
                vault_step: self.shortest_totp_step(),
            })
        }

        /// Stores an activated token (and the clock correction the
        /// activation decided on). The vault's limit is checked again on
        /// its fresh contents.
        pub fn store_activation(
            &mut self,
            activated: ActivatedPending,
        ) -> Result<ActivationReport, AppError> {
            let ActivatedPending {
                token,
                clock,
                correction,
            } = activated;
            let id = token.id.clone();
            self.update(move |c| {
                c.tokens.push(token);
                if let Some(correction_ms) = correction {
                    c.clock_correction_ms = correction_ms;
                }
                Ok(())
            })?;
            Ok(ActivationReport {
                id: id.to_string(),
                name: self.token(&id)?.spec.display_name(),
                clock,
                correction_applied: correction.is_some(),
            })
        }

        /// Activates a token issued by an Ichie server: checks the
        /// password's format and the vault's room first, verifies the
        /// signed challenge, judges the device clock against the signed
        /// server time (refusing, or storing a bounded correction, as
        /// `policy` says) before the key confirmation is sent, then stores
        /// the derived token labelled `issuer` / user ID.
        pub async fn activate(
            &mut self,
            client: &ActivationClient,
            target: &ActivationTarget,
            password: &str,
            issuer: Option<String>,
            policy: ClockPolicy,
        ) -> Result<ActivationReport, AppError> {
            let prepared = self.prepare_activation(password, issuer, policy)?;
            let activated = prepared.run(client, target).await?;
            self.store_activation(activated)
        }

        /// The activated tokens whose servers a status refresh asks.
        pub fn status_queries(&self) -> StatusQueries {
            StatusQueries(
                self.tokens()
                    .iter()
                    .filter_map(|t| match &t.origin {
                        Origin::Activated(b) => {
                            Some((t.id.clone(), t.spec.display_name(), b.clone()))
                        }
                        Origin::Imported => None,
                    })
                    .collect(),
            )
        }

        /// Marks revoked tokens (and active ones again) from the servers'
        /// answers; a token deleted meanwhile is skipped.
        pub fn apply_statuses(
            &mut self,
            answers: StatusAnswers,
        ) -> Result<Vec<StatusOutcome>, AppError> {
            let changes: Vec<(TokenId, TokenState)> = answers
                .0
                .iter()
                .filter_map(|(id, outcome)| match outcome.state {
                    Some(RemoteTokenState::Revoked) => Some((id.clone(), TokenState::Revoked)),
                    Some(RemoteTokenState::Active | RemoteTokenState::Locked) => {
                        Some((id.clone(), TokenState::Active))
                    }
                    None => None,
                })
                .collect();
            let differs = changes
                .iter()
                .any(|(id, state)| self.token(id).is_ok_and(|t| t.state != *state));
            if differs {
                self.update(move |c| {
                    for (id, state) in changes {
                        if let Ok(token) = c.token_mut(&id) {
                            token.state = state;
                        }
                    }
                    Ok(())
                })?;
            }
            Ok(answers.0.into_iter().map(|(_, outcome)| outcome).collect())
        }

        /// Asks each activated token's server for its state and marks
        /// revoked tokens (and active ones again). One unreachable server
        /// does not stop the others: each token gets its own outcome.
        pub async fn refresh_status(
            &mut self,
            client: &ActivationClient,
        ) -> Result<Vec<StatusOutcome>, AppError> {
            let answers = self.status_queries().run(client).await;
            self.apply_statuses(answers)
        }
    }

    impl PreparedActivation {
        /// The network part: the signed challenge, the clock decision before
        /// anything password-dependent beyond the CPace share is sent, the
        /// key confirmation and the seed.
        pub async fn run(
            self,
            client: &ActivationClient,
            target: &ActivationTarget,
        ) -> Result<ActivatedPending, AppError> {
            let begun = client.begin(target, &self.password, &*self.clock).await?;
            let params = begun.verified().params();
            let step = match params.kind {
                OtpKind::Totp { step, .. } => step,
                OtpKind::Hotp { .. } => Step::default(),
            };
            let estimate = begun.clock();
            let clock = ClockReport {
                estimate,
                verdict: clock::verdict(&estimate, step),
                judged_step_s: step.as_secs(),
            };
            let correction = self.correction(&clock, step)?;
            let activated = client.complete(begun).await?;
            let binding = ServerBinding {
                base_url: target.base_url.clone(),
                token_id: activated.token_id.clone(),
            };
            let spec = activated.into_spec(
                self.issuer
                    .or_else(|| Some(target.service_id.as_str().to_owned())),
                target.user_id.as_str().to_owned(),
            );
            Ok(ActivatedPending {
                token: Token::new(spec, Origin::Activated(binding))?,
                clock,
                correction,
            })
        }

        /// What activation does about the clock, decided before the key
        /// confirmation is sent: `Ok(None)` to store no correction,
        /// `Ok(Some(ms))` to store one (within [`clock::bound_correction`],
        /// judged against the shorter of the new token's step and the
        /// vault's), or an error that stops the activation.
        pub(crate) fn correction(
            &self,
            report: &ClockReport,
            step: Step,
        ) -> Result<Option<i64>, AppError> {
            let codes_wrong = report.verdict == ClockVerdict::CodesWrong;
            let force = match self.policy {
                ClockPolicy::Refuse if codes_wrong => {
                    return Err(AppError::ClockOff {
                        offset_ms: report.estimate.offset_ms,
                    });
                }
                ClockPolicy::Refuse => return Ok(None),
                _ if report.verdict == ClockVerdict::Fine => return Ok(None),
                ClockPolicy::ApplyCorrection => false,
                ClockPolicy::ForceCorrection => true,
            };
            let step = match self.vault_step {
                Some(shortest) if shortest.as_secs() < step.as_secs() => shortest,
                _ => step,
            };
            match clock::bound_correction(&report.estimate, step, force) {
                Ok(correction) => Ok(Some(correction)),
                Err(refused) if codes_wrong => Err(refused.into()),
                // Doubtful but working codes: go on, uncorrected (the report says so).
                Err(_) => Ok(None),
            }
        }
    }

    /// The servers to ask in a status refresh (see [`App::status_queries`]).
    #[derive(Debug, Clone)]
    pub struct StatusQueries(Vec<(TokenId, String, ServerBinding)>);

    /// What the servers answered (see [`App::apply_statuses`]).
    #[derive(Debug, Clone)]
    pub struct StatusAnswers(Vec<(TokenId, StatusOutcome)>);

    impl StatusQueries {
        /// Asks each server, one token after the other.
        pub async fn run(self, client: &ActivationClient) -> StatusAnswers {
            let mut answers = Vec::with_capacity(self.0.len());
            for (id, name, binding) in self.0 {
                let result = client
                    .token_status(&binding.base_url, &binding.token_id)
                    .await;
                let (state, error) = match result {
                    Ok(state) => (Some(state), None),
                    Err(ActivationClientError::Revoked) => (Some(RemoteTokenState::Revoked), None),
                    Err(e) => (None, Some(e.to_string())),
                };
                answers.push((
                    id.clone(),
                    StatusOutcome {
                        id: id.to_string(),
                        name,
                        state,
                        error,
                    },
                ));
            }
            StatusAnswers(answers)
        }
    }
}

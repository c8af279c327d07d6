//! Activation and status records, and the targets an activation starts from.

use ichie_core::activation::{self, ActivationLink, ActivationTarget, ServiceDirectory};
use ichie_core::app;

use crate::clock::ClockReport;
use crate::error::IchieError;

/// What an activation did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

impl From<app::ActivationReport> for ActivationReport {
    fn from(r: app::ActivationReport) -> Self {
        Self {
            id: r.id,
            name: r.name,
            clock: r.clock.into(),
            correction_applied: r.correction_applied,
        }
    }
}

/// What a server says about an activated token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RemoteTokenState {
    /// In use.
    Active,
    /// Revoked by the service.
    Revoked,
    /// Locked after too many wrong codes.
    Locked,
}

impl From<activation::RemoteTokenState> for RemoteTokenState {
    fn from(s: activation::RemoteTokenState) -> Self {
        match s {
            activation::RemoteTokenState::Active => Self::Active,
            activation::RemoteTokenState::Revoked => Self::Revoked,
            activation::RemoteTokenState::Locked => Self::Locked,
        }
    }
}

/// One activated token's state as its server reported it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StatusOutcome {
    /// Vault id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The server's answer, when it gave one.
    pub state: Option<RemoteTokenState>,
    /// Why there is no answer.
    pub error: Option<String>,
}

impl From<app::StatusOutcome> for StatusOutcome {
    fn from(o: app::StatusOutcome) -> Self {
        Self {
            id: o.id,
            name: o.name,
            state: o.state.map(Into::into),
            error: o.error,
        }
    }
}

/// The target an activation link names.
pub(crate) fn link_target(link: &str) -> Result<ActivationTarget, IchieError> {
    Ok(ActivationLink::parse(link)?.into())
}

/// The target a service directory gives for a service and user.
pub(crate) fn directory_target(
    directory_json: &str,
    service_id: &str,
    user_id: &str,
) -> Result<ActivationTarget, IchieError> {
    ServiceDirectory::from_json(directory_json.as_bytes())?
        .target(service_id, user_id)?
        .ok_or_else(|| IchieError::NoMatch {
            query: service_id.to_owned(),
        })
}

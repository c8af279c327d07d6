//! Activation and status records, and the targets an activation starts from.

use ichie_core::activation::{self, ActivationLink, ActivationTarget, LinkCheck, ServiceDirectory};
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

/// What an activation link claims, and what the app's service directory
/// says of it: show it before activating.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LinkInspection {
    /// The service the link names.
    pub service_id: String,
    /// The user the link names.
    pub user_id: String,
    /// The server's host (and port), from the link.
    pub host: String,
    /// A fingerprint of the link's signing key (8 groups of 4 hex digits).
    pub key_fingerprint: String,
    /// Whether the directory lists the service with this server and key:
    /// if not, activate only after the user confirms host and fingerprint.
    pub known_service: bool,
    /// The directory's display name for the service, when listed.
    pub service_name: Option<String>,
}

/// Parses an activation link and checks it against the app's service
/// directory (JSON, `None` for none). A listed service whose server or key
/// differs is `IchieError::LinkMismatch`: a forged link.
#[uniffi::export]
pub fn inspect_activation_link(
    link: String,
    directory_json: Option<String>,
) -> Result<LinkInspection, IchieError> {
    let link = ActivationLink::parse(&link)?;
    let directory = directory(directory_json.as_deref())?;
    let (known_service, service_name) = match directory.check_link(&link)? {
        LinkCheck::Known { name } => (true, Some(name)),
        _ => (false, None),
    };
    Ok(LinkInspection {
        service_id: link.service_id.to_string(),
        user_id: link.user_id.to_string(),
        host: link.host().to_owned(),
        key_fingerprint: link.pinned.fingerprint(),
        known_service,
        service_name,
    })
}

fn directory(json: Option<&str>) -> Result<ServiceDirectory, IchieError> {
    Ok(match json {
        Some(json) => ServiceDirectory::from_json(json.as_bytes())?,
        None => ServiceDirectory::default(),
    })
}

/// The target an activation link names, once the directory check passed:
/// a listed service's entry, or the link itself when the user trusted it.
pub(crate) fn checked_link_target(
    link: &str,
    directory_json: Option<&str>,
    trust_unknown_service: bool,
) -> Result<ActivationTarget, IchieError> {
    let link = ActivationLink::parse(link)?;
    directory(directory_json)?
        .link_target(&link, trust_unknown_service)?
        .ok_or_else(|| IchieError::UnconfirmedService {
            host: link.host().to_owned(),
            key_fingerprint: link.pinned.fingerprint(),
        })
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

//! Administration: issue, list, show, unlock, revoke, API keys, audit log.
//! Every change is written to the audit log with its actor.

use data_encoding::BASE64URL_NOPAD;
use ichie_core::activation::{ActivationLink, ActivationPassword, Identifier, Prs};
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;
use zeroize::Zeroizing;

use super::{Service, ServiceError, random_id, secs_to_ms};
use crate::mail;
use crate::seal::prs_aad;
use crate::store::{ApiKeyRow, AuditEntry, IssuanceRow, NewIssuance, is_unique_violation};

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including the admin API.
    Admin,
    /// `POST /v1/verify` only.
    Verifier,
}

impl Role {
    /// `admin` or `verifier`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Verifier => "verifier",
        }
    }

    /// Parses `admin` or `verifier`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "admin" => Some(Self::Admin),
            "verifier" => Some(Self::Verifier),
            _ => None,
        }
    }
}

/// An issuance to create.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    /// The user.
    pub user_id: String,
    /// Where the activation e-mail goes.
    pub email: String,
    /// The activation password the user will type (never stored, only its
    /// PRS, sealed under the master key).
    pub activation_password: ActivationPassword,
    /// `SHA1` (default), `SHA256` or `SHA512`.
    pub algorithm: Option<String>,
    /// 6 (default), 7 or 8.
    pub digits: Option<u32>,
    /// 30 (default) or 60 seconds.
    pub period: Option<u32>,
}

/// A created issuance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuanceCreated {
    /// The issuance ID.
    pub issuance_id: String,
    /// The service.
    pub service_id: String,
    /// The user.
    pub user_id: String,
    /// Until when it can be activated (Unix ms).
    pub expires_ms: u64,
    /// The `ichie://activate?…` link.
    pub link: String,
    /// The `https://…/activate?…` link.
    pub https_link: String,
    /// Whether the e-mail went out (written to the outbox or accepted by the relay).
    pub email_sent: bool,
}

/// An API key as listed: its record and its state now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKeyInfo {
    /// The record (ID, role, label, times).
    #[serde(flatten)]
    pub key: ApiKeyRow,
    /// `active`, `revoked` or `expired`.
    pub state: &'static str,
}

/// What a revocation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevokeOutcome {
    /// The revoked token, if the user had an active one.
    pub revoked_token_id: Option<String>,
    /// How many pending issuances were cancelled.
    pub cancelled_issuances: u64,
}

impl Service {
    /// Creates an issuance and sends the activation e-mail (never the password).
    pub async fn issue(
        &self,
        actor: &str,
        request: IssueRequest,
    ) -> Result<IssuanceCreated, ServiceError> {
        let user_id = Identifier::new(&request.user_id)
            .map_err(|_| ServiceError::BadRequest("user_id is not a valid identifier".into()))?;
        if !mail::is_valid_address(&request.email) {
            return Err(ServiceError::BadRequest(
                "email is not a valid address".into(),
            ));
        }
        let algorithm = request.algorithm.unwrap_or_else(|| "SHA1".into());
        if !["SHA1", "SHA256", "SHA512"].contains(&algorithm.as_str()) {
            return Err(ServiceError::BadRequest(
                "algorithm must be SHA1, SHA256 or SHA512".into(),
            ));
        }
        let digits = request.digits.unwrap_or(6);
        if !(6..=8).contains(&digits) {
            return Err(ServiceError::BadRequest("digits must be 6, 7 or 8".into()));
        }
        let period = request.period.unwrap_or(30);
        if period != 30 && period != 60 {
            return Err(ServiceError::BadRequest("period must be 30 or 60".into()));
        }
        let service_id = self.settings().service_id.clone();
        let store = self.store();
        let now = self.now_ms();
        if let Some(revoked) = store
            .last_revocation_ms(&service_id, user_id.as_str())
            .await?
        {
            let until = revoked.saturating_add(secs_to_ms(self.limits().revoke_cooldown_secs));
            if now < until {
                return Err(ServiceError::Cooldown {
                    seconds_left: (until - now).div_ceil(1000),
                });
            }
        }
        if store
            .active_token(&service_id, user_id.as_str())
            .await?
            .is_some()
        {
            return Err(ServiceError::Conflict(
                "the user already has an active token".into(),
            ));
        }
        store
            .expire_pending_issuance(&service_id, user_id.as_str(), now)
            .await?;
        let issuance_id = random_id()?;
        let prs = Prs::derive(&service_id, user_id.as_str(), &request.activation_password);
        let sealed_prs = self
            .keys()
            .master
            .seal(&prs_aad(&issuance_id), prs.expose())?;
        drop(prs);
        let new = NewIssuance {
            id: issuance_id,
            service_id: service_id.clone(),
            user_id: user_id.to_string(),
            email: request.email.clone(),
            sealed_prs,
            algorithm: algorithm.clone(),
            digits,
            period,
            created_ms: now,
            expires_ms: now.saturating_add(secs_to_ms(self.limits().issuance_ttl_secs)),
        };
        drop(request.activation_password);
        match store.insert_issuance(&new).await {
            Ok(()) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(ServiceError::Conflict(
                    "the user already has a pending issuance".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        store
            .audit(
                now,
                actor,
                "issuance.create",
                user_id.as_str(),
                &format!(
                    "issuance={} algorithm={algorithm} digits={digits} period={period}",
                    new.id
                ),
            )
            .await?;
        let link = ActivationLink {
            base_url: self.settings().public_url.clone(),
            service_id: Identifier::new(&service_id)?,
            user_id: user_id.clone(),
            pinned: self.keys().signing.pinned(),
        };
        let created = IssuanceCreated {
            issuance_id: new.id.clone(),
            service_id: service_id.clone(),
            user_id: user_id.to_string(),
            expires_ms: new.expires_ms,
            link: link.to_app_uri(),
            https_link: link.to_https_url(),
            email_sent: false,
        };
        let email_sent = match self
            .inner
            .mailer
            .send(
                &new.email,
                &format!("Your {service_id} token"),
                issuance_email(&created),
            )
            .await
        {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(issuance = %new.id, %error, "issuance e-mail not sent");
                false
            }
        };
        tracing::info!(issuance = %new.id, email_sent, "issuance created");
        Ok(IssuanceCreated {
            email_sent,
            ..created
        })
    }

    /// The latest issuances (no verifiers).
    pub async fn list_issuances(&self, limit: u32) -> Result<Vec<IssuanceRow>, ServiceError> {
        Ok(self.store().list_issuances(limit.clamp(1, 1000)).await?)
    }

    /// One issuance.
    pub async fn issuance(&self, id: &str) -> Result<IssuanceRow, ServiceError> {
        self.store()
            .issuance(id)
            .await?
            .ok_or(ServiceError::NotFound("issuance"))
    }

    /// Unlocks a pending issuance after too many wrong passwords.
    pub async fn unlock_issuance(&self, actor: &str, id: &str) -> Result<(), ServiceError> {
        if !self.store().unlock_issuance(id).await? {
            return Err(ServiceError::NotFound("pending issuance"));
        }
        let issuance = self.issuance(id).await?;
        self.store()
            .audit(
                self.now_ms(),
                actor,
                "issuance.unlock",
                &issuance.user_id,
                &format!("issuance={id}"),
            )
            .await?;
        Ok(())
    }

    /// Revokes the user's active token and cancels any pending issuance (one
    /// transaction, so a racing activation either is revoked too or fails
    /// with `revoked`); either starts the re-issue cooldown.
    pub async fn revoke_user(
        &self,
        actor: &str,
        user_id: &str,
    ) -> Result<RevokeOutcome, ServiceError> {
        let service_id = self.settings().service_id.clone();
        let now = self.now_ms();
        let store = self.store();
        let (revoked_token_id, cancelled_issuances) =
            store.revoke_user(&service_id, user_id, now).await?;
        self.token_cache().remove_user(user_id);
        if revoked_token_id.is_none() && cancelled_issuances == 0 {
            return Err(ServiceError::NotFound("active token or pending issuance"));
        }
        store
            .audit(
                now,
                actor,
                "user.revoke",
                user_id,
                &format!(
                    "token={} cancelled_issuances={cancelled_issuances}",
                    revoked_token_id.as_deref().unwrap_or("-")
                ),
            )
            .await?;
        tracing::info!(token = ?revoked_token_id, cancelled_issuances, "user revoked");
        Ok(RevokeOutcome {
            revoked_token_id,
            cancelled_issuances,
        })
    }

    /// Clears a token's verify lockout.
    pub async fn unlock_token(&self, actor: &str, token_id: &str) -> Result<(), ServiceError> {
        if !self.store().unlock_token(token_id).await? {
            return Err(ServiceError::NotFound("active token"));
        }
        self.token_cache().remove_token(token_id);
        let user = self
            .store()
            .token(token_id)
            .await?
            .map(|t| t.user_id)
            .unwrap_or_default();
        self.store()
            .audit(
                self.now_ms(),
                actor,
                "token.unlock",
                &user,
                &format!("token={token_id}"),
            )
            .await?;
        Ok(())
    }

    /// Creates an API key that never expires; the key is returned once and
    /// only its hash is stored.
    pub async fn create_api_key(
        &self,
        actor: &str,
        role: Role,
        label: &str,
    ) -> Result<(ApiKeyRow, Zeroizing<String>), ServiceError> {
        self.create_api_key_expiring(actor, role, label, None).await
    }

    /// Creates an API key that stops working at `expires_ms` (Unix ms) if
    /// given; the key is returned once and only its hash is stored.
    pub async fn create_api_key_expiring(
        &self,
        actor: &str,
        role: Role,
        label: &str,
        expires_ms: Option<u64>,
    ) -> Result<(ApiKeyRow, Zeroizing<String>), ServiceError> {
        let now = self.now_ms();
        if expires_ms.is_some_and(|expires| expires <= now) {
            return Err(ServiceError::BadRequest(
                "the expiry must be in the future".into(),
            ));
        }
        if label.chars().count() > 200 {
            return Err(ServiceError::BadRequest(
                "the label must be at most 200 characters".into(),
            ));
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(bytes.as_mut())
            .map_err(|_| ServiceError::Internal("random generator failed".into()))?;
        let key = Zeroizing::new(format!("ichie_{}", BASE64URL_NOPAD.encode(bytes.as_ref())));
        let row = ApiKeyRow {
            id: random_id()?,
            role: role.as_str().to_owned(),
            label: label.to_owned(),
            created_ms: now,
            expires_ms,
            revoked_ms: None,
            last_used_ms: None,
        };
        self.store()
            .insert_api_key(
                &row,
                digest::digest(&digest::SHA256, key.as_bytes()).as_ref(),
            )
            .await?;
        let expiry = expires_ms.map_or_else(|| "never".to_owned(), |ms| ms.to_string());
        self.store()
            .audit(
                row.created_ms,
                actor,
                "api_key.create",
                &row.id,
                &format!("role={} label={label} expires_ms={expiry}", row.role),
            )
            .await?;
        Ok((row, key))
    }

    /// Every API key with its state (never the key or its hash).
    pub async fn list_api_keys(&self) -> Result<Vec<ApiKeyInfo>, ServiceError> {
        let now = self.now_ms();
        Ok(self
            .store()
            .list_api_keys()
            .await?
            .into_iter()
            .map(|key| ApiKeyInfo {
                state: key.state(now),
                key,
            })
            .collect())
    }

    /// Revokes an API key: from now on it gets 401.
    pub async fn revoke_api_key(&self, actor: &str, id: &str) -> Result<(), ServiceError> {
        let now = self.now_ms();
        if !self.store().revoke_api_key(id, now).await? {
            return Err(ServiceError::NotFound("unrevoked API key"));
        }
        self.key_memo().remove_id(id);
        self.store()
            .audit(now, actor, "api_key.revoke", id, "")
            .await?;
        tracing::info!(key = %id, "API key revoked");
        Ok(())
    }

    /// The API key presented as a bearer token, if it is one of ours and is
    /// neither revoked nor expired.
    pub async fn authenticate(&self, key: &str) -> Result<Option<(ApiKeyRow, Role)>, ServiceError> {
        self.authenticate_hash(&key_hash(key)).await
    }

    /// For `/v1/verify` (any role may verify): a key checked in the database
    /// less than a minute ago is let in without reading its row again — the
    /// verification's own conditional statement checks it in the database
    /// (see [`Service::verify_with_key`]); any other key is checked now.
    /// `None`: unknown, revoked or expired.
    pub async fn authenticate_verifier(
        &self,
        key: &str,
    ) -> Result<Option<VerifierAuth>, ServiceError> {
        let hash = key_hash(key);
        if let Some(id) = self.key_memo().get(&hash, self.now_ms()) {
            return Ok(Some(VerifierAuth {
                actor: format!("key:{id}"),
                recheck: Some(hash),
            }));
        }
        Ok(self
            .authenticate_hash(&hash)
            .await?
            .map(|(row, _)| VerifierAuth {
                actor: format!("key:{}", row.id),
                recheck: None,
            }))
    }

    /// [`Service::authenticate`] by the key's SHA-256; remembers a valid
    /// key for [`Service::authenticate_verifier`].
    pub(super) async fn authenticate_hash(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<(ApiKeyRow, Role)>, ServiceError> {
        let Some(row) = self.store().api_key_by_hash(hash).await? else {
            self.key_memo().remove(hash);
            return Ok(None);
        };
        let now = self.now_ms();
        if row.state(now) != "active" {
            self.key_memo().remove(hash);
            return Ok(None);
        }
        let Some(role) = Role::parse(&row.role) else {
            return Ok(None);
        };
        self.key_memo().insert(*hash, &row.id, now);
        // The same condition as the UPDATE's, on the row just read: a key
        // used in the last minute is not written again (most requests).
        if row
            .last_used_ms
            .is_none_or(|last| last <= now.saturating_sub(crate::store::LAST_USED_RESOLUTION_MS))
        {
            self.store().touch_api_key(&row.id, now).await?;
        }
        Ok(Some((row, role)))
    }

    /// The latest audit log entries.
    pub async fn audit_log(
        &self,
        limit: u32,
        before: Option<i64>,
    ) -> Result<Vec<AuditEntry>, ServiceError> {
        Ok(self
            .store()
            .audit_entries(limit.clamp(1, 1000), before)
            .await?)
    }
}

/// The issuance e-mail's text: IDs, links, and the server and signing-key
/// fingerprint the app shows before it trusts a service it does not know;
/// never the password.
fn issuance_email(created: &IssuanceCreated) -> String {
    let (host, fingerprint) = match ActivationLink::parse(&created.link) {
        Ok(link) => (link.host().to_owned(), link.pinned.fingerprint()),
        Err(_) => ("(see the link)".to_owned(), "(see the link)".to_owned()),
    };
    format!(
        "A one-time password token has been issued to you.\n\n\
         Service ID: {service}\n\
         User ID: {user}\n\n\
         Open this link on your phone to activate it in the Ichie app:\n{link}\n\n\
         If the link does not open the app, use this one:\n{https}\n\n\
         If the app does not know {service} yet, it shows a server and a key\n\
         fingerprint before it activates: go on only if they are exactly these.\n\
         Server: {host}\n\
         Key fingerprint: {fingerprint}\n\n\
         The app will ask for your activation password, which you receive separately.\n\
         Nobody from {service} will ever ask you for it.\n\n\
         The activation is possible until {expires}.\n",
        service = created.service_id,
        user = created.user_id,
        link = created.link,
        https = created.https_link,
        expires = utc(created.expires_ms),
    )
}

/// Unix ms as `YYYY-MM-DD HH:MM UTC` (proleptic Gregorian calendar).
fn utc(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn utc_dates() {
        for (ms, text) in [
            (0, "1970-01-01 00:00 UTC"),
            (1_767_225_600_000, "2026-01-01 00:00 UTC"),
            (1_709_164_800_000 + 3_660_000, "2024-02-29 01:01 UTC"),
        ] {
            assert_eq!(utc(ms), text, "{ms}");
        }
    }
}

/// A `/v1/verify` request's key, as [`Service::authenticate_verifier`] found it.
#[derive(Debug, Clone)]
pub struct VerifierAuth {
    /// `key:<id>`, for logs.
    pub actor: String,
    /// The key's SHA-256 when it was let in on an earlier check: the
    /// verification checks it again in its own statement.
    pub recheck: Option<[u8; 32]>,
}

/// The SHA-256 of an API key (what is stored and looked up).
fn key_hash(key: &str) -> [u8; 32] {
    let mut hash = [0u8; 32];
    hash.copy_from_slice(digest::digest(&digest::SHA256, key.as_bytes()).as_ref());
    hash
}

//! Tokens: the sealed seed and the per-token verify state (last step, drift,
//! failures), each change one conditional statement.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, failure_row, to_i64, to_u64};

/// A token created by a successful activation, with what else changes with it.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// Random token ID.
    pub token_id: String,
    /// The issuance it activates (marked used).
    pub issuance_id: String,
    /// The service.
    pub service_id: String,
    /// The user.
    pub user_id: String,
    /// The seed sealed under the master key (token ID as AAD).
    pub sealed_seed: Vec<u8>,
    /// `SHA1`, `SHA256` or `SHA512`.
    pub algorithm: String,
    /// Code length.
    pub digits: u32,
    /// Period in seconds.
    pub period: u32,
    /// Creation time (Unix ms).
    pub created_ms: u64,
    /// The activation whose result is kept for an identical resend.
    pub activation_id: String,
    /// Its expiry (Unix ms).
    pub activation_expires_ms: u64,
    /// SHA-256 of the confirm ciphertext.
    pub confirm_hash: Vec<u8>,
    /// The `ActivationResult` JSON answered.
    pub result_json: String,
}

/// A token as stored.
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// The token ID.
    pub token_id: String,
    /// The service.
    pub service_id: String,
    /// The user.
    pub user_id: String,
    /// The sealed seed.
    pub sealed_seed: Vec<u8>,
    /// `SHA1`, `SHA256` or `SHA512`.
    pub algorithm: String,
    /// Code length.
    pub digits: u32,
    /// Period in seconds.
    pub period: u32,
    /// `active` or `revoked`.
    pub state: String,
    /// The last accepted step.
    pub last_step: Option<u64>,
    /// Steps between the server's clock and the token's at the last acceptance.
    pub drift_steps: i64,
    /// Consecutive failed verifications.
    pub failures: u32,
    /// Locked after too many failures.
    pub locked: bool,
    /// Creation time (Unix ms).
    pub created_ms: u64,
    /// Revocation time (Unix ms).
    pub revoked_ms: Option<u64>,
}

const COLUMNS: &str = "token_id, service_id, user_id, sealed_seed, algorithm, digits, period, \
                       state, last_step, drift_steps, failures, locked, created_ms, revoked_ms";

fn from_row(row: &AnyRow) -> Result<TokenRow, sqlx::Error> {
    Ok(TokenRow {
        token_id: row.try_get("token_id")?,
        service_id: row.try_get("service_id")?,
        user_id: row.try_get("user_id")?,
        sealed_seed: row.try_get("sealed_seed")?,
        algorithm: row.try_get("algorithm")?,
        digits: u32::try_from(row.try_get::<i64, _>("digits")?).unwrap_or(0),
        period: u32::try_from(row.try_get::<i64, _>("period")?).unwrap_or(0),
        state: row.try_get("state")?,
        last_step: row.try_get::<Option<i64>, _>("last_step")?.map(to_u64),
        drift_steps: row.try_get("drift_steps")?,
        failures: u32::try_from(row.try_get::<i64, _>("failures")?).unwrap_or(u32::MAX),
        locked: row.try_get::<i64, _>("locked")? != 0,
        created_ms: to_u64(row.try_get("created_ms")?),
        revoked_ms: row.try_get::<Option<i64>, _>("revoked_ms")?.map(to_u64),
    })
}

/// An API key to check in the same statement as a verification's change:
/// its SHA-256 and the time it must be valid at.
#[derive(Debug, Clone, Copy)]
pub struct KeyCheck<'a> {
    /// The key's SHA-256.
    pub hash: &'a [u8],
    /// Now (Unix ms): the key must not have expired by then.
    pub now_ms: u64,
}

/// `EXISTS` an unrevoked, unexpired API key with hash `$first` at time `$first+1`.
fn key_clause(first: usize) -> String {
    format!(
        "EXISTS (SELECT 1 FROM api_keys WHERE key_hash = ${first} AND revoked_ms IS NULL \
         AND (expires_ms IS NULL OR expires_ms > ${}))",
        first + 1
    )
}

/// What happened to an activation's final transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivateOutcome {
    /// Token created, issuance used, result kept.
    Created,
    /// The issuance was no longer pending and unlocked.
    IssuanceGone,
    /// The user already has an active token.
    Conflict,
}

impl Store {
    /// The success of a confirm, in one transaction: the issuance `pending` →
    /// `used` (conditional), the token inserted `active`, and the result kept
    /// for an identical resend.
    pub async fn activate(&self, new: &NewToken) -> Result<ActivateOutcome, sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        let used = sqlx::query(
            "UPDATE issuances SET state = 'used', token_id = $2 \
             WHERE id = $1 AND state = 'pending' AND locked = 0",
        )
        .bind(&new.issuance_id)
        .bind(&new.token_id)
        .execute(&mut *tx)
        .await?;
        if used.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(ActivateOutcome::IssuanceGone);
        }
        let inserted = sqlx::query(
            "INSERT INTO tokens (token_id, issuance_id, service_id, user_id, sealed_seed, \
             algorithm, digits, period, state, last_step, drift_steps, failures, locked, \
             created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', NULL, 0, 0, 0, $9)",
        )
        .bind(&new.token_id)
        .bind(&new.issuance_id)
        .bind(&new.service_id)
        .bind(&new.user_id)
        .bind(new.sealed_seed.clone())
        .bind(&new.algorithm)
        .bind(i64::from(new.digits))
        .bind(i64::from(new.period))
        .bind(to_i64(new.created_ms))
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if super::is_unique_violation(&e) => {
                tx.rollback().await?;
                return Ok(ActivateOutcome::Conflict);
            }
            Err(e) => return Err(e),
        }
        sqlx::query(
            "INSERT INTO activations (activation_id, issuance_id, sealed_state, created_ms, \
             expires_ms, state, confirm_hash, result_json) \
             VALUES ($1, $2, NULL, $3, $4, 'completed', $5, $6)",
        )
        .bind(&new.activation_id)
        .bind(&new.issuance_id)
        .bind(to_i64(new.created_ms))
        .bind(to_i64(new.activation_expires_ms))
        .bind(new.confirm_hash.clone())
        .bind(&new.result_json)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ActivateOutcome::Created)
    }

    /// One token by ID.
    pub async fn token(&self, token_id: &str) -> Result<Option<TokenRow>, sqlx::Error> {
        let sql = format!("SELECT {COLUMNS} FROM tokens WHERE token_id = $1");
        let row = sqlx::query(&sql)
            .bind(token_id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The user's active token, if any.
    pub async fn active_token(
        &self,
        service_id: &str,
        user_id: &str,
    ) -> Result<Option<TokenRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM tokens WHERE service_id = $1 AND user_id = $2 AND state = 'active'"
        );
        let row = sqlx::query(&sql)
            .bind(service_id)
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// When the user was last revoked (a token revoked or a pending
    /// issuance cancelled), if ever.
    pub async fn last_revocation_ms(
        &self,
        service_id: &str,
        user_id: &str,
    ) -> Result<Option<u64>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT revoked_ms FROM user_revocations WHERE service_id = $1 AND user_id = $2",
        )
        .bind(service_id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| r.try_get::<i64, _>("revoked_ms").map(to_u64))
            .transpose()
    }

    /// Revokes a user in one transaction: cancels the pending issuance, then
    /// revokes the active token, and records the revocation (which starts the
    /// re-issue cooldown) if either happened. The (revoked token, cancelled
    /// issuances).
    ///
    /// Against a concurrent activation (issuance `pending → used` and token
    /// insert, one transaction) exactly one of two things happens: the
    /// activation commits first, and this revokes the token it created; or
    /// this cancels the issuance first, and the activation finds it no
    /// longer pending (`revoked`). On PostgreSQL the cancelling UPDATE waits
    /// for the activation's row lock on the issuance and then re-checks
    /// `state = 'pending'`; the token UPDATE that follows, a new statement,
    /// sees the committed token. On SQLite the two transactions simply run
    /// one after the other.
    pub async fn revoke_user(
        &self,
        service_id: &str,
        user_id: &str,
        now_ms: u64,
    ) -> Result<(Option<String>, u64), sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        let cancelled = sqlx::query(
            "UPDATE issuances SET state = 'cancelled' \
             WHERE service_id = $1 AND user_id = $2 AND state = 'pending'",
        )
        .bind(service_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let token = sqlx::query(
            "UPDATE tokens SET state = 'revoked', revoked_ms = $3 \
             WHERE service_id = $1 AND user_id = $2 AND state = 'active' RETURNING token_id",
        )
        .bind(service_id)
        .bind(user_id)
        .bind(to_i64(now_ms))
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get::<String, _>("token_id"))
        .transpose()?;
        if token.is_some() || cancelled > 0 {
            sqlx::query(
                "INSERT INTO user_revocations (service_id, user_id, revoked_ms) \
                 VALUES ($1, $2, $3) ON CONFLICT (service_id, user_id) \
                 DO UPDATE SET revoked_ms = excluded.revoked_ms",
            )
            .bind(service_id)
            .bind(user_id)
            .bind(to_i64(now_ms))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok((token, cancelled))
    }

    /// Accepts a code of `step` at the server's step `now_step`: only if the
    /// token is active, unlocked, `step` is later than every step accepted
    /// before (replay protection) and within `window` steps of `now_step`
    /// plus the drift stored at the last success (RFC 6238 §6); records
    /// `drift_steps` as the new drift. With `key`, also only if that API key
    /// is valid at that time. Whether it was accepted.
    pub async fn accept_step(
        &self,
        token_id: &str,
        step: u64,
        drift_steps: i64,
        (now_step, window): (u64, u64),
        key: Option<KeyCheck<'_>>,
    ) -> Result<bool, sqlx::Error> {
        const ACCEPT: &str = "UPDATE tokens SET last_step = $2, failures = 0, drift_steps = $3 \
             WHERE token_id = $1 AND state = 'active' AND locked = 0 \
             AND (last_step IS NULL OR last_step < $2) \
             AND $2 BETWEEN $4 + drift_steps - $5 AND $4 + drift_steps + $5";
        let sql = match key {
            Some(_) => format!("{ACCEPT} AND {}", key_clause(6)),
            None => ACCEPT.to_owned(),
        };
        let query = sqlx::query(&sql)
            .bind(token_id)
            .bind(to_i64(step))
            .bind(drift_steps)
            .bind(to_i64(now_step))
            .bind(to_i64(window));
        let query = match key {
            Some(key) => query.bind(key.hash.to_vec()).bind(to_i64(key.now_ms)),
            None => query,
        };
        Ok(query.execute(self.pool()).await?.rows_affected() == 1)
    }

    /// Counts one failed verification, locking at `max`; the new count and
    /// lock flag, or `None` if the token is not active and unlocked (or,
    /// with `key`, that API key is not valid at that time).
    pub async fn count_verify_failure(
        &self,
        token_id: &str,
        max: u32,
        key: Option<KeyCheck<'_>>,
    ) -> Result<Option<(u32, bool)>, sqlx::Error> {
        const COUNT: &str = "UPDATE tokens SET failures = failures + 1, \
             locked = CASE WHEN failures + 1 >= $2 THEN 1 ELSE 0 END \
             WHERE token_id = $1 AND state = 'active' AND locked = 0";
        let sql = match key {
            Some(_) => format!("{COUNT} AND {} RETURNING failures, locked", key_clause(3)),
            None => format!("{COUNT} RETURNING failures, locked"),
        };
        let query = sqlx::query(&sql).bind(token_id).bind(i64::from(max));
        let query = match key {
            Some(key) => query.bind(key.hash.to_vec()).bind(to_i64(key.now_ms)),
            None => query,
        };
        let row = query.fetch_optional(self.pool()).await?;
        row.as_ref().map(failure_row).transpose()
    }

    /// Clears a token's verify lockout; whether the token exists and is active.
    pub async fn unlock_token(&self, token_id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE tokens SET locked = 0, failures = 0 WHERE token_id = $1 AND state = 'active'",
        )
        .bind(token_id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

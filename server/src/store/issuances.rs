//! Issuances: a pending right to activate one token, with its sealed PRS.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, failure_row, to_i64, to_u64};

/// A new issuance to insert.
#[derive(Debug, Clone)]
pub struct NewIssuance {
    /// Random ID.
    pub id: String,
    /// The service.
    pub service_id: String,
    /// The user.
    pub user_id: String,
    /// Where the activation e-mail goes.
    pub email: String,
    /// The activation password's PRS, sealed under the master key
    /// (AAD [`crate::seal::prs_aad`]).
    pub sealed_prs: Vec<u8>,
    /// `SHA1`, `SHA256` or `SHA512`.
    pub algorithm: String,
    /// Code length.
    pub digits: u32,
    /// Period in seconds.
    pub period: u32,
    /// Creation time (Unix ms).
    pub created_ms: u64,
    /// Expiry time (Unix ms).
    pub expires_ms: u64,
}

/// An issuance as stored (without its sealed PRS).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IssuanceRow {
    /// The issuance ID.
    pub id: String,
    /// The service.
    pub service_id: String,
    /// The user.
    pub user_id: String,
    /// The e-mail address it was sent to.
    pub email: String,
    /// `SHA1`, `SHA256` or `SHA512`.
    pub algorithm: String,
    /// Code length.
    pub digits: u32,
    /// Period in seconds.
    pub period: u32,
    /// Creation time (Unix ms).
    pub created_ms: u64,
    /// Expiry time (Unix ms).
    pub expires_ms: u64,
    /// Wrong activation passwords so far.
    pub failures: u32,
    /// Locked after too many wrong passwords.
    pub locked: bool,
    /// `pending`, `used`, `cancelled` or `expired`.
    pub state: String,
    /// The token created by activating it.
    pub token_id: Option<String>,
}

const COLUMNS: &str = "id, service_id, user_id, email, algorithm, digits, period, created_ms, \
                       expires_ms, failures, locked, state, token_id";

fn from_row(row: &AnyRow) -> Result<IssuanceRow, sqlx::Error> {
    Ok(IssuanceRow {
        id: row.try_get("id")?,
        service_id: row.try_get("service_id")?,
        user_id: row.try_get("user_id")?,
        email: row.try_get("email")?,
        algorithm: row.try_get("algorithm")?,
        digits: u32::try_from(row.try_get::<i64, _>("digits")?).unwrap_or(0),
        period: u32::try_from(row.try_get::<i64, _>("period")?).unwrap_or(0),
        created_ms: to_u64(row.try_get("created_ms")?),
        expires_ms: to_u64(row.try_get("expires_ms")?),
        failures: u32::try_from(row.try_get::<i64, _>("failures")?).unwrap_or(u32::MAX),
        locked: row.try_get::<i64, _>("locked")? != 0,
        state: row.try_get("state")?,
        token_id: row.try_get("token_id")?,
    })
}

impl Store {
    /// Marks the user's pending issuance expired if its time is up, so a new one may be made.
    pub async fn expire_pending_issuance(
        &self,
        service_id: &str,
        user_id: &str,
        now_ms: u64,
    ) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE issuances SET state = 'expired' \
             WHERE service_id = $1 AND user_id = $2 AND state = 'pending' AND expires_ms <= $3",
        )
        .bind(service_id)
        .bind(user_id)
        .bind(to_i64(now_ms))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Inserts a pending issuance; a unique violation means the user already has one.
    pub async fn insert_issuance(&self, new: &NewIssuance) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO issuances (id, service_id, user_id, email, sealed_prs, algorithm, \
             digits, period, created_ms, expires_ms, failures, locked, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, 0, 'pending')",
        )
        .bind(&new.id)
        .bind(&new.service_id)
        .bind(&new.user_id)
        .bind(&new.email)
        .bind(new.sealed_prs.clone())
        .bind(&new.algorithm)
        .bind(i64::from(new.digits))
        .bind(i64::from(new.period))
        .bind(to_i64(new.created_ms))
        .bind(to_i64(new.expires_ms))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The pending, unexpired issuance of a user, if any (locked ones too: a
    /// confirm then answers `locked`).
    pub async fn activatable_issuance(
        &self,
        service_id: &str,
        user_id: &str,
        now_ms: u64,
    ) -> Result<Option<IssuanceRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM issuances WHERE service_id = $1 AND user_id = $2 \
             AND state = 'pending' AND expires_ms > $3"
        );
        let row = sqlx::query(&sql)
            .bind(service_id)
            .bind(user_id)
            .bind(to_i64(now_ms))
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// One issuance by ID.
    pub async fn issuance(&self, id: &str) -> Result<Option<IssuanceRow>, sqlx::Error> {
        let sql = format!("SELECT {COLUMNS} FROM issuances WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The sealed PRS of an issuance.
    pub async fn issuance_sealed_prs(&self, id: &str) -> Result<Option<Vec<u8>>, sqlx::Error> {
        let row = sqlx::query("SELECT sealed_prs FROM issuances WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| r.try_get::<Vec<u8>, _>("sealed_prs"))
            .transpose()
    }

    /// The newest issuance of a service, if any: its token parameters are
    /// what a decoy challenge shows.
    pub async fn latest_issuance(
        &self,
        service_id: &str,
    ) -> Result<Option<IssuanceRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM issuances WHERE service_id = $1 \
             ORDER BY created_ms DESC, id LIMIT 1"
        );
        let row = sqlx::query(&sql)
            .bind(service_id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Issuances, newest first (at most `limit`).
    pub async fn list_issuances(&self, limit: u32) -> Result<Vec<IssuanceRow>, sqlx::Error> {
        let sql = format!("SELECT {COLUMNS} FROM issuances ORDER BY created_ms DESC, id LIMIT $1");
        let rows = sqlx::query(&sql)
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// Counts one wrong activation password, locking at `max`; the new count
    /// and lock flag, or `None` if the issuance is no longer pending and unlocked.
    pub async fn count_activation_failure(
        &self,
        id: &str,
        max: u32,
    ) -> Result<Option<(u32, bool)>, sqlx::Error> {
        let row = sqlx::query(
            "UPDATE issuances SET failures = failures + 1, \
             locked = CASE WHEN failures + 1 >= $2 THEN 1 ELSE 0 END \
             WHERE id = $1 AND state = 'pending' AND locked = 0 \
             RETURNING failures, locked",
        )
        .bind(id)
        .bind(i64::from(max))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(failure_row).transpose()
    }

    /// Unlocks a pending issuance and clears its failures; whether it was one.
    pub async fn unlock_issuance(&self, id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE issuances SET locked = 0, failures = 0 WHERE id = $1 AND state = 'pending'",
        )
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Cancels the user's pending issuance; how many were cancelled.
    pub async fn cancel_pending_issuances(
        &self,
        service_id: &str,
        user_id: &str,
    ) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE issuances SET state = 'cancelled' \
             WHERE service_id = $1 AND user_id = $2 AND state = 'pending'",
        )
        .bind(service_id)
        .bind(user_id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }
}

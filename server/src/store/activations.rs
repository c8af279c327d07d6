//! Pending activations (sealed session state between challenge and confirm)
//! and the kept results of successful confirms (for an identical resend).

use sqlx::Row;

use super::{Store, to_i64};

/// A pending activation taken (deleted) for its one confirm.
#[derive(Debug, Clone)]
pub struct ActivationRow {
    /// The issuance being activated; `None` for a decoy (no pending issuance).
    pub issuance_id: Option<String>,
    /// `PendingActivation::to_bytes`, sealed under the master key.
    pub sealed_state: Vec<u8>,
    /// When it stops being confirmable (Unix ms).
    pub expires_ms: u64,
}

/// A successful confirm kept for an identical resend.
#[derive(Debug, Clone)]
pub struct CompletedActivation {
    /// SHA-256 of the confirm ciphertext that succeeded.
    pub confirm_hash: Vec<u8>,
    /// The `ActivationResult` JSON that was answered.
    pub result_json: String,
}

impl Store {
    /// Deletes activations past their expiry (housekeeping).
    pub async fn purge_expired_activations(&self, now_ms: u64) -> Result<u64, sqlx::Error> {
        let done = sqlx::query("DELETE FROM activations WHERE expires_ms <= $1")
            .bind(to_i64(now_ms))
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// Stores a new open activation (`issuance_id` `None` for a decoy).
    pub async fn insert_activation(
        &self,
        activation_id: &str,
        issuance_id: Option<&str>,
        sealed_state: Vec<u8>,
        created_ms: u64,
        expires_ms: u64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO activations (activation_id, issuance_id, sealed_state, created_ms, \
             expires_ms, state) VALUES ($1, $2, $3, $4, $5, 'open')",
        )
        .bind(activation_id)
        .bind(issuance_id)
        .bind(sealed_state)
        .bind(to_i64(created_ms))
        .bind(to_i64(expires_ms))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Takes an open, unexpired activation: deletes it and returns it, in one
    /// statement, so exactly one confirm (on any instance) gets its keys.
    pub async fn take_activation(
        &self,
        activation_id: &str,
        now_ms: u64,
    ) -> Result<Option<ActivationRow>, sqlx::Error> {
        let row = sqlx::query(
            "DELETE FROM activations \
             WHERE activation_id = $1 AND state = 'open' AND expires_ms > $2 \
             RETURNING issuance_id, sealed_state, expires_ms",
        )
        .bind(activation_id)
        .bind(to_i64(now_ms))
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(ActivationRow {
                issuance_id: r.try_get("issuance_id")?,
                sealed_state: r.try_get("sealed_state")?,
                expires_ms: super::to_u64(r.try_get("expires_ms")?),
            })
        })
        .transpose()
    }

    /// The kept result of a successful confirm, while it has not expired.
    pub async fn completed_activation(
        &self,
        activation_id: &str,
        now_ms: u64,
    ) -> Result<Option<CompletedActivation>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT confirm_hash, result_json FROM activations \
             WHERE activation_id = $1 AND state = 'completed' AND expires_ms > $2",
        )
        .bind(activation_id)
        .bind(to_i64(now_ms))
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(CompletedActivation {
                confirm_hash: r.try_get("confirm_hash")?,
                result_json: r.try_get("result_json")?,
            })
        })
        .transpose()
    }

    /// Counts a failed confirm of a decoy activation for a user with no
    /// pending issuance (one upsert); returns the failures so far.
    pub async fn count_probe_failure(
        &self,
        service_id: &str,
        user_id: &str,
        now_ms: u64,
    ) -> Result<u32, sqlx::Error> {
        let row = sqlx::query(
            "INSERT INTO activation_probes (service_id, user_id, failures, updated_ms) \
             VALUES ($1, $2, 1, $3) \
             ON CONFLICT (service_id, user_id) DO UPDATE \
             SET failures = activation_probes.failures + 1, updated_ms = $3 \
             RETURNING failures",
        )
        .bind(service_id)
        .bind(user_id)
        .bind(to_i64(now_ms))
        .fetch_one(self.pool())
        .await?;
        let failures: i64 = row.try_get("failures")?;
        Ok(u32::try_from(failures).unwrap_or(u32::MAX))
    }
}

//! The audit log: who did what to whom, when (never a secret).

use sqlx::Row;

use super::{Store, to_i64, to_u64};

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// Sequence number.
    pub id: i64,
    /// When (Unix ms).
    pub at_ms: u64,
    /// Who: `key:<id>`, `cli` or `app`.
    pub actor: String,
    /// What, e.g. `issuance.create`.
    pub action: String,
    /// On what: a user, issuance or token ID.
    pub subject: String,
    /// Non-secret details.
    pub detail: String,
}

impl Store {
    /// Appends an entry.
    pub async fn audit(
        &self,
        at_ms: u64,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO audit_log (at_ms, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(to_i64(at_ms))
        .bind(actor)
        .bind(action)
        .bind(subject)
        .bind(detail)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The latest entries, newest first, optionally before sequence number `before`.
    pub async fn audit_entries(
        &self,
        limit: u32,
        before: Option<i64>,
    ) -> Result<Vec<AuditEntry>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, at_ms, actor, action, subject, detail FROM audit_log \
             WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get("id")?,
                    at_ms: to_u64(r.try_get("at_ms")?),
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    subject: r.try_get("subject")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }
}

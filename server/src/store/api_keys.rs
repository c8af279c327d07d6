//! API keys: only the SHA-256 of each key is stored, looked up by that hash.

use sqlx::Row;

use super::{Store, to_i64, to_u64};

/// An API key's record (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiKeyRow {
    /// The key's public ID (for the audit log).
    pub id: String,
    /// `admin` or `verifier`.
    pub role: String,
    /// A label for people.
    pub label: String,
    /// Creation time (Unix ms).
    pub created_ms: u64,
}

impl Store {
    /// Stores a key's hash.
    pub async fn insert_api_key(
        &self,
        row: &ApiKeyRow,
        key_hash: &[u8],
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO api_keys (id, key_hash, role, label, created_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&row.id)
        .bind(key_hash.to_vec())
        .bind(&row.role)
        .bind(&row.label)
        .bind(to_i64(row.created_ms))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The key whose SHA-256 is `key_hash`. The hash of a 256-bit random key
    /// reveals nothing through lookup timing, so an indexed lookup is safe.
    pub async fn api_key_by_hash(&self, key_hash: &[u8]) -> Result<Option<ApiKeyRow>, sqlx::Error> {
        let row =
            sqlx::query("SELECT id, role, label, created_ms FROM api_keys WHERE key_hash = $1")
                .bind(key_hash.to_vec())
                .fetch_optional(self.pool())
                .await?;
        row.map(|r| {
            Ok(ApiKeyRow {
                id: r.try_get("id")?,
                role: r.try_get("role")?,
                label: r.try_get("label")?,
                created_ms: to_u64(r.try_get("created_ms")?),
            })
        })
        .transpose()
    }
}

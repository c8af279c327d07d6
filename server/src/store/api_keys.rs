//! API keys: only the SHA-256 of each key is stored, looked up by that hash;
//! a key may expire and may be revoked.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, to_i64, to_u64};

/// An API key's record (never the key itself, nor its hash).
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
    /// When it stops working (Unix ms), if ever.
    pub expires_ms: Option<u64>,
    /// When it was revoked (Unix ms), if it was.
    pub revoked_ms: Option<u64>,
    /// When it was last used (Unix ms, to the minute), if ever.
    pub last_used_ms: Option<u64>,
}

impl ApiKeyRow {
    /// `active`, `revoked` or `expired` at `now_ms`.
    pub fn state(&self, now_ms: u64) -> &'static str {
        if self.revoked_ms.is_some() {
            "revoked"
        } else if self.expires_ms.is_some_and(|expires| expires <= now_ms) {
            "expired"
        } else {
            "active"
        }
    }
}

const COLUMNS: &str = "id, role, label, created_ms, expires_ms, revoked_ms, last_used_ms";

fn from_row(r: &AnyRow) -> Result<ApiKeyRow, sqlx::Error> {
    Ok(ApiKeyRow {
        id: r.try_get("id")?,
        role: r.try_get("role")?,
        label: r.try_get("label")?,
        created_ms: to_u64(r.try_get("created_ms")?),
        expires_ms: r.try_get::<Option<i64>, _>("expires_ms")?.map(to_u64),
        revoked_ms: r.try_get::<Option<i64>, _>("revoked_ms")?.map(to_u64),
        last_used_ms: r.try_get::<Option<i64>, _>("last_used_ms")?.map(to_u64),
    })
}

/// How often the last use of a key is written (one write per key per minute at most).
pub const LAST_USED_RESOLUTION_MS: u64 = 60_000;

impl Store {
    /// Stores a key's hash.
    pub async fn insert_api_key(
        &self,
        row: &ApiKeyRow,
        key_hash: &[u8],
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO api_keys (id, key_hash, role, label, created_ms, expires_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&row.id)
        .bind(key_hash.to_vec())
        .bind(&row.role)
        .bind(&row.label)
        .bind(to_i64(row.created_ms))
        .bind(row.expires_ms.map(to_i64))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The key whose SHA-256 is `key_hash`, whatever its state. The hash of a
    /// 256-bit random key reveals nothing through lookup timing, so an
    /// indexed lookup is safe.
    pub async fn api_key_by_hash(&self, key_hash: &[u8]) -> Result<Option<ApiKeyRow>, sqlx::Error> {
        let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE key_hash = $1");
        let row = sqlx::query(&sql)
            .bind(key_hash.to_vec())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Every key, oldest first (no hashes).
    pub async fn list_api_keys(&self) -> Result<Vec<ApiKeyRow>, sqlx::Error> {
        let sql = format!("SELECT {COLUMNS} FROM api_keys ORDER BY created_ms, id");
        let rows = sqlx::query(&sql).fetch_all(self.pool()).await?;
        rows.iter().map(from_row).collect()
    }

    /// Revokes a key at `now_ms`; whether it existed and was not revoked yet.
    pub async fn revoke_api_key(&self, id: &str, now_ms: u64) -> Result<bool, sqlx::Error> {
        let done =
            sqlx::query("UPDATE api_keys SET revoked_ms = $2 WHERE id = $1 AND revoked_ms IS NULL")
                .bind(id)
                .bind(to_i64(now_ms))
                .execute(self.pool())
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a use of a key (at most one write per key per minute).
    pub async fn touch_api_key(&self, id: &str, now_ms: u64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE api_keys SET last_used_ms = $2 \
             WHERE id = $1 AND (last_used_ms IS NULL OR last_used_ms <= $3)",
        )
        .bind(id)
        .bind(to_i64(now_ms))
        .bind(to_i64(now_ms.saturating_sub(LAST_USED_RESOLUTION_MS)))
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

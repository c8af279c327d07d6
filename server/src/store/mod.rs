//! All SQL: one backend-neutral store over `sqlx::AnyPool` (SQLite or PostgreSQL).
//!
//! The same statements run on both engines (`$N` placeholders, `RETURNING`,
//! partial unique indexes). Every per-row state change is one conditional
//! statement, so several server instances sharing one database never race
//! between a read and a write.

mod activations;
mod api_keys;
mod audit;
mod issuances;
mod tokens;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use activations::{ActivationRow, CompletedActivation};
pub use api_keys::{ApiKeyRow, LAST_USED_RESOLUTION_MS};
pub use audit::AuditEntry;
pub use issuances::{IssuanceRow, NewIssuance};
pub use tokens::{ActivateOutcome, KeyCheck, NewToken, TokenRow};

/// Which database engine a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, the embedded default (one instance).
    Sqlite,
    /// PostgreSQL, for several instances.
    Postgres,
}

impl Backend {
    /// The engine of a database URL (`sqlite:` or `postgres:`/`postgresql:`).
    pub fn of_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }
}

/// Why the store could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL is neither `sqlite:` nor `postgres:`.
    #[error("the database URL must start with sqlite: or postgres:")]
    UnsupportedUrl,
    /// The database refused the connection or a statement.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The SQLite file or its directory could not be created or protected.
    #[error("database file {path}: {source}")]
    File {
        /// The file or directory.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The database: a connection pool and its engine.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects to `url` (SQLite: WAL, a busy timeout and foreign keys on).
    /// The URL may carry a password; it is never logged.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        if backend == Backend::Sqlite {
            prepare_sqlite_file(url)?;
        }
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                // Each SQLite connection is a thread of sqlx's; with fewer
                // than about half the concurrent requests, waiting for a
                // connection costs more than SQLite's own write lock
                // (docs/benchmarks.md, "Server: verification").
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Self { pool, backend })
    }

    /// Runs the embedded migrations of this store's engine.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("./migrations/sqlite")
                    .run(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// The engine.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for the submodules.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Before SQLite opens its file: creates a missing directory 0700 and a
/// missing database file 0600 (SQLite gives its `-wal` and `-shm` files the
/// database file's mode), and takes group and other access away from an
/// existing database file and its `-wal`/`-shm` files. In-memory databases
/// are left alone.
fn prepare_sqlite_file(url: &str) -> Result<(), StoreError> {
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
    let path = options.get_filename();
    if url.contains(":memory:") || url.contains("mode=memory") || path.as_os_str().is_empty() {
        return Ok(());
    }
    let io = |path: &std::path::Path| {
        let path = path.to_owned();
        move |source| StoreError::File { path, source }
    };
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.exists()
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(io(dir))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(path)(e)),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = std::path::PathBuf::from(name);
            if let Ok(meta) = std::fs::metadata(&file)
                && meta.permissions().mode() & 0o077 != 0
            {
                tracing::warn!(file = %file.display(), "database file was readable by others; now 0600");
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .map_err(io(&file))?;
            }
        }
    }
    Ok(())
}

/// Whether an error is a unique-constraint violation (an insert lost a race
/// or hit the one-active-token / one-pending-issuance rule).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

/// The `failures` count and `locked` flag a failure-counting UPDATE returns.
pub(crate) fn failure_row(row: &sqlx::any::AnyRow) -> Result<(u32, bool), sqlx::Error> {
    use sqlx::Row;
    Ok((
        u32::try_from(row.try_get::<i64, _>("failures")?).unwrap_or(u32::MAX),
        row.try_get::<i64, _>("locked")? != 0,
    ))
}

/// A count or time read from the database as the unsigned value it stands for.
pub(crate) fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A time or count written to the database (saturating: nothing real exceeds i64).
pub(crate) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

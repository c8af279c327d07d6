//! Building a running service from the configuration: database, migrations, keys, mail.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::keys::{KeyError, ServerKeys};
use crate::mail::{MailError, Mailer};
use crate::service::{Service, Settings};
use crate::store::{Store, StoreError};

/// Why the service could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A key could not be read.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// The mail configuration is unusable.
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// Connects to the database, runs the migrations, loads the keys and the mailer.
pub async fn build_service(config: &Config, clock: Arc<dyn Clock>) -> Result<Service, StartError> {
    let store = Store::connect(&config.database_url).await?;
    store.migrate().await?;
    let keys = ServerKeys::load(&config.keys_dir, &config.signing_key_id)?;
    let default_outbox = config
        .keys_dir
        .parent()
        .map(|dir| dir.join("outbox"))
        .unwrap_or_else(|| "outbox".into());
    let mailer = Mailer::from_config(&config.mail, default_outbox)?;
    Ok(Service::new(
        store,
        keys,
        Settings {
            service_id: config.service_id.clone(),
            public_url: config.public_url.clone(),
            limits: config.limits.clone(),
            rate_limits: config.rate_limits.clone(),
        },
        clock,
        mailer,
    ))
}

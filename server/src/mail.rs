//! The issuance e-mail: written as an `.eml` file to an outbox directory (the
//! default), or sent through an SMTP relay with `lettre`.

use std::fmt;
use std::path::PathBuf;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::MailConfig;

/// Why an e-mail could not be prepared or sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// An address does not parse.
    #[error("invalid e-mail address")]
    Address,
    /// The mail configuration is unusable.
    #[error("mail configuration: {0}")]
    Config(String),
    /// Building or delivering the message failed.
    #[error("mail delivery failed: {0}")]
    Send(String),
}

/// Where e-mails go.
#[derive(Clone)]
pub enum Mailer {
    /// Each e-mail becomes a file in this directory.
    Outbox {
        /// The directory.
        dir: PathBuf,
        /// The sender.
        from: Mailbox,
    },
    /// An SMTP relay.
    Smtp {
        /// The transport.
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// The sender.
        from: Mailbox,
    },
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Outbox { dir, .. } => f.debug_struct("Outbox").field("dir", dir).finish(),
            Self::Smtp { .. } => f.write_str("Smtp"),
        }
    }
}

impl Mailer {
    /// From the configuration; `default_outbox` when neither SMTP nor an outbox is set.
    pub fn from_config(config: &MailConfig, default_outbox: PathBuf) -> Result<Self, MailError> {
        let from: Mailbox = config.from.parse().map_err(|_| MailError::Address)?;
        let Some(smtp) = &config.smtp else {
            return Ok(Self::Outbox {
                dir: config.outbox_dir.clone().unwrap_or(default_outbox),
                from,
            });
        };
        let builder = match smtp.security.as_str() {
            "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
                .map_err(|e| MailError::Config(e.to_string()))?,
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
                .map_err(|e| MailError::Config(e.to_string()))?,
            "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
            other => {
                return Err(MailError::Config(format!(
                    "smtp.security must be starttls, tls or none, not {other:?}"
                )));
            }
        };
        let mut builder = builder.port(smtp.port);
        if let Some(user) = &smtp.username {
            let password = match &smtp.password_env {
                Some(var) => std::env::var(var).map_err(|_| {
                    MailError::Config(format!("environment variable {var} is not set"))
                })?,
                None => String::new(),
            };
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Self::Smtp {
            transport: builder.build(),
            from,
        })
    }

    /// Sends a plain-text e-mail to `to`.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), MailError> {
        let to: Mailbox = to.parse().map_err(|_| MailError::Address)?;
        let from = match self {
            Self::Outbox { from, .. } | Self::Smtp { from, .. } => from.clone(),
        };
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| MailError::Send(e.to_string()))?;
        match self {
            Self::Outbox { dir, .. } => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| MailError::Send(e.to_string()))?;
                AsyncFileTransport::<Tokio1Executor>::new(dir)
                    .send(message)
                    .await
                    .map_err(|e| MailError::Send(e.to_string()))?;
            }
            Self::Smtp { transport, .. } => {
                transport
                    .send(message)
                    .await
                    .map_err(|e| MailError::Send(e.to_string()))?;
            }
        }
        Ok(())
    }
}

/// Whether `address` is an e-mail address lettre accepts.
pub fn is_valid_address(address: &str) -> bool {
    address.parse::<lettre::Address>().is_ok()
}

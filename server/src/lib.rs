//! ichie-server: provisioning (activation protocol v1) and verification of
//! Ichie OTP tokens, with an admin API, over HTTPS.
//!
//! Layout: [`config`] and [`keys`] are what `init` writes and `serve` reads;
//! [`store`] holds every SQL statement (SQLite or PostgreSQL); [`service`] the
//! rules; [`http`] the API over the service ([`http::app`] is testable without
//! a socket); [`serve`] TLS and shutdown; [`cli`] the command line.
#![forbid(unsafe_code)]

pub mod cli;
pub mod clock;
pub mod config;
pub mod http;
pub mod init;
pub mod keys;
pub mod mail;
pub mod runtime;
pub mod seal;
pub mod serve;
pub mod service;
pub mod store;

pub use http::app;
pub use service::{Service, ServiceError};

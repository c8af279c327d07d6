//! Time sources over HTTPS: the Ichie server's JSON time endpoint and any server's `Date` header.

use std::time::UNIX_EPOCH;

use reqwest::header::{ACCEPT, DATE};
use reqwest::{Client, Response, StatusCode, Url};
use serde::Deserialize;

use super::{ClockError, Sample, TimeSource, WallClock};
use crate::https::TransportError;
use crate::https::transport::{self, snippet, truncate};

/// The most bytes read from a time endpoint's answer.
const MAX_BODY: usize = 4 * 1024;

/// How much of an unexpected answer an error message quotes.
const SNIPPET_CHARS: usize = 48;

/// The Ichie server's time endpoint, with millisecond resolution.
///
/// The contract (`GET /v1/time` on an Ichie server): the server answers
/// `200 OK` with a JSON object `{"unix_ms": <integer>}`, the server's time in
/// milliseconds since 1970-01-01T00:00:00Z, read as late as possible before
/// answering. Other fields are ignored. The answer must not be cached
/// (`Cache-Control: no-store`) and is at most 4 KiB.
#[derive(Debug, Clone)]
pub struct JsonTimeSource {
    client: Client,
    url: Url,
}

impl JsonTimeSource {
    /// A source asking `url` (for example `https://ichie.example/v1/time`) through `client`.
    pub fn new(client: Client, url: Url) -> Self {
        Self { client, url }
    }
}

#[derive(Deserialize)]
struct TimeBody {
    unix_ms: u64,
}

impl TimeSource for JsonTimeSource {
    async fn sample(&self, clock: &dyn WallClock) -> Result<Sample, ClockError> {
        let request = self
            .client
            .get(self.url.clone())
            .header(ACCEPT, "application/json");
        let sent_ms = clock.now_ms();
        let response = request.send().await.map_err(map_error)?;
        let status = response.status();
        if !status.is_success() {
            return Err(ClockError::from(TransportError::Http {
                status: status.as_u16(),
            }));
        }
        let body = read_body(response).await?;
        let received_ms = clock.now_ms();
        let time: TimeBody = serde_json::from_slice(&body).map_err(|error| {
            ClockError::from(TransportError::BadResponse(format!(
                "expected {{\"unix_ms\": <integer>}} ({}), got {}",
                truncate(&error.to_string(), SNIPPET_CHARS * 2),
                snippet(&body)
            )))
        })?;
        Ok(Sample {
            sent_ms,
            server_ms: time.unix_ms,
            received_ms,
            server_resolution_ms: 1,
        })
    }
}

/// Any HTTPS server's `Date` header: one-second resolution, a coarse fallback.
///
/// Sends `HEAD` (or `GET` if the server answers `HEAD` with 405 or 501) and
/// reads the `Date` header (RFC 9110 IMF-fixdate, whole seconds). The time is
/// taken from any answer below 500 that carries a `Date` header, since a
/// 403 or 404 still tells the time; a 5xx answer is an error.
#[derive(Debug, Clone)]
pub struct DateHeaderSource {
    client: Client,
    url: Url,
}

impl DateHeaderSource {
    /// A source asking `url` (any HTTPS URL) through `client`.
    pub fn new(client: Client, url: Url) -> Self {
        Self { client, url }
    }
}

impl TimeSource for DateHeaderSource {
    async fn sample(&self, clock: &dyn WallClock) -> Result<Sample, ClockError> {
        let mut sent_ms = clock.now_ms();
        let mut response = self
            .client
            .head(self.url.clone())
            .send()
            .await
            .map_err(map_error)?;
        if matches!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_IMPLEMENTED
        ) {
            sent_ms = clock.now_ms();
            response = self
                .client
                .get(self.url.clone())
                .send()
                .await
                .map_err(map_error)?;
        }
        // The Date header is written with the head; the body does not matter.
        let received_ms = clock.now_ms();
        let status = response.status();
        if status.is_server_error() {
            return Err(ClockError::from(TransportError::Http {
                status: status.as_u16(),
            }));
        }
        let Some(date) = response.headers().get(DATE) else {
            return Err(if status.is_success() {
                ClockError::from(TransportError::BadResponse(
                    "the answer has no Date header".to_owned(),
                ))
            } else {
                ClockError::from(TransportError::Http {
                    status: status.as_u16(),
                })
            });
        };
        let server_ms = parse_date(date.as_bytes())?;
        Ok(Sample {
            sent_ms,
            server_ms,
            received_ms,
            server_resolution_ms: 1_000,
        })
    }
}

/// An HTTP date (IMF-fixdate, or the obsolete RFC 850 and asctime forms) as Unix milliseconds.
fn parse_date(value: &[u8]) -> Result<u64, ClockError> {
    let bad = || {
        ClockError::from(TransportError::BadResponse(format!(
            "unreadable Date header {}",
            snippet(value)
        )))
    };
    let text = std::str::from_utf8(value).map_err(|_| bad())?;
    let time = httpdate::parse_http_date(text).map_err(|_| bad())?;
    let since = time.duration_since(UNIX_EPOCH).map_err(|_| bad())?;
    u64::try_from(since.as_millis()).map_err(|_| bad())
}

/// Reads the body, refusing more than [`MAX_BODY`] bytes.
async fn read_body(response: Response) -> Result<Vec<u8>, ClockError> {
    Ok(transport::read_body(response, MAX_BODY).await?)
}

/// Sorts a transport error into TLS, timeout, network or bad response.
pub(crate) fn map_error(error: reqwest::Error) -> ClockError {
    transport::classify(error).into()
}

#[cfg(test)]
mod tests;

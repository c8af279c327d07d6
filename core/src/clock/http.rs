//! Time sources over HTTPS: the Ichie server's JSON time endpoint and any server's `Date` header.

use std::error::Error as StdError;
use std::time::UNIX_EPOCH;

use reqwest::header::{ACCEPT, DATE};
use reqwest::{Client, Response, StatusCode, Url};
use serde::Deserialize;

use super::{ClockError, Sample, TimeSource, WallClock};

/// The most bytes read from a time endpoint's answer.
const MAX_BODY: usize = 4 * 1024;

/// How much of an unexpected answer an error message quotes.
const SNIPPET_CHARS: usize = 48;

/// How long an error message built from a transport error chain may get.
const MAX_MESSAGE_CHARS: usize = 300;

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
            return Err(ClockError::Http {
                status: status.as_u16(),
            });
        }
        let body = read_body(response).await?;
        let received_ms = clock.now_ms();
        let time: TimeBody = serde_json::from_slice(&body).map_err(|error| {
            ClockError::BadResponse(format!(
                "expected {{\"unix_ms\": <integer>}} ({}), got {}",
                truncate(&error.to_string(), SNIPPET_CHARS * 2),
                snippet(&body)
            ))
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
            return Err(ClockError::Http {
                status: status.as_u16(),
            });
        }
        let Some(date) = response.headers().get(DATE) else {
            return Err(if status.is_success() {
                ClockError::BadResponse("the answer has no Date header".to_owned())
            } else {
                ClockError::Http {
                    status: status.as_u16(),
                }
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
    let bad = || ClockError::BadResponse(format!("unreadable Date header {}", snippet(value)));
    let text = std::str::from_utf8(value).map_err(|_| bad())?;
    let time = httpdate::parse_http_date(text).map_err(|_| bad())?;
    let since = time.duration_since(UNIX_EPOCH).map_err(|_| bad())?;
    u64::try_from(since.as_millis()).map_err(|_| bad())
}

/// Reads the body, refusing more than [`MAX_BODY`] bytes.
async fn read_body(mut response: Response) -> Result<Vec<u8>, ClockError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(map_error)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ClockError::BadResponse(format!(
                "the answer is longer than {MAX_BODY} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Sorts a transport error into TLS, timeout, network or bad response.
pub(crate) fn map_error(error: reqwest::Error) -> ClockError {
    if let Some(tls) = find_rustls_error(&error) {
        return ClockError::Tls(tls.to_string());
    }
    if error.is_timeout() {
        return ClockError::Timeout;
    }
    if let Some(status) = error.status() {
        return ClockError::Http {
            status: status.as_u16(),
        };
    }
    if error.is_decode() || error.is_body() {
        return ClockError::BadResponse(describe(&error));
    }
    ClockError::Network(describe(&error))
}

/// The first rustls error in the chain, looking inside `io::Error`s too
/// (whose `source` skips the error they wrap).
fn find_rustls_error<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        let wrapped = error
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref());
        if let Some(tls) = wrapped.and_then(|inner| find_rustls_error(inner)) {
            return Some(tls);
        }
        current = error.source();
    }
    None
}

/// The error chain as one line, without the URL (it may carry credentials), shortened.
fn describe(error: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let top = error.to_string();
    let top = match error.url() {
        Some(url) => top
            .replace(&format!(" ({url})"), "")
            .replace(url.as_str(), "<url>"),
        None => top,
    };
    parts.push(top);
    let mut current = error.source();
    while let Some(error) = current {
        let part = error.to_string();
        if parts.last() != Some(&part) {
            parts.push(part);
        }
        current = error.source();
    }
    truncate(&parts.join(": "), MAX_MESSAGE_CHARS)
}

/// The start of an unexpected answer, quoted and escaped.
fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut quoted = format!("{:?}", truncate(&text, SNIPPET_CHARS));
    if text.chars().count() > SNIPPET_CHARS {
        quoted.push('…');
    }
    quoted
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests;

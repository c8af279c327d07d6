//! What can go wrong on the wire, sorted the same way for every caller
//! (clock check, activation, status refresh).

use std::error::Error as StdError;

use reqwest::Response;

/// How much of an unexpected answer an error message quotes.
const SNIPPET_CHARS: usize = 48;

/// How long an error message built from a transport error chain may get.
const MAX_MESSAGE_CHARS: usize = 300;

/// A failure to exchange a request and an answer with a server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The server could not be reached (DNS, refused, reset…).
    #[error("network error: {0}")]
    Network(String),
    /// The TLS handshake failed: an untrusted or wrong certificate, most often.
    #[error("TLS error: {0}")]
    Tls(String),
    /// The server did not answer in time.
    #[error("the server did not answer in time")]
    Timeout,
    /// The server answered with an unexpected HTTP status.
    #[error("the server answered HTTP {status}")]
    Http {
        /// The status code.
        status: u16,
    },
    /// The answer could not be understood.
    #[error("unexpected answer: {0}")]
    BadResponse(String),
}

/// Sorts a reqwest error into TLS, timeout, HTTP status, bad answer or network.
pub(crate) fn classify(error: reqwest::Error) -> TransportError {
    if let Some(tls) = find_rustls_error(&error) {
        return TransportError::Tls(tls.to_string());
    }
    if error.is_timeout() {
        return TransportError::Timeout;
    }
    if let Some(status) = error.status() {
        return TransportError::Http {
            status: status.as_u16(),
        };
    }
    if error.is_decode() || error.is_body() {
        return TransportError::BadResponse(describe(&error));
    }
    TransportError::Network(describe(&error))
}

/// Reads the body, refusing more than `max` bytes.
pub(crate) async fn read_body(
    mut response: Response,
    max: usize,
) -> Result<Vec<u8>, TransportError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
        if body.len() + chunk.len() > max {
            return Err(TransportError::BadResponse(format!(
                "the answer is longer than {max} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
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
pub(crate) fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut quoted = format!("{:?}", truncate(&text, SNIPPET_CHARS));
    if text.chars().count() > SNIPPET_CHARS {
        quoted.push('…');
    }
    quoted
}

/// At most `max_chars` characters of `text`.
pub(crate) fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

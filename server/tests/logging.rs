//! What reaches the log: a request path of 8,000 characters is logged cut
//! to 128 with a marker, never whole; the query never.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use common::{Db, TestEnv};
use ichie_server::http::MAX_LOGGED_CHARS;

/// A tracing writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

// One thread: the subscriber set for this thread sees every request span.
#[tokio::test(flavor = "current_thread")]
async fn long_paths_are_cut_in_the_log() {
    let log = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(log.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let env = TestEnv::new(Db::Sqlite).await.unwrap();

    let long_id = "A".repeat(8_000);
    let path = format!("/v1/tokens/{long_id}/status");
    let (status, _) = env.call("GET", &path, None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let junk = format!("/{}", "x".repeat(8_000));
    let (status, _) = env
        .call("GET", &format!("{junk}?secret=hunter2"), None, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("status=404"), "{text}");
    assert!(!text.contains(&long_id), "the whole ID reached the log");
    assert!(!text.contains(&junk), "the whole path reached the log");
    assert!(!text.contains("hunter2"), "the query reached the log");
    let cut: String = path.chars().take(MAX_LOGGED_CHARS).collect();
    let rest = path.chars().count() - MAX_LOGGED_CHARS;
    assert!(
        text.contains(&format!("{cut}…[+{rest} chars]")),
        "no marked cut in {text}"
    );
    let longest_line = text.lines().map(str::len).max().unwrap_or(0);
    eprintln!(
        "longest log line: {longest_line} bytes for an {}-character path",
        path.len()
    );
    assert!(longest_line < 1_000, "{longest_line}");
}

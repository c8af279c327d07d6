//! The vault is never held while a server is awaited: with a clock check or
//! an activation stuck on a server that accepts the connection and never
//! answers, `list()` and a rename on another thread still return — before
//! the network call ends, which is what the ordering assertions check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;

use ichie_ffi::{IchieApp, IchieError};

const URI: &str = "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example";

fn app(dir: &tempfile::TempDir) -> Arc<IchieApp> {
    let path = dir.path().join("tokens.vault").display().to_string();
    let app = IchieApp::create(path, vec![3; 32], 10, None).unwrap();
    app.add_uri(URI.into()).unwrap();
    app
}

/// Runs `call` on its own thread and runtime; `done` fires when it returns.
fn spawn<T: Send + 'static>(
    call: impl FnOnce(tokio::runtime::Runtime) -> T + Send + 'static,
) -> (thread::JoinHandle<T>, mpsc::Receiver<()>) {
    let (tx, done) = mpsc::channel();
    let handle = thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let result = call(runtime);
        tx.send(()).ok();
        result
    });
    (handle, done)
}

/// While the network call waits on `listener`, quick calls go through.
fn quick_calls_pass(app: &IchieApp, listener: &TcpListener, done: &mpsc::Receiver<()>) {
    // The connection is open: the call is past its vault step, on the network.
    let (stalled, _) = listener.accept().unwrap();
    let views = app.list().unwrap();
    assert_eq!(views.len(), 1);
    app.rename(views[0].id.clone(), Some("Renamed".into()), "alice".into())
        .unwrap();
    assert_eq!(app.list().unwrap()[0].issuer.as_deref(), Some("Renamed"));
    assert!(
        done.try_recv().is_err(),
        "the network call ended first: nothing was shown"
    );
    drop(stalled);
}

fn network_failure(result: Result<impl std::fmt::Debug, IchieError>) {
    assert!(
        matches!(
            result,
            Err(IchieError::Network { .. } | IchieError::Tls { .. } | IchieError::Timeout)
        ),
        "{result:?}"
    );
}

#[test]
fn a_clock_check_on_a_silent_server_does_not_block_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/v1/time", listener.local_addr().unwrap());
    let checker = Arc::clone(&app);
    let (handle, done) = spawn(move |rt| rt.block_on(checker.check_clock(url, None, false)));
    quick_calls_pass(&app, &listener, &done);
    drop(listener);
    network_failure(handle.join().unwrap());
}

#[test]
fn an_activation_on_a_silent_server_does_not_block_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let link = format!(
        "ichie://activate?v=2&url=https%3A%2F%2F{}&service=demo&user=taro&kid=k1&pk={}",
        listener.local_addr().unwrap(),
        "A".repeat(43)
    );
    let activator = Arc::clone(&app);
    let (handle, done) = spawn(move |rt| {
        rt.block_on(activator.activate_with_link(link, "123456".into(), None, true, None, false))
    });
    quick_calls_pass(&app, &listener, &done);
    drop(listener);
    network_failure(handle.join().unwrap());
}

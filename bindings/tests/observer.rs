//! Change notifications: the observer hears every change made through the
//! `IchieApp` (and nothing for a refused one), and `check_for_changes` finds
//! what another handle — another process, a widget — wrote to the file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ichie_ffi::{IchieApp, IchieError, VaultObserver};

#[derive(Default)]
struct Counter(AtomicUsize);

impl VaultObserver for Counter {
    fn vault_changed(&self) -> Result<(), IchieError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

impl Counter {
    fn seen(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// An observer that fails, as Kotlin or Swift code that throws.
struct Failing;

impl VaultObserver for Failing {
    fn vault_changed(&self) -> Result<(), IchieError> {
        Err(IchieError::Internal {
            reason: "the UI is gone".into(),
        })
    }
}

const URI_A: &str = "otpauth://totp/A:one?secret=JBSWY3DPEHPK3PXP";
const URI_B: &str = "otpauth://totp/B:two?secret=GEZDGNBVGY3TQOJQ";

#[test]
fn every_change_is_told_and_refused_ones_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v").display().to_string();
    let app = IchieApp::create(path, vec![4; 32], 10, None).unwrap();
    let counter = Arc::new(Counter::default());
    app.set_observer(Some(counter.clone()));
    let id = app.add_uri(URI_A.into()).unwrap().added.remove(0);
    assert_eq!(counter.seen(), 1);
    app.rename(id.clone(), Some("A2".into()), "one".into())
        .unwrap();
    app.move_to(id.clone(), 0).unwrap();
    assert_eq!(counter.seen(), 3);
    // Refused changes are not changes.
    assert!(app.add_uri(URI_A.into()).is_err());
    assert!(app.rename("nope".into(), None, "x".into()).is_err());
    assert_eq!(counter.seen(), 3);
    app.delete(id).unwrap();
    assert_eq!(counter.seen(), 4);
    // Reads tell nothing.
    app.list().unwrap();
    app.codes().unwrap();
    assert_eq!(counter.seen(), 4);
    // A failing observer does not fail the change.
    app.set_observer(Some(Arc::new(Failing)));
    app.add_uri(URI_B.into()).unwrap();
    app.set_observer(None);
    app.add_uri(URI_A.into()).unwrap();
    assert_eq!(counter.seen(), 4);
}

#[test]
fn changes_by_another_handle_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v").display().to_string();
    let app = IchieApp::create(path.clone(), vec![4; 32], 10, None).unwrap();
    let widget = IchieApp::open(path, vec![4; 32], 10, None).unwrap();
    let counter = Arc::new(Counter::default());
    app.set_observer(Some(counter.clone()));
    assert!(!app.check_for_changes().unwrap());
    widget.add_uri(URI_A.into()).unwrap();
    assert_eq!(app.list().unwrap().len(), 0, "not re-read yet");
    assert!(app.check_for_changes().unwrap());
    assert_eq!(counter.seen(), 1);
    assert_eq!(app.list().unwrap().len(), 1);
    assert!(!app.check_for_changes().unwrap());
    assert_eq!(counter.seen(), 1);
}

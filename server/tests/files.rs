//! The database is created owner-only: the directory 0700, the SQLite file
//! and its -wal and -shm files 0600, by `init` and by `serve` (whatever the
//! umask); an existing database readable by others is tightened.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ichie-server");

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Runs the binary under a permissive umask (022 is the usual default; 000
/// is the worst case), so the modes come from the server, not the umask.
fn run(args: &[&str]) -> std::process::Output {
    let script = "umask 000; exec \"$0\" \"$@\"";
    Command::new("sh")
        .args(["-c", script, BIN])
        .args(args)
        .env_remove("ICHIE_SERVER_DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn init_and_serve_create_owner_only_database_files() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("srv");
    let d = dir.to_str().unwrap();
    let init = run(&["init", d, "--listen", "127.0.0.1:0", "--json"]);
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("ichie.db")), 0o600);
    for f in ["ichie.db-wal", "ichie.db-shm"] {
        if dir.join(f).exists() {
            assert_eq!(mode(&dir.join(f)), 0o600, "{f}");
        }
    }

    // serve on a database in a directory that does not exist yet.
    let config = dir.join("ichie-server.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let db_dir = dir.join("data/db");
    let line = text
        .lines()
        .find(|l| l.starts_with("database_url = "))
        .unwrap()
        .to_owned();
    let text = text.replace(
        &line,
        &format!(
            "database_url = \"sqlite://{}/ichie.db?mode=rwc\"",
            db_dir.display()
        ),
    );
    std::fs::write(&config, text).unwrap();
    let port_file = dir.join("port");
    let script = "umask 000; exec \"$0\" \"$@\"";
    let mut server = Command::new("sh")
        .args(["-c", script, BIN, "serve", "--dir", d, "--port-file"])
        .arg(&port_file)
        .env_remove("ICHIE_SERVER_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !port_file.exists() {
        assert!(start.elapsed() < Duration::from_secs(30), "no start");
        std::thread::sleep(Duration::from_millis(50));
    }
    // While serving, SQLite holds its -wal and -shm files open.
    let db = db_dir.join("ichie.db");
    for path in [
        db_dir.clone(),
        db.clone(),
        db_dir.join("ichie.db-wal"),
        db_dir.join("ichie.db-shm"),
    ] {
        let expected = if path == db_dir { 0o700 } else { 0o600 };
        assert_eq!(mode(&path), expected, "{}", path.display());
    }
    let _ = server.kill();
    let _ = server.wait();

    // An existing database readable by others is tightened at the next start.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let listed = run(&["admin", "--dir", d, "list"]);
    assert!(listed.status.success());
    assert_eq!(mode(&db), 0o600);
}

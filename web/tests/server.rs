//! The real `gatehouse` binary: started with nothing but a fresh data directory and a free
//! port, it creates its database and key, answers /healthz and /readyz, and stops cleanly on
//! SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Kills the server if a test fails half-way.
struct Server(Option<Child>);

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A plain HTTP/1.1 GET: the status code and the body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

#[test]
fn starts_on_a_fresh_data_dir_serves_health_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gatehouse"));
    cmd.current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GATEHOUSE_DATA_DIR", &data)
        .env("GATEHOUSE_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut server = Server(Some(cmd.spawn().expect("spawn gatehouse")));

    // The banner names the address the OS picked.
    let stdout = server.0.as_mut().and_then(|c| c.stdout.take()).expect("stdout");
    let (tx, rx) = mpsc::channel();
    let (setup_tx, setup_rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Keep reading to the end so the server never writes into a closed pipe.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("http://").nth(1) {
                let _ = tx.send(rest.split('/').next().unwrap_or_default().to_owned());
                if let Some(path) = rest.find("/setup?token=").map(|i| rest[i..].trim().to_owned()) {
                    let _ = setup_tx.send(path);
                }
            }
        }
    });
    let addr = rx.recv_timeout(Duration::from_mins(1)).expect("the server printed its address");
    // No admin yet: the one-time set-up link is printed, and its page answers.
    let setup = setup_rx.recv_timeout(Duration::from_secs(10)).expect("the set-up link was printed");
    assert!(setup.len() > "/setup?token=".len() + 20, "{setup}");
    let (status, body) = get(&addr, &setup);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Set up Gatehouse"), "{body}");

    assert_eq!(get(&addr, "/healthz"), (200, "ok".to_owned()));
    let (status, body) = get(&addr, "/readyz");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"ready\""), "{body}");
    assert!(data.join("gatehouse.db").exists(), "the default SQLite database was created");
    assert!(data.join("secret.key").exists(), "the server key was generated");

    let mut child = server.0.take().expect("running");
    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
    assert!(killed.success());
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait());
    });
    let status = done_rx.recv_timeout(Duration::from_secs(30)).expect("stopped").expect("wait");
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

#[test]
fn a_bad_setting_stops_the_server_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .current_dir(dir.path())
        .env_clear()
        .env("GATEHOUSE_BIND", "x")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("GATEHOUSE_BIND: \"x\" is not an address like 127.0.0.1:8000"), "{stderr}");
}

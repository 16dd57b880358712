//! The real `gatehouse` binary with `GATEHOUSE_LOG_FORMAT=json`: every log line on stdout is
//! one JSON object; a request's closing line carries its request id, route template, tenant,
//! status and latency; and the query string, cookies, the `Authorization` header and the body
//! never reach the log (S27).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// Kills the server if a test fails half-way.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const QUERY_SECRET: &str = "query-secret-5a1d";
const AUTH_SECRET: &str = "auth-secret-77c2";
const COOKIE_SECRET: &str = "cookie-secret-03fe";
const BODY_SECRET: &str = "body-secret-9b4e";

/// Sends `request` (a whole HTTP/1.1 request) and returns the status code.
fn send(addr: &str, request: &str) -> u16 {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

#[test]
fn json_lines_carry_the_request_and_no_secret_s27() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gatehouse"));
    cmd.current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GATEHOUSE_DATA_DIR", dir.path().join("data"))
        .env("GATEHOUSE_BIND", "127.0.0.1:0")
        .env("GATEHOUSE_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut server = Server(cmd.spawn().expect("spawn gatehouse"));
    let stdout = server.0.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut output = Vec::new();
    let mut next = || {
        let line = rx.recv_timeout(Duration::from_mins(1)).expect("the server keeps talking");
        output.push(line.clone());
        line
    };
    let addr = loop {
        let line = next();
        // The banner is plain text for people; log lines are JSON.
        if !line.starts_with('{')
            && let Some(rest) = line.split("http://").nth(1)
        {
            break rest.split('/').next().unwrap_or_default().to_owned();
        }
    };

    let get = format!(
        "GET /tenants/acme-corp?token={QUERY_SECRET} HTTP/1.1\r\nHost: {addr}\r\nx-request-id: json-log-test-1\r\n\
         Authorization: Bearer {AUTH_SECRET}\r\nCookie: gatehouse_session={COOKIE_SECRET}\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(send(&addr, &get), 303, "anonymous: sent to the login page");
    let form = format!("username=owner&password={BODY_SECRET}");
    let post = format!(
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nx-request-id: json-log-test-2\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    );
    assert_eq!(send(&addr, &post), 403, "no CSRF token");

    let finished = |id: &str, line: &str| -> Option<Value> {
        let json: Value = serde_json::from_str(line).ok()?;
        (json["span"]["request_id"] == id && json["fields"]["message"] == "request finished").then_some(json)
    };
    let get_line = loop {
        if let Some(json) = finished("json-log-test-1", &next()) {
            break json;
        }
    };
    let span = &get_line["span"];
    assert_eq!(span["name"], "request", "{get_line}");
    assert_eq!((&span["method"], &span["route"]), (&"GET".into(), &"/tenants/{tenant}".into()), "{get_line}");
    assert_eq!((&span["tenant"], &span["status"]), (&"acme-corp".into(), &303.into()), "{get_line}");
    assert_eq!(span["path"], "/tenants/acme-corp", "the path only: {get_line}");
    assert!(span["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{get_line}");
    assert_eq!(get_line["level"], "INFO");
    let post_line = loop {
        if let Some(json) = finished("json-log-test-2", &next()) {
            break json;
        }
    };
    assert_eq!((&post_line["span"]["route"], &post_line["span"]["status"]), (&"/login".into(), &403.into()));
    assert!(post_line["span"].get("tenant").is_none(), "no tenant on /login: {post_line}");

    // Stop the server and read everything it wrote.
    let killed = Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) {
        output.push(line);
    }
    let logs: Vec<&String> = output.iter().filter(|l| l.starts_with('{')).collect();
    assert!(logs.len() >= 4, "{output:#?}");
    for line in &logs {
        let json: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(json["timestamp"].is_string() && json["level"].is_string(), "{line}");
    }
    let all = output.join("\n");
    for secret in [QUERY_SECRET, AUTH_SECRET, COOKIE_SECRET, BODY_SECRET] {
        assert!(!all.contains(secret), "{secret} was logged:\n{all}");
    }
}

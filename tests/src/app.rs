//! A running Gatehouse for end-to-end tests: [`spawn_app`] wires a fresh database (SQLite, or
//! PostgreSQL when `GATEHOUSE_TEST_DATABASE_URL` is set) on a [`ManualClock`], serves
//! `build_router` on 127.0.0.1:0, and hands out [`Browser`]s — reqwest clients with a real
//! cookie jar — plus typed helpers for the login flows.
//!
//! TOTP codes are computed here independently of the adapter (RFC 4226/6238 over hmac+sha1),
//! so a bug in the server's TOTP cannot hide behind the same bug in the test.

use std::net::SocketAddr;
use std::sync::Arc;

use gatehouse_adapters::config::Settings;
use gatehouse_adapters::system::ManualClock;
use gatehouse_adapters::wiring::{Migrate, install_crypto_provider, wire_with};
use gatehouse_application::Ports;
use gatehouse_application::ports::AuditQuery;
use gatehouse_domain::settings::SystemSettings;
use gatehouse_domain::{Actor, AuditKind, AuditRecord};
use gatehouse_web::{AppState, BurstLimit, build_router};
use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::header::HeaderMap;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::storage::{TestDb, postgres_db, sqlite_db};

/// Where the clock of every test app starts.
pub const START: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

/// The owner the first-run helpers create.
pub const OWNER: &str = "owner";
pub const OWNER_PASSWORD: &str = "correct horse battery staple 42";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How to configure a test app.
#[derive(Debug, Clone)]
pub struct Options {
    /// `GATEHOUSE_TRUSTED_PROXIES`.
    pub trusted_proxies: Option<String>,
    /// `GATEHOUSE_PUBLIC_URL`.
    pub public_url: Option<String>,
    /// `GATEHOUSE_METRICS_TOKEN`.
    pub metrics_token: Option<String>,
    /// `MFA_SYSTEM_API_URL` and `MFA_SYSTEM_API_KEY` (a stand-in upstream's).
    pub upstream: Option<(String, String)>,
    pub burst: BurstLimit,
    /// Zero the login delays (they are real sleeps and prove nothing here).
    pub no_delays: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            trusted_proxies: None,
            public_url: None,
            metrics_token: None,
            upstream: None,
            burst: BurstLimit { burst: 100_000, per_minute: 100_000 },
            no_delays: true,
        }
    }
}

/// A served Gatehouse on its own database.
#[derive(Debug)]
pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub clock: Arc<ManualClock>,
    pub ports: Ports,
    pub backend: Backend,
    /// The app's own database, removed when the app is dropped.
    db: TestDb,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A fresh app with default options; `None` (after a loud SKIPPED line) for PostgreSQL when no
/// test server is configured.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, Options::default()).await
}

pub async fn spawn_app_with(backend: Backend, options: Options) -> Option<TestApp> {
    install_crypto_provider();
    let db = match backend {
        Backend::Sqlite => sqlite_db().await,
        Backend::Postgres => postgres_db().await?,
    };
    // The key comes from the environment, so nothing is written to the data directory.
    let data = std::env::temp_dir().join("gatehouse-web-test-unused").display().to_string();
    let vars = [
        ("GATEHOUSE_DATA_DIR", Some(data)),
        ("DATABASE_URL", Some(db.url().to_owned())),
        ("GATEHOUSE_SECRET_KEY", Some("11".repeat(32))),
        ("GATEHOUSE_TRUSTED_PROXIES", options.trusted_proxies.clone()),
        ("GATEHOUSE_PUBLIC_URL", options.public_url.clone()),
        ("MFA_SYSTEM_API_URL", options.upstream.as_ref().map(|(url, _)| url.clone())),
        ("MFA_SYSTEM_API_KEY", options.upstream.as_ref().map(|(_, key)| key.clone())),
        ("GATEHOUSE_METRICS_TOKEN", options.metrics_token.clone()),
    ];
    let settings =
        Settings::from_lookup(|name| vars.iter().find(|(n, _)| *n == name).and_then(|(_, v)| v.clone()))
            .expect("settings");
    let clock = Arc::new(ManualClock::new(START));
    let wiring = wire_with(&settings, Migrate::Yes, clock.clone()).await.expect("wired");
    let ports = wiring.ports.clone();
    if options.no_delays {
        let mut s = ports.settings.get().await.expect("settings");
        s.lockout.base_delay = Duration::ZERO;
        s.lockout.max_delay = Duration::ZERO;
        save_settings(&ports, s).await;
    }
    let state = AppState::with_limit(settings, wiring, options.burst);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = build_router(state).into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Some(TestApp { addr, base: format!("http://{addr}"), clock, ports, backend, db, server })
}

/// `GET url` with a bearer API key, answered with JSON (a test helper: it panics otherwise).
pub async fn get_json(url: &str, key: &str) -> serde_json::Value {
    let answer = reqwest::Client::new().get(url).bearer_auth(key).send().await.expect("get");
    answer.json().await.expect("json")
}

/// Saves settings as the CLI operator would.
pub async fn save_settings(ports: &Ports, settings: SystemSettings) {
    gatehouse_application::manage_settings::update(ports, &Actor::cli("test"), settings)
        .await
        .expect("settings saved");
}

/// One HTTP answer, read whole.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    /// The `Location` of a redirect.
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// All `Set-Cookie` values.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
    }

    /// The CSRF token of the page's forms.
    pub fn csrf(&self) -> Option<String> {
        between(&self.body, r#"name="csrf" value=""#, "\"")
    }
}

/// The text between `start` and the next `end`.
pub fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(text[from..from + len].to_owned())
}

/// A browser: cookies kept, redirects not followed (tests look at them).
#[derive(Debug, Clone)]
pub struct Browser {
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser::with_headers(app, HeaderMap::new())
    }

    /// A browser that sends `headers` on every request (a forwarded-for address, say).
    pub fn with_headers(app: &TestApp, headers: HeaderMap) -> Browser {
        Browser::at(&app.base, headers)
    }

    /// A browser on any served Gatehouse at `base` (`http://host:port`), not only a [`TestApp`]
    /// (the benchmark serves one on the real clock).
    pub fn at(base: &str, mut headers: HeaderMap) -> Browser {
        let jar = Arc::new(Jar::default());
        headers.entry("user-agent").or_insert(reqwest::header::HeaderValue::from_static("TestBrowser/1.0"));
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("client");
        Browser { client, jar, base: base.to_owned() }
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Page {
        let response = request.send().await.expect("response");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        Page { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(self.client.get(format!("{}{path}", self.base))).await
    }

    /// Posts `fields` as a form, exactly as given (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.send(self.client.post(format!("{}{path}", self.base)).form(fields)).await
    }

    /// Fetches `page` for its CSRF token, then posts `fields` with it to `action`.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.get(page).await.csrf().expect("the page has a form with a CSRF token");
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(action, &all).await
    }

    /// The `Cookie` header this browser sends to the app.
    pub fn cookie_header(&self) -> String {
        let url = self.base.parse().expect("url");
        self.jar.cookies(&url).and_then(|v| v.to_str().ok().map(str::to_owned)).unwrap_or_default()
    }

    /// The session token cookie's value, if any.
    pub fn session_token(&self) -> Option<String> {
        self.cookie_header().split("; ").find_map(|c| c.strip_prefix("gatehouse_session=").map(str::to_owned))
    }

    /// A fresh browser carrying only `token` as its session cookie (a stolen or replayed one).
    pub fn replaying(app: &TestApp, token: &str) -> Browser {
        let b = Browser::new(app);
        let url = app.base.parse().expect("url");
        b.jar.add_cookie_str(&format!("gatehouse_session={token}; Path=/"), &url);
        b
    }
}

/// Someone who can log in, with their TOTP secret and recovery codes.
#[derive(Debug, Clone)]
pub struct Account {
    pub username: String,
    pub password: String,
    pub secret: Vec<u8>,
    pub recovery_codes: Vec<String>,
}

impl TestApp {
    pub fn browser(&self) -> Browser {
        Browser::new(self)
    }

    /// Moves the clock.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// The current TOTP code of `secret` on the app's clock.
    pub fn code(&self, secret: &[u8]) -> String {
        totp::code_at(secret, self.clock_now())
    }

    pub fn clock_now(&self) -> OffsetDateTime {
        gatehouse_application::ports::Clock::now(self.clock.as_ref())
    }

    /// The whole first run in `browser`: the set-up link, the owner's account, TOTP enrolment.
    /// Returns the owner with the recovery codes the server showed.
    pub async fn first_run(&self, browser: &Browser) -> Account {
        first_run_on(&self.ports, browser, || self.clock_now()).await
    }

    /// TOTP enrolment in `browser` (partial or full session): scans the key, confirms a code.
    pub async fn enrol(&self, browser: &Browser) -> (Vec<u8>, Vec<String>) {
        enrol_on(browser, || self.clock_now()).await
    }

    /// The password step; the page answered (a redirect on success).
    pub async fn password_step(&self, browser: &Browser, username: &str, password: &str) -> Page {
        browser.submit("/login", "/login", &[("username", username), ("password", password)]).await
    }

    /// A full login with password and a fresh TOTP code (the clock moves one step first, so
    /// the code is never a replay of the previous one).
    pub async fn login(&self, browser: &Browser, account: &Account) {
        self.advance(Duration::seconds(30));
        let page = self.password_step(browser, &account.username, &account.password).await;
        assert_eq!((page.status, page.location()), (303, Some("/login/2fa")), "{}", page.body);
        let code = self.code(&account.secret);
        let page = browser.submit("/login/2fa", "/login/2fa", &[("code", &code)]).await;
        assert_eq!((page.status, page.location()), (303, Some("/")), "{}", page.body);
    }

    /// A fresh app's owner, logged in in a new browser.
    pub async fn login_as_owner(&self) -> (Browser, Account) {
        let browser = self.browser();
        let owner = self.first_run(&browser).await;
        (browser, owner)
    }

    /// Another admin created by the CLI operator, enrolled in TOTP, logged in in a new browser.
    pub async fn admin_logged_in(&self, username: &str, role: gatehouse_domain::Role) -> (Browser, Account) {
        let password = format!("{username} has a long password");
        let request = gatehouse_application::manage_admins::CreateAdmin {
            username: username.into(),
            email: format!("{username}@gatehouse.example"),
            role,
            scope: gatehouse_domain::TenantScope::All,
            password: gatehouse_application::ports::SecretString::new(password.clone()),
        };
        gatehouse_application::manage_admins::create(&self.ports, &Actor::cli("test"), request)
            .await
            .expect("created");
        let browser = self.browser();
        let page = self.password_step(&browser, username, &password).await;
        assert_eq!(page.location(), Some("/account/2fa/setup"), "{}", page.body);
        let (secret, recovery_codes) = self.enrol(&browser).await;
        (browser, Account { username: username.into(), password, secret, recovery_codes })
    }

    /// Audit records of `kind`, oldest first.
    pub async fn audit(&self, kind: AuditKind) -> Vec<AuditRecord> {
        let query = AuditQuery { kind: Some(kind), limit: 10_000, ..AuditQuery::default() };
        let mut records = self.ports.audit.list(&query).await.expect("audit");
        records.reverse();
        records
    }

    /// Runs one SQL statement around the ports (to tamper with the audit log).
    pub async fn execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        self.db.execute(sql).await
    }

    /// Drops the trigger that refuses UPDATEs of the audit log (to simulate tampering).
    pub async fn drop_audit_update_trigger(&self) {
        self.db.drop_audit_update_trigger().await;
    }
}

/// The whole first run of the app whose ports are `ports`, in `browser`, with TOTP codes
/// at `now()`: the set-up link, the owner's account, TOTP enrolment.
/// Returns the owner with the recovery codes the server showed.
pub async fn first_run_on(ports: &Ports, browser: &Browser, now: impl Fn() -> OffsetDateTime) -> Account {
    let token =
        gatehouse_application::first_run::issue_token(ports).await.expect("issued").expect("no admin yet");
    let setup = format!("/setup?token={}", token.expose());
    let page = browser.get(&setup).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    let csrf = page.csrf().expect("csrf");
    let done = browser
        .post_raw(
            "/setup",
            &[
                ("csrf", &csrf),
                ("token", token.expose()),
                ("username", OWNER),
                ("email", "owner@gatehouse.example"),
                ("password", OWNER_PASSWORD),
                ("password_confirm", OWNER_PASSWORD),
            ],
        )
        .await;
    assert_eq!((done.status, done.location()), (303, Some("/account/2fa/setup")), "{}", done.body);
    let (secret, recovery_codes) = enrol_on(browser, &now).await;
    Account { username: OWNER.into(), password: OWNER_PASSWORD.into(), secret, recovery_codes }
}

/// TOTP enrolment in `browser` (partial or full session): scans the key, confirms a code at
/// `now()`.
pub async fn enrol_on(browser: &Browser, now: impl Fn() -> OffsetDateTime) -> (Vec<u8>, Vec<String>) {
    let page = browser.get("/account/2fa/setup").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<svg"), "the QR code is inline SVG");
    let key = between(&page.body, r#"<code class="key">"#, "<").expect("manual key");
    let secret = totp::base32_decode(&key).expect("base32 key");
    assert_eq!(secret.len(), 20, "S6: 160-bit secret");
    let csrf = page.csrf().expect("csrf");
    let code = totp::code_at(&secret, now());
    let done = browser.post_raw("/account/2fa/setup", &[("csrf", &csrf), ("code", &code)]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let codes: Vec<String> = done
        .body
        .split("<li><code>")
        .skip(1)
        .filter_map(|s| s.split('<').next().map(str::to_owned))
        .collect();
    assert_eq!(codes.len(), 10, "ten recovery codes shown once: {}", done.body);
    (secret, codes)
}

/// HOTP/TOTP (RFC 4226, RFC 6238: SHA-1, 6 digits, 30 s) written for the tests alone.
pub mod totp {
    use hmac::{Hmac, KeyInit as _, Mac as _};
    use sha1::Sha1;
    use time::OffsetDateTime;

    /// RFC 4226 HOTP with `digits` digits.
    pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
        let mut mac = <Hmac<Sha1>>::new_from_slice(secret).expect("any key length");
        mac.update(&counter.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest[19] & 0x0f);
        let binary = (u32::from(digest[offset]) & 0x7f) << 24
            | u32::from(digest[offset + 1]) << 16
            | u32::from(digest[offset + 2]) << 8
            | u32::from(digest[offset + 3]);
        let code = binary % 10u32.pow(digits);
        format!("{code:0width$}", width = digits as usize)
    }

    /// The 6-digit TOTP code at `at`.
    pub fn code_at(secret: &[u8], at: OffsetDateTime) -> String {
        let step = u64::try_from(at.unix_timestamp()).expect("after 1970") / 30;
        hotp(secret, step, 6)
    }

    /// RFC 4648 base32 (no padding required, case-insensitive, spaces ignored).
    pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let mut bits: u64 = 0;
        let mut count = 0u32;
        let mut out = Vec::new();
        for c in text.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
            let value = ALPHABET.iter().position(|a| *a == c.to_ascii_uppercase())?;
            bits = (bits << 5) | value as u64;
            count += 5;
            if count >= 8 {
                count -= 8;
                out.push(u8::try_from((bits >> count) & 0xff).ok()?);
            }
        }
        Some(out)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn rfc_6238_vectors_s7() {
            let seed = b"12345678901234567890";
            for (t, code) in [
                (59u64, "94287082"),
                (1_111_111_109, "07081804"),
                (1_234_567_890, "89005924"),
                (20_000_000_000, "65353130"),
            ] {
                assert_eq!(hotp(seed, t / 30, 8), code);
            }
            assert_eq!(base32_decode("GEZDGNBV").as_deref(), Some(&b"12345"[..]));
        }
    }
}

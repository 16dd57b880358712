//! The login figures: the argon2id ceiling ([`hashing`](crate::hashing)), a storm of whole
//! logins over HTTP (`login`), and the tenants list under `--connections` (16) while a storm
//! runs on as many connections of its own (`tenants_list_during_login_storm`).
//!
//! A login is what a browser does, on one of the storm's keep-alive connections (a proxy's):
//! `GET /login` for the form and its CSRF token, `POST /login` with the password (303 to
//! `/login/2fa`), `GET /login/2fa`, and `POST /login/2fa` with the current TOTP code (303 to
//! `/`, setting the cookie of the session now full). Anything else is an error. The landing
//! page the browser then asks for is a page of its own (the `dashboard` figure), not part of
//! the login: only the first login, alone and unmeasured, asks for it too (`GET /` answers
//! 200), which checks that the session a login ends with is good.
//! The person's cookies live for that one login: without "remember me" the session cookie ends
//! with the browser, so the next login of the same person starts from none.

use std::time::Instant;

use anyhow::Context as _;
use gatehouse_application::Ports;
use gatehouse_application::ports::SecretString;
use gatehouse_tests::app::{Page, totp};
use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::header::{COOKIE, SET_COOKIE};
use time::OffsetDateTime;

use crate::accounts::{PASSWORD, People, Person, step_of, until_next_step};
use crate::apart::Apart;
use crate::database::BenchDb;
use crate::hashing::CEILING;
use crate::load::{self, Ending, Scenario, Worker, drive};
use crate::options::Options;
use crate::outcome::{Failure, Outcome};
use crate::process::CpuTimes;
use crate::report::{LOGINS, REQUESTS, Report};

/// The storm's figure.
pub const LOGIN: &str = "login";
/// The tenants list's figure under a storm.
pub const DURING_STORM: &str = "tenants_list_during_login_storm";

/// A browser of the storm: logs people in, one after the other, on one connection.
struct Storm {
    client: reqwest::Client,
    url: reqwest::Url,
    people: People,
    /// Whether a login ends with the landing page (`GET /`): only the first, unmeasured one.
    landing: bool,
}

impl Worker for Storm {
    async fn once(&mut self) -> Result<(), Failure> {
        let now = OffsetDateTime::now_utc();
        let Some(mut lent) = self.people.lend(now) else {
            // The benchmark sized the accounts too few: an error a step, not a spin.
            tokio::time::sleep(until_next_step(now)).await;
            return Err(Failure::Other("no_fresh_account"));
        };
        self.log_in(lent.person()).await
    }
}

impl Storm {
    async fn log_in(&self, person: &mut Person) -> Result<(), Failure> {
        let jar = Jar::default();
        let form = expect(self.send(&jar, person, self.client.get(self.at("/login"))).await?, 200, None)?;
        let token = csrf(&form)?;
        let fields =
            [("csrf", token.as_str()), ("username", person.username.as_str()), ("password", PASSWORD)];
        let login = self.client.post(self.at("/login")).form(&fields);
        expect(self.send(&jar, person, login).await?, 303, Some("/login/2fa"))?;
        let form = expect(self.send(&jar, person, self.client.get(self.at("/login/2fa"))).await?, 200, None)?;
        let now = OffsetDateTime::now_utc();
        // `lend` made sure of a fresh step; from here on it counts as used, answered or not.
        person.last_step = step_of(now);
        let code = totp::code_at(&person.secret, now);
        let token = csrf(&form)?;
        let second =
            self.client.post(self.at("/login/2fa")).form(&[("csrf", token.as_str()), ("code", &code)]);
        let done = expect(self.send(&jar, person, second).await?, 303, Some("/"))?;
        if !sets_session_cookie(&done) {
            return Err(Failure::Other("no_session_cookie"));
        }
        if self.landing {
            expect(self.send(&jar, person, self.client.get(self.at("/"))).await?, 200, None)?;
        }
        Ok(())
    }

    fn at(&self, path: &str) -> reqwest::Url {
        self.url.join(path).unwrap_or_else(|_| self.url.clone())
    }

    /// Sends `request` from `person` with the cookies of `jar`, keeps the cookies it sets, and
    /// reads the whole answer.
    async fn send(
        &self,
        jar: &Jar,
        person: &Person,
        request: reqwest::RequestBuilder,
    ) -> Result<Page, Failure> {
        let mut request = request.header("x-forwarded-for", person.forwarded_for.clone());
        if let Some(cookies) = jar.cookies(&self.url) {
            request = request.header(COOKIE, cookies);
        }
        let response = request.send().await.map_err(|_| Failure::Transport)?;
        jar.set_cookies(&mut response.headers().get_all(SET_COOKIE).iter(), &self.url);
        let (status, headers) = (response.status().as_u16(), response.headers().clone());
        let body = response.text().await.map_err(|_| Failure::Transport)?;
        Ok(Page { status, headers, body })
    }
}

/// `page` if it answered `status` (and redirected to `location`, when given).
fn expect(page: Page, status: u16, location: Option<&str>) -> Result<Page, Failure> {
    if page.status != status {
        return Err(Failure::Status(page.status));
    }
    if location.is_some() && page.location() != location {
        return Err(Failure::Other("wrong_redirect"));
    }
    Ok(page)
}

/// Whether `page` sets the session cookie (the full session that the second factor rotated to).
fn sets_session_cookie(page: &Page) -> bool {
    page.headers.get_all(SET_COOKIE).iter().any(|value| {
        value.to_str().is_ok_and(|v| {
            v.strip_prefix("__Host-").unwrap_or(v).starts_with("gatehouse_session=")
                && !v.contains("Max-Age=0")
        })
    })
}

fn csrf(page: &Page) -> Result<String, Failure> {
    page.csrf().ok_or(Failure::Other("no_csrf_token"))
}

/// One storm browser per connection of `settings`, lending from `people`.
fn storm(settings: &load::Settings, people: &People) -> anyhow::Result<Vec<Storm>> {
    let url: reqwest::Url = settings.base.parse().context("the server's URL")?;
    (0..settings.connections)
        .map(|_| {
            let client = settings.client(load::Credentials::Anonymous)?;
            Ok(Storm { client, url: url.clone(), people: people.clone(), landing: false })
        })
        .collect()
}

/// The server's own resident memory after a login storm (`server_rss_after_storm`, and its peak
/// `server_rss_peak_storm`): the same storm, up to 5 s, against the server in a process of its
/// own on the same database (see [`crate::apart`]). What failed there.
async fn storm_apart(
    db: &BenchDb,
    settings: &load::Settings,
    people: &People,
    load_runtime: &tokio::runtime::Handle,
    report: &mut Report,
) -> anyhow::Result<Vec<String>> {
    let server = Apart::start(db).await?;
    let settings = server.load(settings);
    let logins = drive(load_runtime, settings.timing(), Ending::Cut, storm(&settings, people)?).await?;
    let name = format!("{LOGIN}.apart");
    report.operations(&name, LOGINS, &logins);
    let (after, peak) = server.resident_mib()?;
    report.figure("server_rss_after_storm", after, "MiB");
    report.figure("server_rss_peak_storm", peak, "MiB");
    server.stop().await?;
    Ok(logins.failure(&name).into_iter().collect())
}

/// The ceiling measured right after the storm `name` (`<name>.ceiling_after`).
async fn ceiling_after(
    name: &str,
    ports: &Ports,
    phc: &str,
    settings: &load::Settings,
    report: &mut Report,
    failed: &mut Vec<String>,
) -> anyhow::Result<f64> {
    let after_name = format!("{name}.ceiling_after");
    let after = crate::hashing::figures(&after_name, ports, PASSWORD, phc, settings, report).await?;
    failed.extend(after.failure(&after_name));
    Ok(after.per_second())
}

/// The storm's logins a second as a share (%) of the mean of the ceilings `before` and `after`
/// it, which is reported as `<name>.ceiling`; of `before` alone if none ended after it (a debug
/// build's hash can take longer than the window), which would otherwise double the share.
fn vs_ceiling(storm: &Outcome, before: f64, after: f64, name: &str, report: &mut Report) -> f64 {
    let ceiling = if after > 0.0 { f64::midpoint(before, after) } else { before };
    report.figure(format!("{name}.ceiling"), ceiling, "verifications/s");
    if ceiling > 0.0 { 100.0 * storm.per_second() / ceiling } else { 0.0 }
}

/// Whether `opts` asks for any login figure.
pub fn selected(opts: &Options) -> bool {
    [CEILING, LOGIN, DURING_STORM].iter().any(|name| opts.runs(name))
}

/// The login figures that `opts` selects, after the ceiling (which sizes and judges the storms),
/// and what failed.
pub async fn figures(
    db: &BenchDb,
    ports: &Ports,
    opts: &Options,
    load_runtime: &tokio::runtime::Handle,
    settings: &load::Settings,
    list: &Scenario,
    report: &mut Report,
) -> anyhow::Result<Vec<String>> {
    let phc = ports.passwords.hash(&SecretString::new(PASSWORD)).await?;
    let ceiling = crate::hashing::figures(CEILING, ports, PASSWORD, &phc, settings, report).await?;
    let mut failed: Vec<String> = ceiling.failure(CEILING).into_iter().collect();
    // The login storm runs twice: measured here, then against the server apart for its memory.
    let storms = 2 * u32::from(opts.runs(LOGIN)) + u32::from(opts.runs(DURING_STORM));
    if storms == 0 {
        return Ok(failed);
    }
    let count = People::needed(ceiling.per_second(), settings.timing(), storms, settings.connections);
    let people = People::create(ports, &phc, count).await?;
    #[expect(clippy::cast_precision_loss, reason = "a few thousand accounts")]
    report.figure("login_accounts", count as f64, "count");
    // One login alone first, unmeasured: the whole flow works even where a storm's window is
    // too short for any login to end in it (a debug build's argon2 takes seconds).
    if let Some(first) = storm(settings, &people)?.pop()
        && let Err(failure) = (Storm { landing: true, ..first }).once().await
    {
        failed.push(format!("{LOGIN} (the first, alone): {failure}"));
    }
    // The machine's speed drifts (other guests of its host): each storm is judged against the
    // mean of the ceilings measured just before and just after it.
    let mut before = ceiling.per_second();
    if opts.runs(LOGIN) {
        let (cpu_before, wall) = (CpuTimes::now(), Instant::now());
        let logins = drive(load_runtime, settings.timing(), Ending::Cut, storm(settings, &people)?).await?;
        let cpu = CpuTimes::now().since(&cpu_before);
        let wall = wall.elapsed().as_secs_f64();
        report.scenario(LOGIN, LOGINS, &logins, &cpu, wall);
        report.cpu_per_login(LOGIN, &logins, &cpu, wall);
        failed.extend(logins.failure(LOGIN));
        let after = ceiling_after(LOGIN, ports, &phc, settings, report, &mut failed).await?;
        let share = vs_ceiling(&logins, before, after, LOGIN, report);
        report.figure("login_vs_ceiling", share, "%");
        before = after;
    }
    if opts.runs(DURING_STORM) {
        let (cpu_before, wall) = (CpuTimes::now(), Instant::now());
        let storm = drive(load_runtime, settings.timing(), Ending::Cut, storm(settings, &people)?);
        let (logins, pages) = tokio::join!(storm, load::run(load_runtime, settings, list));
        let (logins, pages) = (logins?, pages?);
        let cpu = CpuTimes::now().since(&cpu_before);
        report.scenario(DURING_STORM, REQUESTS, &pages, &cpu, wall.elapsed().as_secs_f64());
        let name = format!("{DURING_STORM}.storm");
        report.operations(&name, LOGINS, &logins);
        failed.extend(pages.failure(DURING_STORM).into_iter().chain(logins.failure(&name)));
        let after = ceiling_after(&name, ports, &phc, settings, report, &mut failed).await?;
        let share = vs_ceiling(&logins, before, after, &name, report);
        report.figure(format!("{name}_vs_ceiling"), share, "%");
    }
    if opts.runs(LOGIN) {
        failed.extend(storm_apart(db, settings, &people, load_runtime, report).await?);
    }
    Ok(failed)
}

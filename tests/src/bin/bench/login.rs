//! The login figures: the argon2id ceiling ([`hashing`](crate::hashing)), a storm of whole
//! logins over HTTP (`login`), and the tenants list under `--connections` (16) while a storm
//! runs on as many connections of its own (`tenants_list_during_login_storm`).
//!
//! A login is what a browser does, on one of the storm's keep-alive connections (a proxy's):
//! `GET /login` for the form and its CSRF token, `POST /login` with the password (303 to
//! `/login/2fa`), `GET /login/2fa`, `POST /login/2fa` with the current TOTP code (303 to `/`,
//! the session now full), and `GET /` (the dashboard answers 200). Anything else is an error.
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
        expect(self.send(&jar, person, second).await?, 303, Some("/"))?;
        expect(self.send(&jar, person, self.client.get(self.at("/"))).await?, 200, None)?;
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

fn csrf(page: &Page) -> Result<String, Failure> {
    page.csrf().ok_or(Failure::Other("no_csrf_token"))
}

/// One storm browser per connection of `settings`, lending from `people`.
fn storm(settings: &load::Settings, people: &People) -> anyhow::Result<Vec<Storm>> {
    let url: reqwest::Url = settings.base.parse().context("the server's URL")?;
    (0..settings.connections)
        .map(|_| {
            let client = settings.client(load::Credentials::Anonymous)?;
            Ok(Storm { client, url: url.clone(), people: people.clone() })
        })
        .collect()
}

/// Whether `opts` asks for any login figure.
pub fn selected(opts: &Options) -> bool {
    [CEILING, LOGIN, DURING_STORM].iter().any(|name| opts.runs(name))
}

/// The login figures that `opts` selects, after the ceiling (which sizes and judges the storms),
/// and what failed.
pub async fn figures(
    ports: &Ports,
    opts: &Options,
    load_runtime: &tokio::runtime::Handle,
    settings: &load::Settings,
    list: &Scenario,
    report: &mut Report,
) -> anyhow::Result<Vec<String>> {
    let phc = ports.passwords.hash(&SecretString::new(PASSWORD)).await?;
    let ceiling = crate::hashing::figures(ports, PASSWORD, &phc, settings, report).await?;
    let mut failed: Vec<String> = ceiling.failure(CEILING).into_iter().collect();
    let storms = u32::from(opts.runs(LOGIN)) + u32::from(opts.runs(DURING_STORM));
    if storms == 0 {
        return Ok(failed);
    }
    let count = People::needed(ceiling.per_second(), settings.timing(), storms, settings.connections);
    let people = People::create(ports, &phc, count).await?;
    #[expect(clippy::cast_precision_loss, reason = "a few thousand accounts")]
    report.figure("login_accounts", count as f64, "count");
    // One login alone first, unmeasured: the whole flow works even where a storm's window is
    // too short for any login to end in it (a debug build's argon2 takes seconds).
    if let Some(mut first) = storm(settings, &people)?.pop()
        && let Err(failure) = first.once().await
    {
        failed.push(format!("{LOGIN} (the first, alone): {failure}"));
    }
    let vs_ceiling = |storm: &Outcome| {
        let ceiling = ceiling.per_second();
        if ceiling > 0.0 { 100.0 * storm.per_second() / ceiling } else { 0.0 }
    };

    if opts.runs(LOGIN) {
        let (cpu_before, wall) = (CpuTimes::now(), Instant::now());
        let logins = drive(load_runtime, settings.timing(), Ending::Cut, storm(settings, &people)?).await?;
        let cpu = CpuTimes::now().since(&cpu_before);
        report.scenario(LOGIN, LOGINS, &logins, &cpu, wall.elapsed().as_secs_f64());
        report.figure("login_vs_ceiling", vs_ceiling(&logins), "%");
        failed.extend(logins.failure(LOGIN));
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
        report.figure(format!("{name}_vs_ceiling"), vs_ceiling(&logins), "%");
        failed.extend(pages.failure(DURING_STORM).into_iter().chain(logins.failure(&name)));
    }
    Ok(failed)
}

//! Headless Debian Chromium driven over WebDriver (thirtyfour) for the browser tests and the
//! screenshot tool: starts `/usr/bin/chromedriver` on a free port and ends it on drop, and
//! opens sessions with a fresh profile and no outside network.
//!
//! Missing Chromium or chromedriver is a failure with a clear message, never a skip.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use thirtyfour::prelude::*;

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// A running chromedriver, killed when dropped.
#[derive(Debug)]
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Driver {
    /// Starts chromedriver; panics with the remedy when the browser is not installed.
    pub fn start() -> Driver {
        for path in [CHROMEDRIVER, CHROMIUM] {
            assert!(
                Path::new(path).exists(),
                "{path} is missing: the browser tests need Debian's Chromium and its driver \
                 (`apt-get install -y chromium chromium-driver`; .ci/run installs them)"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let mut driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
        // Wait (bounded) for chromedriver to listen: it is another process, not our clock.
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited at start: {status}");
            }
            assert!(Instant::now() < deadline, "chromedriver did not listen within 20 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    /// A new headless browser with a fresh profile in `profile`, `width`×`height` pixels.
    pub async fn browser(&self, profile: &Path, width: u32, height: u32) -> WebDriver {
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM).expect("binary");
        for arg in [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ] {
            caps.add_arg(arg).expect("argument");
        }
        caps.add_arg(&format!("--user-data-dir={}", profile.display())).expect("profile");
        caps.add_arg(&format!("--window-size={width},{height}")).expect("size");
        WebDriver::new(&self.url, caps).await.expect("a browser session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Fills the input `css` with `text` (clearing it first).
pub async fn fill(b: &WebDriver, css: &str, text: &str) -> WebDriverResult<()> {
    let input = b.find(By::Css(css)).await?;
    input.clear().await?;
    input.send_keys(text).await
}

/// Clicks the element `css`.
pub async fn click(b: &WebDriver, css: &str) -> WebDriverResult<()> {
    b.find(By::Css(css)).await?.click().await
}

/// Clicks the element `css` that submits a form, and waits for the next page to replace this
/// one (a click returns before the navigation it starts has finished).
pub async fn submit(b: &WebDriver, css: &str) -> WebDriverResult<()> {
    let page = b.find(By::Css("html")).await?;
    b.find(By::Css(css)).await?.click().await?;
    page.wait_until().stale().await
}

/// The visible text of the page's `<main>`.
pub async fn main_text(b: &WebDriver) -> WebDriverResult<String> {
    b.find(By::Css("main")).await?.text().await
}

/// The path of the current URL.
pub async fn path(b: &WebDriver) -> WebDriverResult<String> {
    Ok(b.current_url().await?.path().to_owned())
}

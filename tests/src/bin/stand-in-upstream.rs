//! `stand-in-upstream`: the stand-in MFA upstream of the tests, served on its own for a demo.
//!
//! ```text
//! MFA_SYSTEM_API_KEY=demo-key cargo run -p gatehouse-tests --bin stand-in-upstream -- [--listen 127.0.0.1:8700]
//! ```
//!
//! It prints the `MFA_SYSTEM_API_URL` to give Gatehouse; faults are switched with
//! `curl -X POST <addr>/_stand-in/fault -d '{"fault":"server_errors"}'` (see docs/upstream.md).

use std::net::SocketAddr;

use anyhow::Context as _;
use clap::Parser;
use gatehouse_tests::stand_in::StandIn;

/// A stand-in MFA upstream following docs/upstream.md, with switchable faults.
#[derive(Debug, Parser)]
struct Options {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8700")]
    listen: SocketAddr,
    /// The bearer token callers must send (Gatehouse's MFA_SYSTEM_API_KEY).
    #[arg(long, env = "MFA_SYSTEM_API_KEY", hide_env_values = true)]
    token: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let opts = Options::parse();
    if opts.token.trim().is_empty() {
        anyhow::bail!("--token (or MFA_SYSTEM_API_KEY) must not be empty");
    }
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    let stand_in = StandIn::serve(listener, opts.token.trim())?;
    println!("stand-in MFA upstream listening on {}", stand_in.addr);
    println!("MFA_SYSTEM_API_URL={}", stand_in.url);
    println!("MFA_SYSTEM_API_KEY=(the token given with --token or MFA_SYSTEM_API_KEY)");
    println!(
        "faults: curl -X POST http://{}/_stand-in/fault -d '{{\"fault\":\"server_errors\"}}'",
        stand_in.addr
    );
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    Ok(())
}

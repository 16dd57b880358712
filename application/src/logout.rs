//! Logging out: the session ends on the server, so a replayed cookie is dead (S19).

use gatehouse_domain::session::EndReason;

use crate::session_support::Client;
use crate::validate_session::{Authenticated, end};
use crate::{Ports, Result};

pub async fn run(ports: &Ports, auth: &Authenticated, client: &Client) -> Result<()> {
    end(ports, &auth.admin, &auth.session, EndReason::Logout, client).await
}

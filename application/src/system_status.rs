//! The health of Gatehouse and what it depends on, for the system page (owners:
//! `settings:manage`, like the configuration shown beside it).

use gatehouse_domain::{Actor, Permission};

use crate::dashboard::Health;
use crate::ports::ConnectionStatus;
use crate::{Ports, Result};

pub async fn run(ports: &Ports, actor: &Actor) -> Result<Health> {
    actor.require(Permission::SettingsManage, None)?;
    Ok(Health::probe(ports).await)
}

/// The connection to the default MFA upstream as observed: state, last check, latency,
/// failures and the recent calls.
pub fn upstream(ports: &Ports, actor: &Actor) -> Result<ConnectionStatus> {
    actor.require(Permission::SettingsManage, None)?;
    Ok(ports.upstream.status())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockPorts, admin};
    use gatehouse_domain::{Role, TenantScope};

    #[tokio::test]
    async fn only_owners_see_the_system_status() {
        let ports = MockPorts::new().ports();
        let operator = admin(Role::Operator, TenantScope::All);
        assert!(run(&ports, &operator).await.expect_err("403").is_forbidden());
    }
}

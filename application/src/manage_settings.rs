//! Reading and changing the system settings (owners only), audited with before and after.

use gatehouse_domain::settings::SystemSettings;
use gatehouse_domain::{Actor, AuditEvent, AuditKind, Outcome, Permission};

use crate::ports::{Change, Work};
use crate::{Ports, Result};

pub async fn get(ports: &Ports, actor: &Actor) -> Result<SystemSettings> {
    actor.require(Permission::SettingsManage, None)?;
    Ok(ports.settings.get().await?)
}

/// Validates and saves `settings` whole.
pub async fn update(ports: &Ports, actor: &Actor, mut settings: SystemSettings) -> Result<SystemSettings> {
    actor.require(Permission::SettingsManage, None)?;
    settings.validate()?;
    let before = ports.settings.get().await?;
    if before == settings {
        return Ok(settings);
    }
    let audit = AuditEvent::new(
        ports.ids.new_id(),
        ports.clock.now(),
        AuditKind::SettingsChanged,
        actor,
        Outcome::Success,
    )
    .change(serde_json::to_value(&before).ok(), serde_json::to_value(&settings).ok());
    ports.work.commit(Work::new(Change::SaveSettings(settings.clone()), audit)).await?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockPorts, cli, forbidden_actor};

    #[tokio::test]
    async fn invalid_settings_are_refused_and_valid_ones_audited() {
        let mut m = MockPorts::new();
        m.with_default_settings();
        m.expect_commit(|w| assert_eq!(w.audit[0].kind, AuditKind::SettingsChanged));
        let ports = m.ports();
        let mut bad = SystemSettings::default();
        bad.lockout.max_failures = 0;
        assert_eq!(update(&ports, &cli(), bad).await.expect_err("bad").field(), Some("lockout.max_failures"));
        assert!(
            update(&ports, &forbidden_actor(), SystemSettings::default())
                .await
                .expect_err("403")
                .is_forbidden()
        );
        let relaxed = SystemSettings { require_2fa: false, ..SystemSettings::default() };
        assert!(!update(&ports, &cli(), relaxed).await.expect("saved").require_2fa);
    }
}

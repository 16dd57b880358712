//! A month's bills, one page at a time (needs `billing:export`): every tenant that used the
//! service in the month or is on a paid plan, by tenant id, so that a CSV export of any size
//! streams page by page with a keyset cursor and never holds all tenants in memory.

use gatehouse_domain::{Actor, BillingLine, Month, Permission, TenantId, ValidationError};
use serde::Serialize;

use crate::analytics::check_month;
use crate::ports::TenantLabel;
use crate::{Ports, Result};

/// The largest page a client may ask for.
pub const MAX_LIMIT: u32 = 5_000;

/// One tenant's bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillingEntry {
    pub tenant: TenantLabel,
    pub line: BillingLine,
}

/// One page of a month's bills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillingPage {
    pub month: Month,
    pub entries: Vec<BillingEntry>,
    /// The cursor of the next page (`after`), `None` on the last page.
    pub next: Option<TenantId>,
}

/// The bills of `month` for the tenants after `after` (by id), at most `limit` of them. An
/// admin limited to some tenants gets only those (pages may then hold fewer than `limit`
/// entries while `next` is still set).
pub async fn page(
    ports: &Ports,
    actor: &Actor,
    month: Month,
    after: Option<TenantId>,
    limit: u32,
) -> Result<BillingPage> {
    actor.require(Permission::BillingExport, None)?;
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ValidationError::new("limit", format!("must be between 1 and {MAX_LIMIT}")).into());
    }
    check_month(month, ports.clock.now().date())?;
    let rows = ports.panel.billing_page(month, after, limit).await?;
    let next = if rows.len() == limit as usize { rows.last().map(|r| r.tenant.id) } else { None };
    let entries = rows
        .into_iter()
        .filter(|r| actor.scope.includes(r.tenant.id))
        .map(|r| BillingEntry {
            line: BillingLine::compute(month, r.plan, r.included, r.used),
            tenant: r.tenant,
        })
        .collect();
    Ok(BillingPage { month, entries, next })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::BillingRow;
    use crate::testing::{MockPorts, admin, cli};
    use gatehouse_domain::{Plan, Role, TenantScope, TenantStatus};
    use uuid::Uuid;

    fn row(n: u128, plan: Plan, used: u64) -> BillingRow {
        BillingRow {
            tenant: TenantLabel {
                id: TenantId::from_uuid(Uuid::from_u128(n)),
                name: format!("T{n}"),
                slug: format!("t-{n}"),
                plan,
                status: TenantStatus::Active,
            },
            plan,
            included: plan.limits().included_monthly_authentications,
            used,
        }
    }

    #[tokio::test]
    async fn computes_lines_and_hands_out_the_next_cursor() {
        let mut m = MockPorts::new();
        m.panel
            .expect_billing_page()
            .withf(|month, after, limit| month.to_string() == "2026-10" && after.is_none() && *limit == 2)
            .returning(|_, _, _| Ok(vec![row(1, Plan::Basic, 12_001), row(2, Plan::Free, 5)]));
        m.panel
            .expect_billing_page()
            .withf(|_, after, _| *after == Some(TenantId::from_uuid(Uuid::from_u128(2))))
            .returning(|_, _, _| Ok(vec![row(3, Plan::Premium, 0)]));
        let ports = m.ports();
        let month: Month = "2026-10".parse().expect("month");
        let first = page(&ports, &cli(), month, None, 2).await.expect("page 1");
        assert_eq!(first.entries[0].line.total_cents, 3_050);
        assert_eq!(first.next, Some(TenantId::from_uuid(Uuid::from_u128(2))));
        let last = page(&ports, &cli(), month, first.next, 2).await.expect("page 2");
        assert_eq!((last.entries.len(), last.next), (1, None));
        assert_eq!(last.entries[0].line.base_cents, 19_900);
    }

    #[tokio::test]
    async fn checks_permission_limit_and_month() {
        let ports = MockPorts::new().ports();
        let month: Month = "2026-11".parse().expect("month");
        let support = admin(Role::Support, TenantScope::All);
        assert!(page(&ports, &support, month, None, 10).await.expect_err("403").is_forbidden());
        assert_eq!(page(&ports, &cli(), month, None, 0).await.expect_err("0").field(), Some("limit"));
        let future: Month = "2027-01".parse().expect("month");
        assert_eq!(page(&ports, &cli(), future, None, 10).await.expect_err("future").field(), Some("month"));
    }
}

//! Support grants (time-boxed access to a tenant's live end-user data).

/// Implements `SupportGrants` for `$store`; grants are inserted by a unit of work.
macro_rules! support {
    ($store:ty, $conn:ty) => {
        use async_trait::async_trait;
        use gatehouse_application::ports::{StoreError, SupportGrants};
        use gatehouse_domain::{SupportGrant, TenantId};
        use time::OffsetDateTime;
        use uuid::Uuid;

        use $crate::storage::rows::{Ts, backend};

        type GrantRow = (Uuid, Uuid, String, String, String, Option<String>, Ts, Ts);

        #[async_trait]
        impl SupportGrants for $store {
            async fn active_grant(
                &self,
                tenant: TenantId,
                holder: &str,
                now: OffsetDateTime,
            ) -> Result<Option<SupportGrant>, StoreError> {
                let row: Option<GrantRow> = sqlx::query_as(
                    "SELECT id, tenant_id, holder, holder_label, reason, ticket, granted_at, expires_at \
                     FROM support_grants WHERE tenant_id = $1 AND holder = $2 AND expires_at > $3 \
                     ORDER BY expires_at DESC LIMIT 1",
                )
                .bind(tenant.as_uuid())
                .bind(holder)
                .bind(Ts::new(now))
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
                Ok(row.map(|(id, tenant, holder, holder_label, reason, ticket, granted_at, expires_at)| {
                    SupportGrant {
                        id,
                        tenant: TenantId::from_uuid(tenant),
                        holder,
                        holder_label,
                        reason,
                        ticket,
                        granted_at: granted_at.0,
                        expires_at: expires_at.0,
                    }
                }))
            }
        }

        /// Stores a new grant.
        pub(super) async fn insert(conn: &mut $conn, g: &SupportGrant) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO support_grants \
                 (id, tenant_id, holder, holder_label, reason, ticket, granted_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(g.id)
            .bind(g.tenant.as_uuid())
            .bind(&g.holder)
            .bind(&g.holder_label)
            .bind(&g.reason)
            .bind(g.ticket.as_deref())
            .bind(Ts::new(g.granted_at))
            .bind(Ts::new(g.expires_at))
            .execute(conn)
            .await
            .map(drop)
            .map_err(backend)
        }
    };
}
pub(crate) use support;

//! SuperAdmins: reading them, and the statements that insert and update them.

/// Implements `AdminRepository` for `$store`; `insert` and `update` run in a unit of work.
macro_rules! admins {
    ($store:ty, $conn:ty) => {
        use async_trait::async_trait;
        use gatehouse_application::ports::{AdminRepository, StoreError};
        use gatehouse_domain::{AdminId, SuperAdmin, Username};

        use $crate::storage::rows::{AdminRow, AdminValues, backend, columns, write_error};

        #[async_trait]
        impl AdminRepository for $store {
            async fn get(&self, id: AdminId) -> Result<Option<SuperAdmin>, StoreError> {
                let sql = format!("SELECT {} FROM admins WHERE id = $1", columns::ADMIN);
                let row: Option<AdminRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id.as_uuid())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                row.map(SuperAdmin::try_from).transpose()
            }

            async fn get_by_username(&self, username: &Username) -> Result<Option<SuperAdmin>, StoreError> {
                let sql = format!("SELECT {} FROM admins WHERE username = $1", columns::ADMIN);
                let row: Option<AdminRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(username.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                row.map(SuperAdmin::try_from).transpose()
            }

            async fn list(&self) -> Result<Vec<SuperAdmin>, StoreError> {
                let sql = format!("SELECT {} FROM admins ORDER BY username", columns::ADMIN);
                let rows: Vec<AdminRow> =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await.map_err(backend)?;
                rows.into_iter().map(SuperAdmin::try_from).collect()
            }
        }

        /// Inserts a new admin.
        pub(super) async fn insert(conn: &mut $conn, admin: &SuperAdmin) -> Result<(), StoreError> {
            let v = AdminValues::of(admin)?;
            sqlx::query(
                "INSERT INTO admins (id, username, email, role, scope, status, password_hash, totp_enabled, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(v.id)
            .bind(&v.username)
            .bind(&v.email)
            .bind(v.role)
            .bind(&v.scope)
            .bind(v.status)
            .bind(&v.password_hash)
            .bind(v.totp_enabled)
            .bind(v.created_at)
            .bind(v.updated_at)
            .execute(conn)
            .await
            .map(drop)
            .map_err(|e| write_error(e, &v.username))
        }

        /// Saves an admin's profile, role, scope, status and password hash. `totp_enabled` is
        /// left alone: only enabling or disabling TOTP changes it, with the secret.
        pub(super) async fn update(conn: &mut $conn, admin: &SuperAdmin) -> Result<(), StoreError> {
            let v = AdminValues::of(admin)?;
            let updated = sqlx::query(
                "UPDATE admins SET email = $2, role = $3, scope = $4, status = $5, password_hash = $6, \
                 updated_at = $7 WHERE id = $1",
            )
            .bind(v.id)
            .bind(&v.email)
            .bind(v.role)
            .bind(&v.scope)
            .bind(v.status)
            .bind(&v.password_hash)
            .bind(v.updated_at)
            .execute(conn)
            .await
            .map_err(backend)?;
            if updated.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        }
    };
}
pub(crate) use admins;

//! Second-factor material of admins: sealed TOTP secrets, the last accepted time step, and
//! hashed recovery codes.

/// Implements `SecondFactorStore` for `$store`; `set_pending`, `enable`, `disable` and
/// `replace_codes` run in a unit of work.
macro_rules! second_factor {
    ($store:ty, $conn:ty) => {
        use async_trait::async_trait;
        use $crate::storage::cache::Reach;
        use gatehouse_application::ports::{SecondFactor, SecondFactorStore, StoreError};
        use gatehouse_domain::AdminId;
        use time::OffsetDateTime;

        use $crate::storage::rows::{SecondFactorRow, Ts, backend, count};

        #[async_trait]
        impl SecondFactorStore for $store {
            async fn get(&self, admin: AdminId) -> Result<SecondFactor, StoreError> {
                let row: Option<SecondFactorRow> = sqlx::query_as(
                    "SELECT totp_secret, totp_pending, totp_last_step, \
                     (SELECT COUNT(*) FROM admin_recovery_codes c WHERE c.admin_id = a.id AND c.used_at IS NULL) \
                     AS unused_recovery_codes FROM admins a WHERE a.id = $1",
                )
                .bind(admin.as_uuid())
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
                row.ok_or(StoreError::NotFound)?.try_into()
            }

            async fn claim_step(&self, admin: AdminId, step: u64) -> Result<bool, StoreError> {
                let mut one = self.write_one(Reach::NEITHER).await?;
                claim(&mut one, admin, step).await
            }

            async fn use_recovery_code(
                &self,
                admin: AdminId,
                code_hash: &[u8],
                at: OffsetDateTime,
            ) -> Result<bool, StoreError> {
                let mut one = self.write_one(Reach::NEITHER).await?;
                let used = sqlx::query(
                    "UPDATE admin_recovery_codes SET used_at = $3 \
                     WHERE admin_id = $1 AND code_hash = $2 AND used_at IS NULL",
                )
                .bind(admin.as_uuid())
                .bind(code_hash)
                .bind(Ts::new(at))
                .execute(&mut *one)
                .await
                .map_err(backend)?;
                Ok(used.rows_affected() == 1)
            }
        }

        /// Stores (or with `None` drops) the secret awaiting its first code.
        pub(super) async fn set_pending(
            conn: &mut $conn,
            admin: AdminId,
            sealed_secret: Option<&[u8]>,
        ) -> Result<(), StoreError> {
            let updated = sqlx::query("UPDATE admins SET totp_pending = $2 WHERE id = $1")
                .bind(admin.as_uuid())
                .bind(sealed_secret)
                .execute(conn)
                .await
                .map_err(backend)?;
            found(updated.rows_affected())
        }

        /// Makes `sealed_secret` the admin's TOTP secret with a fresh set of recovery codes.
        pub(super) async fn enable(
            conn: &mut $conn,
            admin: AdminId,
            sealed_secret: &[u8],
            last_step: u64,
            code_hashes: &[Vec<u8>],
        ) -> Result<(), StoreError> {
            let updated = sqlx::query(
                "UPDATE admins SET totp_secret = $2, totp_pending = NULL, totp_last_step = $3, \
                 totp_enabled = TRUE WHERE id = $1",
            )
            .bind(admin.as_uuid())
            .bind(sealed_secret)
            .bind(count(last_step)?)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
            found(updated.rows_affected())?;
            replace_codes(conn, admin, code_hashes).await
        }

        /// Removes the admin's TOTP secrets and recovery codes.
        pub(super) async fn disable(conn: &mut $conn, admin: AdminId) -> Result<(), StoreError> {
            let updated = sqlx::query(
                "UPDATE admins SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL, \
                 totp_enabled = FALSE WHERE id = $1",
            )
            .bind(admin.as_uuid())
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
            found(updated.rows_affected())?;
            replace_codes(conn, admin, &[]).await
        }

        /// Voids the admin's recovery codes, used or not, and stores `code_hashes` instead (S10).
        pub(super) async fn replace_codes(
            conn: &mut $conn,
            admin: AdminId,
            code_hashes: &[Vec<u8>],
        ) -> Result<(), StoreError> {
            sqlx::query("DELETE FROM admin_recovery_codes WHERE admin_id = $1")
                .bind(admin.as_uuid())
                .execute(&mut *conn)
                .await
                .map_err(backend)?;
            for hash in code_hashes {
                sqlx::query("INSERT INTO admin_recovery_codes (admin_id, code_hash) VALUES ($1, $2)")
                    .bind(admin.as_uuid())
                    .bind(hash.as_slice())
                    .execute(&mut *conn)
                    .await
                    .map_err(backend)?;
            }
            Ok(())
        }

        /// A change of an admin that matched no row names an admin that does not exist.
        fn found(rows: u64) -> Result<(), StoreError> {
            if rows == 0 { Err(StoreError::NotFound) } else { Ok(()) }
        }

        /// Whether `step` was claimed for `admin` now: the condition and the write are one
        /// statement, so of two requests with the same code the second finds the step taken (S8).
        pub(super) async fn claim(conn: &mut $conn, admin: AdminId, step: u64) -> Result<bool, StoreError> {
            let claimed = sqlx::query(
                "UPDATE admins SET totp_last_step = $2 \
                 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
            )
            .bind(admin.as_uuid())
            .bind(count(step)?)
            .execute(conn)
            .await
            .map_err(backend)?;
            Ok(claimed.rows_affected() == 1)
        }
    };
}
pub(crate) use second_factor;

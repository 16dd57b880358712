//! Fresh, migrated databases for storage tests.
//!
//! SQLite always runs, on a new file under the temporary directory. PostgreSQL runs when
//! `GATEHOUSE_TEST_DATABASE_URL` names a server the tests may create databases on; each test
//! gets its own `CREATE DATABASE gh_<uuid>`, dropped with the [`TestDb`].

use std::path::PathBuf;

use gatehouse_adapters::Storage;
use sqlx::{Connection, PgConnection, SqliteConnection};
use uuid::Uuid;

/// The variable that enables the PostgreSQL half of the contract suite.
pub const POSTGRES_URL_VAR: &str = "GATEHOUSE_TEST_DATABASE_URL";

/// A migrated [`Storage`] on a database of its own, plus raw SQL access for tests that must
/// go around the ports (tampering with the audit log).
#[derive(Debug)]
pub struct TestDb {
    pub storage: Storage,
    url: String,
    place: Place,
}

#[derive(Debug)]
enum Place {
    SqliteFile(PathBuf),
    PostgresDatabase { server_url: String, name: String },
}

/// A fresh SQLite database in a new temporary directory, migrated.
pub async fn sqlite_db() -> TestDb {
    let dir = std::env::temp_dir().join(format!("gatehouse-test-{}", Uuid::new_v4().simple()));
    let url = format!("sqlite://{}", dir.join("nested/gatehouse.db").display());
    let storage = Storage::connect(&url).await.expect("open sqlite");
    storage.migrate().await.expect("migrate sqlite");
    TestDb { storage, url, place: Place::SqliteFile(dir) }
}

/// A fresh database on the PostgreSQL server named by `GATEHOUSE_TEST_DATABASE_URL`, migrated;
/// `None` (after a loud line on stderr) when the variable is not set.
pub async fn postgres_db() -> Option<TestDb> {
    let Ok(server_url) = std::env::var(POSTGRES_URL_VAR) else {
        eprintln!("POSTGRES TESTS SKIPPED: set {POSTGRES_URL_VAR}");
        return None;
    };
    let name = format!("gh_{}", Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&server_url).await.expect("connect to the test server");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create test database");
    admin.close().await.expect("close");
    let url = with_database(&server_url, &name);
    let storage = Storage::connect(&url).await.expect("open postgres");
    storage.migrate().await.expect("migrate postgres");
    Some(TestDb { storage, url, place: Place::PostgresDatabase { server_url, name } })
}

/// `url` with its database name replaced by `name` (query parameters kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl TestDb {
    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        self.storage.backend()
    }

    /// The database's URL, for a second connection (a whole app wired on it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs one statement on a separate connection, around the ports.
    pub async fn execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self.place {
            Place::SqliteFile(_) => {
                let mut conn = SqliteConnection::connect(&self.url).await?;
                sqlx::query(sql).execute(&mut conn).await.map(|r| r.rows_affected())
            }
            Place::PostgresDatabase { .. } => {
                let mut conn = PgConnection::connect(&self.url).await?;
                sqlx::query(sql).execute(&mut conn).await.map(|r| r.rows_affected())
            }
        }
    }

    /// Drops the trigger that refuses UPDATEs of the audit log (to simulate tampering).
    pub async fn drop_audit_update_trigger(&self) {
        let sql = match self.place {
            Place::SqliteFile(_) => "DROP TRIGGER audit_log_no_update",
            Place::PostgresDatabase { .. } => "DROP TRIGGER audit_log_no_update ON audit_log",
        };
        self.execute(sql).await.expect("drop trigger");
    }

    /// Closes the storage; the database goes when the value is dropped.
    pub async fn cleanup(self) {
        self.storage.close().await;
    }
}

impl Drop for TestDb {
    /// Removes the database. `Drop` cannot await, so PostgreSQL's `DROP DATABASE` runs on a
    /// short-lived runtime of its own thread.
    fn drop(&mut self) {
        match &self.place {
            Place::SqliteFile(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Place::PostgresDatabase { server_url, name } => {
                let (server_url, name) = (server_url.clone(), name.clone());
                let dropped = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                        return;
                    };
                    rt.block_on(async {
                        if let Ok(mut admin) = PgConnection::connect(&server_url).await {
                            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                            let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await;
                        }
                    });
                });
                let _ = dropped.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(with_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}

//! The hardened SuperAdmin login end to end, over real HTTP with a real cookie jar, on SQLite
//! and (when `GATEHOUSE_TEST_DATABASE_URL` is set) PostgreSQL, each test on a fresh database
//! with its own manual clock. Test names cite the SECURITY.md items they check.

/// Runs each listed `async fn name(backend)` once per database.
macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(gatehouse_tests::app::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(gatehouse_tests::app::Backend::Postgres).await;
                }
            )+
        }
    };
}

#[path = "auth/flow.rs"]
mod flow;
#[path = "auth/hardening.rs"]
mod hardening;
#[path = "auth/lockout.rs"]
mod lockout;
#[path = "auth/panel.rs"]
mod panel;
#[path = "auth/sessions.rs"]
mod sessions;

//! Many tenants at once: the adapter is shared by concurrent workers (as the sync will share
//! it) and the stand-in keeps up. `UPSTREAM_LOAD_TENANTS` raises the count (default 1,000) to
//! measure the sync's 10,000; the test asserts outcomes, and prints the time it took.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use gatehouse_application::ports::{ConnectionState, MfaUpstream, TenantRegistration, UpstreamTarget};
use gatehouse_domain::Plan;
use gatehouse_tests::stand_in::Call;

use super::{setup, tenant};

const WORKERS: usize = 32;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_tenants_register_and_report_concurrently() {
    let count: usize =
        std::env::var("UPSTREAM_LOAD_TENANTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000);
    let (stand_in, upstream, _) = setup().await;
    let upstream = Arc::new(upstream);
    let tenants: Arc<Vec<_>> =
        Arc::new((0..count).map(|i| tenant(&format!("load-{i}"), Plan::ALL[i % 4])).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (upstream, tenants, next) = (upstream.clone(), tenants.clone(), next.clone());
            tokio::spawn(async move {
                let mut reported = 0_u64;
                while let Some(t) = tenants.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let target = UpstreamTarget::tenant(t.id);
                    let registered = upstream
                        .register_tenant(&target, &TenantRegistration::of(t))
                        .await
                        .expect("registered");
                    let target = UpstreamTarget { tenant_key: registered.tenant_key, ..target };
                    let stats = upstream.tenant_stats(&target, None).await.expect("stats");
                    reported += u64::from(stats.monthly_authentications > 0);
                }
                reported
            })
        })
        .collect();
    let mut reported = 0;
    for worker in workers {
        reported += worker.await.expect("worker");
    }
    let elapsed = started.elapsed();
    println!("{count} tenants registered and read in {elapsed:?} by {WORKERS} workers");
    assert_eq!(stand_in.tenant_count(), count);
    assert_eq!(reported, count as u64);
    assert_eq!((stand_in.calls(Call::Register), stand_in.calls(Call::Stats)), (count as u64, count as u64));
    let status = upstream.status();
    assert_eq!((status.state, status.consecutive_failures), (ConnectionState::Up, 0));
}

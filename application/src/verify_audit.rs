//! Walking the whole audit log to prove its hash chain intact (S28).

use gatehouse_domain::audit::{ChainBreak, ChainVerifier};
use gatehouse_domain::{Actor, Permission};
use serde::Serialize;

use crate::{Ports, Result};

const BATCH: u32 = 1_000;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Records checked and found linked correctly.
    pub verified: i64,
    /// `seq:hash` of the last good record; keep it elsewhere to detect a cut-off tail later.
    pub head: String,
    /// The first break, if any.
    pub broken: Option<BrokenLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

impl From<ChainBreak> for BrokenLink {
    fn from(b: ChainBreak) -> Self {
        BrokenLink { seq: b.seq, reason: b.reason }
    }
}

/// Verifies the log from its first record in constant memory.
pub async fn run(ports: &Ports, actor: &Actor) -> Result<Report> {
    actor.require(Permission::AuditView, None)?;
    let mut verifier = ChainVerifier::default();
    let mut after = 0;
    let broken = 'walk: loop {
        let batch = ports.audit.records_after(after, BATCH).await?;
        let Some(last) = batch.last() else { break None };
        after = last.seq;
        for record in &batch {
            if let Err(b) = verifier.feed(record) {
                break 'walk Some(BrokenLink::from(b));
            }
        }
    };
    Ok(Report {
        verified: verifier.verified(),
        head: format!("{}:{}", verifier.verified(), verifier.head()),
        broken,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockPorts, NOW, cli};
    use gatehouse_domain::{AuditEvent, AuditKind, AuditRecord, Outcome};

    fn log(n: u128) -> Vec<AuditRecord> {
        let mut out: Vec<AuditRecord> = Vec::new();
        for i in 0..n {
            let e =
                AuditEvent::new(uuid::Uuid::from_u128(i), NOW, AuditKind::SyncRun, &cli(), Outcome::Success);
            out.push(AuditRecord::chain(out.last().map(|r| (r.seq, r.hash.as_str())), e));
        }
        out
    }

    #[tokio::test]
    async fn reports_the_first_altered_record() {
        let mut records = log(3);
        records[1].event.actor_label = "mallory".into();
        let mut m = MockPorts::new();
        m.audit
            .expect_records_after()
            .returning(move |after, _| Ok(records.iter().filter(|r| r.seq > after).cloned().collect()));
        let report = run(&m.ports(), &cli()).await.expect("walked");
        assert_eq!(report.verified, 1);
        assert_eq!(report.broken.map(|b| b.seq), Some(2));
    }

    #[tokio::test]
    async fn an_intact_log_verifies_to_its_head() {
        let records = log(3);
        let head = format!("3:{}", records[2].hash);
        let mut m = MockPorts::new();
        m.audit
            .expect_records_after()
            .returning(move |after, _| Ok(records.iter().filter(|r| r.seq > after).cloned().collect()));
        let report = run(&m.ports(), &cli()).await.expect("walked");
        assert!(report.broken.is_none());
        assert_eq!(report.head, head);
    }
}

//! Plans in SQLite: `plan.applied` goes through the transactional outbox,
//! so an apply that is rolled back emits nothing, and one that commits is
//! relayed once.

#![cfg(feature = "persistence")]

use agent_services::persistence::{apply, PlanStore, StoreError};
use agent_services::plans::{PlanError, PlanState};
use agent_services::EventType::*;
use eventwire::Value;
use eventwire_outbox::{BusTarget, RelayConfig};
use support::recorder;

mod support;

#[tokio::test]
async fn a_rolled_back_apply_emits_nothing_and_a_committed_one_is_relayed_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = PlanStore::open(&dir.path().join("plans.db")).await.unwrap();
    let kept = store.add_approved("rebuild the index").await.unwrap();
    let undone = store.add_approved("drop the old index").await.unwrap();

    let mut tx = store.begin().await.unwrap();
    assert_eq!(apply(&mut tx, kept).await.unwrap(), PlanState::Applied);
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    assert_eq!(apply(&mut tx, undone).await.unwrap(), PlanState::Applied);
    assert_eq!(tx.staged(), 1, "held until the commit");
    tx.rollback().await.unwrap();

    // A refused apply: `err` is not a site here, so nothing is staged.
    let mut tx = store.begin().await.unwrap();
    let refused = apply(&mut tx, kept).await.unwrap_err();
    assert!(matches!(
        refused,
        StoreError::Plan(PlanError::Illegal {
            from: PlanState::Applied,
            ..
        })
    ));
    assert_eq!(tx.staged(), 0);
    tx.commit().await.unwrap();

    assert_eq!(store.state(kept).await.unwrap(), Some(PlanState::Applied));
    assert_eq!(
        store.state(undone).await.unwrap(),
        Some(PlanState::Approved)
    );

    let events = recorder();
    let relay = store
        .outbox()
        .relay(BusTarget(events.bus()), RelayConfig::default());
    while relay.relay_once().await.unwrap() > 0 {}
    assert_eq!(events.kinds(), [PlanApplied]);
    assert_eq!(
        events.field(PlanApplied, "plan"),
        Some(Value::I64(i64::from(kept)))
    );
    let stats = store.outbox().stats().await.unwrap();
    assert_eq!(
        (
            stats.written,
            stats.rolled_back,
            stats.relayed,
            stats.unsent
        ),
        (1, 1, 1, 0)
    );
}

//! Invariants enforced on batches of records.

use crate::EventType;
use eventwire::{emit, emits, HasBus, SharedBus};

/// A record the invariants check.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Its identifier.
    pub id: u32,
    /// The amount it carries.
    pub amount: i64,
    /// Its owner.
    pub owner: String,
}

/// A named rule every record must satisfy.
pub struct Invariant {
    name: String,
    rule: Box<dyn Fn(&Record) -> bool + Send + Sync>,
}

impl std::fmt::Debug for Invariant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invariant")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// What reconciling a batch found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Records checked.
    pub checked: usize,
    /// `(record, invariant)` for each violation.
    pub violations: Vec<(u32, String)>,
}

/// Registers invariants and enforces them.
#[derive(Debug, Default, HasBus)]
pub struct InvariantService {
    bus: Option<SharedBus<EventType>>,
    invariants: Vec<Invariant>,
}

impl InvariantService {
    /// A service publishing to `bus`.
    pub fn new(bus: Option<SharedBus<EventType>>) -> Self {
        InvariantService {
            bus,
            invariants: Vec::new(),
        }
    }

    /// Adds an invariant.
    #[emits(InvariantRegistered, fields(invariant = %name))]
    pub fn register(&mut self, name: &str, rule: impl Fn(&Record) -> bool + Send + Sync + 'static) {
        self.invariants.push(Invariant {
            name: name.to_owned(),
            rule: Box::new(rule),
        });
    }

    /// Enforces every invariant on every record: one `InvariantEnforced` per
    /// record, one `InvariantViolated` per violated invariant, one
    /// `InvariantReconciled` per batch.
    #[emits(InvariantEnforced, InvariantViolated, InvariantReconciled, fields(batch = batch.len()))]
    pub fn reconcile(&self, batch: &[Record]) -> Reconciliation {
        let mut result = Reconciliation::default();
        for record in batch {
            for invariant in &self.invariants {
                if !(invariant.rule)(record) {
                    emit!(InvariantViolated, record = record.id, invariant = %invariant.name);
                    result.violations.push((record.id, invariant.name.clone()));
                }
            }
            emit!(InvariantEnforced, record = record.id);
            result.checked += 1;
        }
        result
    }
}

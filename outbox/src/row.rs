//! An event as one row of the outbox table.

use eventwire::{Event, EventKind};

/// The table every backend writes.
pub const TABLE: &str = "eventwire_outbox";

/// A row to insert.
#[derive(Clone, Debug)]
pub struct NewRow {
    /// The event's id, 32 hex digits: `Nats-Msg-Id` on JetStream.
    pub id: String,
    /// The dotted name.
    pub name: String,
    /// The partition its order is kept in.
    pub partition: i32,
    /// The event as eventwire JSON.
    pub payload: String,
    /// Unix time of the insert, in milliseconds.
    pub created_at: i64,
}

/// A stored row, as the relay claims it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRow {
    /// Its position: rows are relayed in this order within a partition.
    pub seq: i64,
    /// The event's id.
    pub id: String,
    /// The dotted name.
    pub name: String,
    /// The event as eventwire JSON.
    pub payload: String,
    /// Unix time of the insert, in milliseconds.
    pub created_at: i64,
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// FNV-1a: a hash that is the same in every process and release, so that
/// a key always falls in the same partition.
fn stable_hash(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// What keeps events in order: events of one key are relayed in the order
/// they were written.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum OrderKey {
    /// The event kind (its NATS subject; not the CloudEvents `subject`
    /// attribute): the default. Events of different kinds are different
    /// keys, relayed in either order on PostgreSQL: give an aggregate's
    /// events one key with [`OrderKey::Field`].
    #[default]
    Subject,
    /// The value of this field (an aggregate's id, say), falling back to
    /// the subject for events without it.
    Field(String),
}

impl OrderKey {
    /// The key of `event`.
    pub fn of<E: EventKind>(&self, event: &Event<E>) -> String {
        match self {
            OrderKey::Field(name) => match event.fields.get(name) {
                Some(value) => format!("{name}={value}"),
                None => event.kind.dotted_name().to_owned(),
            },
            OrderKey::Subject => event.kind.dotted_name().to_owned(),
        }
    }
}

/// The row of `event`, in one of `partitions` partitions by `key`.
///
/// # Errors
///
/// The event cannot be written as JSON.
pub fn row_of<E: EventKind>(
    event: &Event<E>,
    key: &OrderKey,
    partitions: u32,
) -> Result<NewRow, serde_json::Error> {
    let partition = stable_hash(&key.of(event)) % partitions.max(1);
    Ok(NewRow {
        id: event.id.to_string(),
        name: event.kind.dotted_name().to_owned(),
        partition: i32::try_from(partition).unwrap_or(0),
        payload: serde_json::to_string(event)?,
        created_at: now_ms(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_fnv1a() {
        assert_eq!(stable_hash(""), 0x811c_9dc5);
        assert_eq!(stable_hash("a"), 0xe40c_292c);
    }
}

//! A generic service: `impl<T: Store> Inventory<T>`.

use crate::EventType;
use eventwire::{emits, HasBus, SharedBus};

/// Where items are kept.
pub trait Store {
    /// Puts an item; returns how many there are.
    ///
    /// # Errors
    /// When the store is full.
    fn put(&mut self, item: String) -> Result<usize, String>;
}

impl Store for Vec<String> {
    fn put(&mut self, item: String) -> Result<usize, String> {
        if self.len() >= 2 {
            return Err("full".to_owned());
        }
        self.push(item);
        Ok(self.len())
    }
}

/// A service generic over its store.
#[derive(Debug, HasBus)]
pub struct Inventory<'a, T: Store> {
    bus: Option<SharedBus<EventType>>,
    store: &'a mut T,
}

impl<'a, T: Store> Inventory<'a, T> {
    /// A service over `store`.
    pub const fn new(bus: Option<SharedBus<EventType>>, store: &'a mut T) -> Self {
        Self { bus, store }
    }

    /// Adds an item.
    ///
    /// # Errors
    /// When the store refuses it.
    #[emits(Started, Finished, Failed, fields(item = %item))]
    pub fn add<S>(&mut self, item: S) -> Result<usize, String>
    where
        S: Into<String> + std::fmt::Display,
    {
        self.store.put(item.into())
    }

    /// Borrows the store back.
    #[emits(Finished)]
    pub fn store(&mut self) -> &mut T {
        self.store
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventType::*;
    use eventwire::Recorder;

    #[test]
    fn generic_impls_emit_with_their_fields() {
        let recorder = Recorder::new();
        let mut store = Vec::new();
        let mut inventory = Inventory::new(Some(recorder.bus()), &mut store);
        assert_eq!(inventory.add("a"), Ok(1));
        assert_eq!(inventory.add("b"), Ok(2));
        assert_eq!(inventory.add("c"), Err("full".to_owned()));
        inventory.store().clear();
        recorder.assert_count(Finished, 3);
        recorder.assert_field(Failed, "item", "c");
        assert_eq!(recorder.of(Failed)[0].site.function, "Inventory::add");
    }
}

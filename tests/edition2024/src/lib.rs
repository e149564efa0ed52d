//! Shapes of edition 2024 under `#[emits]`.

use eventwire::{emits, EventType, HasBus, SharedBus};
use std::future::Future;

/// The events of this crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    /// Before the body.
    #[event(on = entry)]
    Called,
    /// After it.
    Returned,
}

/// A service.
#[derive(HasBus)]
pub struct Svc {
    /// Its bus.
    pub bus: Option<SharedBus<EventType>>,
    /// A value.
    pub n: usize,
}

impl Svc {
    /// A future that captures no lifetime (`use<>`), plain.
    #[allow(clippy::manual_async_fn)] // the shape under test
    pub fn later_plain(&self) -> impl Future<Output = usize> + use<> {
        let n = self.n;
        async move { n }
    }

    /// The same, annotated.
    #[emits(Called, Returned)]
    #[allow(clippy::manual_async_fn)] // the shape under test
    pub fn later(&self) -> impl Future<Output = usize> + use<> {
        let n = self.n;
        async move { n }
    }

    /// A future that captures the receiver's lifetime, as 2024 does by default.
    #[emits(Called, Returned)]
    #[allow(clippy::manual_async_fn)] // the shape under test
    pub fn borrowing(&self) -> impl Future<Output = usize> {
        async move { self.n }
    }
}

/// A temporary in the tail expression: edition 2024 drops it before the
/// locals, and the attribute must not change that.
pub mod tail {
    use super::emits;
    use std::sync::{Arc, Mutex};

    /// Records its drop.
    pub struct Noisy(pub &'static str, pub Arc<Mutex<Vec<&'static str>>>);

    impl Drop for Noisy {
        fn drop(&mut self) {
            self.1.lock().unwrap().push(self.0);
        }
    }

    impl Noisy {
        /// A value read from a temporary.
        #[must_use]
        pub fn name_length(&self) -> usize {
            self.0.len()
        }
    }

    /// Plain.
    pub fn plain(log: &Arc<Mutex<Vec<&'static str>>>) -> usize {
        let _local = Noisy("local", log.clone());
        Noisy("temporary", log.clone()).name_length()
    }

    /// Annotated.
    #[emits(Returned, event = super::EventType)]
    pub fn annotated(log: &Arc<Mutex<Vec<&'static str>>>) -> usize {
        let _local = Noisy("local", log.clone());
        Noisy("temporary", log.clone()).name_length()
    }
}

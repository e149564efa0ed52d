//! Functions and methods of every synchronous and asynchronous shape.

use crate::EventType;
use eventwire::{emit, emits, HasBus, SharedBus};
use std::sync::Arc;

/// A service with a bus.
#[derive(Debug, Default, Clone, HasBus)]
pub struct Service {
    bus: Option<SharedBus<EventType>>,
    count: u32,
    names: Vec<String>,
}

impl Service {
    /// A service publishing to `bus`.
    #[must_use]
    #[emits(Started)]
    pub fn new(bus: Option<SharedBus<EventType>>) -> Self {
        Self {
            bus,
            count: 0,
            names: vec!["a".to_owned()],
        }
    }

    /// Counts, emitting a step by hand.
    #[emits(Started, Finished, Stepped, Left, fields(count = self.count))]
    pub fn step(&mut self) -> u32 {
        self.count += 1;
        emit!(Stepped, n = self.count);
        self.count
    }

    /// Returns a borrow of `self`.
    #[emits(Started, Finished)]
    pub fn first_mut(&mut self) -> Option<&mut String> {
        self.names.first_mut()
    }

    /// Fails.
    ///
    /// # Errors
    /// When `fail`.
    #[emits(Started, Failed, Left)]
    pub fn check(&self, fail: bool) -> Result<u32, String> {
        if fail {
            return Err(format!("count {}", self.count));
        }
        Ok(self.count)
    }

    /// Returns nothing.
    #[emits(Finished)]
    pub fn touch(&self) {
        let _ = self.count;
    }

    /// Consumes `self`.
    #[must_use]
    #[emits(Finished)]
    pub fn into_names(self) -> Vec<String> {
        self.names
    }

    /// Takes a box.
    #[allow(clippy::boxed_local)]
    #[must_use]
    #[emits(Finished)]
    pub fn boxed(self: Box<Self>) -> u32 {
        self.count
    }

    /// Takes an `Arc`.
    #[must_use]
    #[emits(Finished)]
    pub fn shared(self: Arc<Self>) -> usize {
        Arc::strong_count(&self)
    }

    /// Returns `Self` and uses `Self` in the body.
    #[must_use]
    #[emits(Finished)]
    pub fn with_count(&self, count: u32) -> Self {
        Self {
            count,
            ..self.clone()
        }
    }

    /// An inner attribute in the body.
    #[must_use]
    #[emits(Finished)]
    pub fn inner_attribute(&self) -> u32 {
        #![allow(clippy::let_and_return)]
        let count = self.count;
        count
    }

    /// `impl Trait` in and out.
    #[emits(Finished)]
    pub fn evens(&self, limit: impl Into<u32>) -> impl Iterator<Item = u32> + '_ {
        (0..limit.into())
            .filter(|n| n % 2 == 0)
            .map(move |n| n + self.count)
    }

    /// `mut` and pattern arguments.
    #[must_use]
    #[emits(Finished)]
    pub fn patterns(&self, (a, b): (u32, u32), mut extra: Vec<u32>) -> u32 {
        extra.push(a);
        extra.iter().sum::<u32>() + b + self.count
    }

    /// An async method.
    ///
    /// # Errors
    /// When `fail`.
    #[emits(Started, Finished, Failed, Cancelled, Stepped)]
    pub async fn fetch(&self, fail: bool) -> Result<u32, String> {
        std::future::ready(()).await;
        emit!(Stepped);
        if fail {
            return Err("fetch failed".to_owned());
        }
        Ok(self.count)
    }
}

/// A free function with `?`.
///
/// # Errors
/// When `text` is not a number.
#[emits(Started, Finished, Failed, fields(text = %text))]
pub fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
    let value: u32 = text.parse()?;
    Ok(value)
}

/// `extern "C"`.
#[must_use]
#[emits(Finished)]
pub extern "C" fn extern_c(value: u32) -> u32 {
    value + 1
}

/// Never returns.
#[emits(Started)]
pub fn serve_forever() -> ! {
    loop {
        std::thread::park();
    }
}

/// Recursion.
#[must_use]
#[emits(Left)]
pub fn factorial(n: u64) -> u64 {
    if n <= 1 {
        1
    } else {
        n * factorial(n - 1)
    }
}

/// `#[track_caller]` and doc comments are kept.
#[must_use]
#[track_caller]
#[emits(Finished)]
pub fn tracked() -> u32 {
    std::panic::Location::caller().line()
}

/// An async free function.
#[emits(Started, Finished, Cancelled)]
pub async fn async_free(value: u32) -> u32 {
    std::future::ready(()).await;
    value * 2
}

/// A body that is a single expression block: its braces must not look
/// unnecessary to `unused_braces`.
///
/// # Errors
/// When `x` is 1.
#[emits(Started, Finished, Failed)]
pub fn single_expression(x: u64) -> Result<u64, String> {
    if x == 1 {
        Err("one".to_owned())
    } else {
        Ok(x + 1)
    }
}

/// A single-expression body that never returns.
#[emits(Started)]
pub fn single_expression_forever() -> ! {
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::block_on;
    use crate::EventType::*;
    use eventwire::Recorder;

    #[test]
    fn every_shape_behaves_and_emits() {
        let recorder = Recorder::new();
        let _guard = recorder.install_scoped();
        let mut service = Service::new(Some(recorder.bus()));
        assert_eq!(service.step(), 1);
        if let Some(first) = service.first_mut() {
            first.push('!');
        }
        assert_eq!(service.check(false), Ok(1));
        assert_eq!(service.check(true), Err("count 1".to_owned()));
        service.touch();
        assert_eq!(Box::new(service.clone()).boxed(), 1);
        assert_eq!(Arc::new(service.clone()).shared(), 1);
        assert_eq!(service.with_count(5).count, 5);
        assert_eq!(service.inner_attribute(), 1);
        assert_eq!(service.evens(5u8).collect::<Vec<_>>(), [1, 3, 5]);
        assert_eq!(service.patterns((1, 2), vec![3]), 7);
        assert_eq!(block_on(service.fetch(false)), Ok(1));
        assert_eq!(
            block_on(service.fetch(true)),
            Err("fetch failed".to_owned())
        );
        assert_eq!(service.clone().into_names(), ["a!"]);
        assert_eq!(parse("12"), Ok(12));
        assert!(parse("x").is_err());
        assert_eq!(extern_c(1), 2);
        assert_eq!(factorial(4), 24);
        assert!(tracked() > 0);
        assert_eq!(block_on(async_free(2)), 4);
        recorder.assert_count(Stepped, 3);
        recorder.assert_count(Failed, 3);
        recorder.assert_count(Left, 1 + 2 + 4);
        recorder.assert_error(Failed, "invalid digit found in string");
    }
}

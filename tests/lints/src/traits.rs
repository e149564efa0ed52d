//! Trait impl methods, trait default methods, native async fn in traits
//! and `#[async_trait]`.

use crate::EventType;
use eventwire::{emits, HasBus, SharedBus};

/// A tool.
pub trait Tool: HasBus<EventType> {
    /// Its name.
    fn name(&self) -> &str;

    /// A default method.
    #[emits(Finished)]
    fn describe(&self) -> String {
        format!("tool {}", self.name())
    }

    /// A native async default method.
    #[emits(Started, Finished, Cancelled)]
    fn run(&self, input: &str) -> impl std::future::Future<Output = usize> + Send
    where
        Self: Sync,
    {
        let length = input.len();
        async move { length + self.name().len() }
    }
}

/// A tool with a bus.
#[derive(Debug, HasBus)]
pub struct Grep {
    bus: Option<SharedBus<EventType>>,
}

impl Grep {
    /// A tool publishing to `bus`.
    #[must_use]
    pub const fn new(bus: Option<SharedBus<EventType>>) -> Self {
        Self { bus }
    }
}

impl Tool for Grep {
    #[emits(Finished)]
    fn name(&self) -> &str {
        "grep"
    }
}

/// A tool written with `#[async_trait]`.
#[async_trait::async_trait]
pub trait Remote {
    /// Calls the remote.
    ///
    /// # Errors
    /// When `input` is empty.
    async fn call(&self, input: &str) -> Result<usize, String>;
}

#[async_trait::async_trait]
impl Remote for Grep {
    #[emits(Started, Finished, Failed, Cancelled)]
    async fn call(&self, input: &str) -> Result<usize, String> {
        if input.is_empty() {
            return Err("empty".to_owned());
        }
        Ok(input.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::block_on;
    use crate::EventType::*;
    use eventwire::Recorder;

    #[test]
    fn trait_methods_of_every_kind_emit() {
        let recorder = Recorder::new();
        let grep = Grep::new(Some(recorder.bus()));
        assert_eq!(grep.describe(), "tool grep");
        assert_eq!(block_on(grep.run("ab")), 6);
        assert_eq!(block_on(grep.call("abc")), Ok(3));
        assert_eq!(block_on(grep.call("")), Err("empty".to_owned()));
        recorder.assert_count(Started, 3);
        recorder.assert_count(Failed, 1);
        let functions: Vec<String> = recorder
            .of(Finished)
            .iter()
            .map(|e| e.site.function.to_string())
            .collect();
        assert!(
            functions.contains(&"Tool::describe".to_owned()),
            "{functions:?}"
        );
        assert!(
            functions.contains(&"Grep::call".to_owned()),
            "{functions:?}"
        );
    }
}

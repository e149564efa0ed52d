//! Every function shape under `#[emits]`, compiled under the strictest lints
//! a user may set: the expansion must not trigger any of them. The code is
//! written as its plain twin would have to be (`#[must_use]` where clippy
//! asks for it, an `.await` in each `async fn`): lints about the user's own
//! code do fire on annotated functions (see `tests/lint-twins`). CI runs
//! `cargo clippy -p eventwire-lint-check -- -D clippy::all -D clippy::pedantic -D clippy::nursery`
//! on it, and its tests check that each shape still behaves.
#![deny(warnings)]
#![forbid(unsafe_code)]
#![deny(unused_qualifications, unused_braces, unused_variables, dead_code)]
#![deny(clippy::all, clippy::pedantic, clippy::nursery)]

pub mod generic;
pub mod glob;
pub mod shapes;
pub mod traits;

use eventwire::EventType;

/// The events of this crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    /// Before the body.
    #[event(on = entry)]
    Started,
    /// After a successful return.
    Finished,
    /// After an `Err`.
    #[event(on = err)]
    Failed,
    /// By hand.
    #[event(on = body)]
    Stepped,
    /// After any return.
    #[event(on = exit)]
    Left,
    /// When a future is dropped early.
    #[event(on = cancel)]
    Cancelled,
}

/// What the shapes' tests share.
#[cfg(test)]
mod support {
    /// Polls a future to completion on this thread.
    pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(value) = future.as_mut().poll(&mut cx) {
                return value;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    eventwire::coverage_test!(super::EventType);
}

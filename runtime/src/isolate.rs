//! The one way eventwire calls code it does not own: a bus's `publish`,
//! `accepts` and `flush`, a subscriber, a sink, a filter's predicate, the
//! `Display` or `Debug` of a field or an error, the failure hook. A panic
//! there is caught and returned, never unwound into the service.

use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A panic caught by [`isolate`], with its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Panicked(pub(crate) String);

/// Runs `f`, catching a panic. What `f` touched stays usable: eventwire's
/// own state is atomics and locks that recover from poisoning.
pub(crate) fn isolate<R>(f: impl FnOnce() -> R) -> Result<R, Panicked> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let message = panic_message(payload.as_ref());
        drop_payload(payload);
        Panicked(message)
    })
}

/// Drops a panic's payload, whose own `drop` is code eventwire does not
/// own either: if that panics too, its payload is forgotten, not unwound.
fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}

/// The text of a panic's payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

/// Formatting code as a `Display`, so that it can be written anywhere.
struct Formatted<'a>(&'a dyn Fn(&mut fmt::Formatter<'_>) -> fmt::Result);

impl fmt::Display for Formatted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}

/// Renders a value through its `Display` or `Debug` code, isolated: the
/// text, or why it could not be had (the code panicked, or returned
/// `fmt::Error`, which `to_string` would have turned into a panic).
pub(crate) fn render(
    format: &dyn Fn(&mut fmt::Formatter<'_>) -> fmt::Result,
) -> Result<String, String> {
    let mut text = String::new();
    match isolate(|| fmt::write(&mut text, format_args!("{}", Formatted(format)))) {
        Ok(Ok(())) => Ok(text),
        Ok(Err(fmt::Error)) => Err("its formatting returned an error".to_owned()),
        Err(Panicked(message)) => Err(format!("its formatting panicked: {message}")),
    }
}

/// The text of an error (a bus's, a sink's), isolated like [`render`]: its
/// `Display` may panic or fail, and the report of the failure must not.
pub(crate) fn error_text(error: &dyn fmt::Display) -> String {
    render(&|f| fmt::Display::fmt(error, f))
        .unwrap_or_else(|why| format!("an error whose text could not be had ({why})"))
}

/// A future of code eventwire does not own (a sink's), whose `poll` and
/// `drop` are isolated: a panic in either ends it with `Err`. It is dropped
/// as soon as it ends, inside the isolation, and so is one cancelled before
/// it ends (a panic then is counted and reported).
#[cfg(feature = "tokio")]
pub(crate) struct Isolated<F>(Option<std::pin::Pin<Box<F>>>);

#[cfg(feature = "tokio")]
impl<F> Isolated<F> {
    pub(crate) fn new(future: F) -> Self {
        Isolated(Some(Box::pin(future)))
    }
}

#[cfg(feature = "tokio")]
impl<F: std::future::Future> std::future::Future for Isolated<F> {
    type Output = Result<F::Output, Panicked>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let Some(inner) = self.0.as_mut() else {
            return std::task::Poll::Ready(Err(Panicked("polled after it ended".to_owned())));
        };
        let ended = match isolate(|| inner.as_mut().poll(cx)) {
            Ok(std::task::Poll::Pending) => return std::task::Poll::Pending,
            Ok(std::task::Poll::Ready(value)) => Ok(value),
            Err(panicked) => Err(panicked),
        };
        let future = self.0.take();
        match (ended, isolate(move || drop(future))) {
            (Ok(value), Ok(())) => std::task::Poll::Ready(Ok(value)),
            (Err(panicked), _) | (Ok(_), Err(panicked)) => std::task::Poll::Ready(Err(panicked)),
        }
    }
}

#[cfg(feature = "tokio")]
impl<F> Drop for Isolated<F> {
    fn drop(&mut self) {
        if let Some(future) = self.0.take() {
            dispose(future, "a sink's future, dropped before it ended,");
        }
    }
}

/// Drops `value`, code eventwire does not own, isolated: a panic in its
/// `Drop` is counted and reported (`what` names the value), never unwound.
pub(crate) fn dispose<T>(value: T, what: &str) {
    if let Err(Panicked(why)) = isolate(move || drop(value)) {
        crate::failure::fail(&crate::failure::Failure::new(
            crate::failure::FailureCause::Panic(format!(
                "{what} panicked as it was dropped: {why}"
            )),
            None,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Broken;

    impl fmt::Display for Broken {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            Err(fmt::Error)
        }
    }

    struct Exploding;

    impl fmt::Display for Exploding {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            panic!("display exploded")
        }
    }

    #[test]
    fn panics_and_errors_come_back_as_values() {
        assert_eq!(isolate(|| 7), Ok(7));
        assert_eq!(
            isolate(|| -> u8 { panic!("boom") }),
            Err(Panicked("boom".to_owned()))
        );
        assert_eq!(render(&|f| fmt::Display::fmt(&42, f)), Ok("42".to_owned()));
        assert_eq!(
            render(&|f| fmt::Display::fmt(&Broken, f)),
            Err("its formatting returned an error".to_owned())
        );
        assert_eq!(
            render(&|f| fmt::Display::fmt(&Exploding, f)),
            Err("its formatting panicked: display exploded".to_owned())
        );
    }
}

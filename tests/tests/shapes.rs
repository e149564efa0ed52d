//! Every synchronous function shape keeps its behaviour under #[emits].

use eventwire::{emits, EventType, HasBus, Recorder, SharedBus};
use std::fmt::Display;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    Called,
    Returned,
    #[event(on = err)]
    Failed,
    #[event(on = exit)]
    Left,
}

use EventType::*;

#[derive(Clone, Debug, HasBus)]
struct Svc {
    bus: Option<SharedBus<EventType>>,
    items: Vec<String>,
}

impl Svc {
    fn new(recorder: &Recorder<EventType>) -> Self {
        Svc {
            bus: Some(recorder.bus()),
            items: vec!["a".into(), "b".into()],
        }
    }

    #[emits(Called, Returned)]
    fn by_value(self) -> Vec<String> {
        self.items
    }

    #[emits(Called, Returned)]
    fn by_ref(&self) -> &str {
        &self.items[0]
    }

    #[emits(Called, Returned)]
    fn by_mut(&mut self) -> &mut String {
        &mut self.items[1]
    }

    #[emits(Called, Returned)]
    #[allow(clippy::boxed_local)] // as it would need without the attribute
    fn boxed(self: Box<Self>) -> usize {
        self.items.len()
    }

    #[emits(Called, Returned)]
    fn shared(self: Arc<Self>) -> usize {
        Arc::strong_count(&self)
    }

    #[emits(Called, Returned)]
    #[allow(clippy::needless_arbitrary_self_type)]
    fn typed_ref(self: &Self) -> usize {
        self.items.len()
    }

    #[emits(Called)]
    fn make(bus: SharedBus<EventType>) -> Self {
        let _ = bus;
        Svc {
            bus: None,
            items: Vec::new(),
        }
    }

    /// Doc comments and other attributes stay on the function.
    #[must_use]
    #[emits(Called, Returned, fields(n))]
    #[inline]
    fn kept_attributes(&self, n: u8) -> u8 {
        n + 1
    }
}

#[test]
fn every_receiver_form_reaches_the_bus() {
    let recorder = Recorder::new();
    let mut svc = Svc::new(&recorder);
    assert_eq!(svc.by_ref(), "a");
    svc.by_mut().push('!');
    assert_eq!(svc.items[1], "b!");
    assert_eq!(Box::new(svc.clone()).boxed(), 2);
    assert_eq!(Arc::new(svc.clone()).shared(), 1);
    assert_eq!(svc.typed_ref(), 2);
    assert_eq!(svc.kept_attributes(1), 2);
    assert_eq!(svc.by_value(), vec!["a".to_owned(), "b!".to_owned()]);
    assert_eq!(recorder.count(Called), 7);
    assert_eq!(recorder.count(Returned), 7);
    recorder.assert_field(Returned, "n", 1);
}

#[test]
fn an_associated_function_without_receiver_uses_the_default_bus() {
    let recorder = Recorder::new();
    let _guard = recorder.install_scoped();
    let other = Recorder::<EventType>::new();
    let svc = Svc::make(other.bus());
    assert!(svc.items.is_empty());
    recorder.assert_count(Called, 1);
    assert!(other.kinds().is_empty());
}

#[emits(Called, Returned, Failed, Left, fields(input = %input))]
fn parse_number(input: &str) -> Result<i64, std::num::ParseIntError> {
    let n: i64 = input.trim().parse()?;
    if n < 0 {
        return Ok(0);
    }
    Ok(n * 2)
}

#[test]
fn question_mark_and_early_return_behave_as_before() {
    let recorder = Recorder::new();
    let _guard = recorder.install_scoped();
    assert_eq!(parse_number(" 21 "), Ok(42));
    assert_eq!(parse_number("-5"), Ok(0));
    assert!(parse_number("x").is_err());
    recorder.assert_sequence(&[
        Called, Returned, Left, Called, Returned, Left, Called, Failed, Left,
    ]);
    recorder.assert_error(Failed, "invalid digit found in string");
}

#[emits(Called, Returned)]
fn generic<T, U: Clone>(items: &[T], extra: U, shown: impl Display) -> (usize, U, String)
where
    T: PartialEq + Default,
{
    let defaults = items.iter().filter(|t| **t == T::default()).count();
    (defaults, extra.clone(), shown.to_string())
}

#[emits(Called, Returned)]
fn longest<'a, 'b: 'a>(a: &'a str, b: &'b str) -> &'a str {
    if a.len() >= b.len() {
        a
    } else {
        b
    }
}

#[emits(Called, Returned)]
fn first_of<'v>(values: &'v mut Vec<u32>) -> &'v mut u32 {
    values.push(0);
    &mut values[0]
}

#[emits(Called, Returned)]
fn patterns((a, b): (u8, u8), Wrapper(c): Wrapper, mut d: Vec<u8>, _: u8) -> u32 {
    d.push(a);
    u32::from(a) + u32::from(b) + u32::from(c) + d.len() as u32
}

struct Wrapper(u8);

#[emits(Called, Returned)]
fn returns_impl_trait(n: u32) -> impl Iterator<Item = u32> {
    (0..n).map(|i| i * 2)
}

#[emits(Called, Returned)]
#[track_caller]
fn caller_line() -> u32 {
    // The body runs in a closure, so this is this line, not the caller's:
    // documented in the crate docs under "Limitations".
    std::panic::Location::caller().line()
}

#[emits(Called, Returned)]
fn nothing_returned(counter: &mut u32) {
    *counter += 1;
}

#[test]
fn generics_lifetimes_borrows_patterns_and_impl_trait_work() {
    let recorder = Recorder::new();
    let _guard = recorder.install_scoped();
    assert_eq!(generic(&[0, 1, 0], 'x', 3.5), (2, 'x', "3.5".to_owned()));
    assert_eq!(longest("abc", "de"), "abc");
    let mut values = vec![7];
    *first_of(&mut values) += 1;
    assert_eq!(values, vec![8, 0]);
    assert_eq!(patterns((1, 2), Wrapper(3), vec![9], 0), 8);
    assert_eq!(returns_impl_trait(3).collect::<Vec<_>>(), [0, 2, 4]);
    assert!(caller_line() > 0);
    let mut counter = 0;
    nothing_returned(&mut counter);
    assert_eq!(counter, 1);
    recorder.assert_count(Called, 7);
    recorder.assert_count(Returned, 7);
}

#[emits(Called, Returned, Failed)]
fn generic_result<T: std::str::FromStr>(input: &str) -> Result<T, T::Err>
where
    T::Err: Display,
{
    input.parse()
}

#[test]
fn a_generic_result_is_still_a_result() {
    let recorder = Recorder::new();
    let _guard = recorder.install_scoped();
    assert_eq!(generic_result::<u8>("7"), Ok(7));
    assert!(generic_result::<u8>("700").is_err());
    recorder.assert_sequence(&[Called, Returned, Called, Failed]);
    recorder.assert_error(Failed, "number too large to fit in target type");
}

#[derive(Debug)]
struct OpaqueError;

#[emits(Failed)]
fn debug_only_error() -> Result<(), OpaqueError> {
    Err(OpaqueError)
}

#[test]
fn an_error_without_display_is_recorded_by_debug() {
    let recorder = Recorder::new();
    let _guard = recorder.install_scoped();
    assert!(debug_only_error().is_err());
    recorder.assert_error(Failed, "OpaqueError");
}

#[emits(Called, Left)]
fn recursive(n: u32) -> u32 {
    if n == 0 {
        0
    } else {
        n + recursive(n - 1)
    }
}

#[test]
fn recursion_emits_per_call() {
    let recorder = Recorder::new();
    let _guard = recorder.install_scoped();
    assert_eq!(recursive(3), 6);
    recorder.assert_sequence(&[Called, Called, Called, Called, Left, Left, Left, Left]);
}

#[test]
fn a_panicking_body_emits_nothing_after_entry() {
    #[emits(Called, Returned, Left)]
    fn explode() -> u8 {
        panic!("boom")
    }
    let recorder = Recorder::new();
    let _guard = recorder.install_scoped();
    assert!(std::panic::catch_unwind(explode).is_err());
    recorder.assert_sequence(&[Called]);
}

/// # Safety
/// `ptr` must point to a live `u32`.
#[allow(unsafe_code)]
#[emits(Called, Returned)]
unsafe fn read_raw(ptr: *const u32) -> u32 {
    // SAFETY: the caller promises `ptr` is valid.
    unsafe { *ptr }
}

/// # Safety
/// `ptr` must point to a live `u32`.
#[allow(unsafe_code)]
#[emits(Called, Returned)]
async unsafe fn read_raw_later(ptr: *const u32) -> u32 {
    // SAFETY: the caller promises `ptr` is valid.
    unsafe { *ptr }
}

#[test]
#[allow(unsafe_code)]
fn unsafe_and_async_unsafe_functions() {
    use std::future::Future;
    let recorder = Recorder::new();
    let _guard = recorder.install_scoped();
    let value = 41u32;
    // SAFETY: `value` lives across both calls.
    assert_eq!(unsafe { read_raw(&value) }, 41);
    // SAFETY: as above; the future is polled to completion at once.
    let future = unsafe { read_raw_later(&value) };
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert_eq!(future.as_mut().poll(&mut cx), std::task::Poll::Ready(41));
    recorder.assert_sequence(&[Called, Returned, Called, Returned]);
}

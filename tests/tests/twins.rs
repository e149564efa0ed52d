//! Shapes that must compile and behave under `#[emits]` exactly as without
//! it: each is written twice, annotated and plain, and both are run.

// The twins compile clean under every warning and clippy's pedantic set:
// what the attribute generates must never warn in a user's crate.
#![deny(warnings)]
#![deny(clippy::pedantic)]

mod support;
use support::block_on;

use eventwire::{emits, EventType, HasBus, Recorder, SharedBus};
use std::cell::Cell;
use std::fmt::{Debug, Display};
use std::future::Future;
use std::pin::Pin;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    Called,
    Returned,
    #[event(on = err)]
    Failed,
}

use EventType::*;

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[derive(HasBus)]
struct Svc {
    bus: Option<SharedBus<EventType>>,
    name: String,
    bytes: [u8; 3],
}

impl Svc {
    fn new(recorder: &Recorder<EventType>) -> Svc {
        Svc {
            bus: Some(recorder.bus()),
            name: "grep".to_owned(),
            bytes: [1, 2, 3],
        }
    }

    // ---- async returns that rely on a coercion ----

    // `unused_async` fires on both twins alike (tests/lint-twins checks that).
    #[allow(clippy::unused_async)]
    async fn name_plain(&self) -> &str {
        &self.name
    }

    #[allow(clippy::unused_async)]
    #[emits(Called, Returned)]
    async fn name(&self) -> &str {
        &self.name
    }

    #[emits(Called, Returned)]
    async fn name_early(&self, early: bool) -> &str {
        if early {
            return &self.name;
        }
        tokio::task::yield_now().await;
        &self.name[1..]
    }

    #[emits(Called, Returned)]
    async fn boxed(&self) -> Box<dyn Display> {
        tokio::task::yield_now().await;
        Box::new(self.bytes.len())
    }

    #[emits(Called, Returned)]
    async fn slice(&self) -> &[u8] {
        tokio::task::yield_now().await;
        &self.bytes
    }

    // ---- futures that must not borrow the receiver ----

    fn len_plain(&self) -> Pin<Box<dyn Future<Output = usize>>> {
        let n = self.name.len();
        Box::pin(async move { n })
    }

    #[emits(Called, Returned)]
    fn len(&self) -> Pin<Box<dyn Future<Output = usize>>> {
        let n = self.name.len();
        Box::pin(async move { n })
    }

    #[emits(Called, Returned, fields(label = %label))]
    fn labelled(&self, label: &str) -> Pin<Box<dyn Future<Output = u8> + Send>> {
        Box::pin(async { 7 })
    }

    #[emits(Called, Returned)]
    #[allow(clippy::manual_async_fn)] // the shape under test
    fn later(&self) -> impl Future<Output = u32> {
        let n = u32::from(self.bytes[0]);
        async move { n }
    }
}

// ---- Result<impl Trait, E> whatever E renders as ----

#[derive(Debug, PartialEq)]
struct DebugOnly;

#[derive(PartialEq)]
struct Neither;

fn evens_plain(fail: bool) -> Result<impl Iterator<Item = u8>, ()> {
    if fail {
        return Err(());
    }
    Ok((0..6).filter(|n| n % 2 == 0))
}

#[emits(Called, Returned, Failed)]
fn evens(fail: bool) -> Result<impl Iterator<Item = u8>, ()> {
    if fail {
        return Err(());
    }
    Ok((0..6).filter(|n| n % 2 == 0))
}

#[emits(Called, Returned, Failed)]
async fn evens_async(fail: bool) -> Result<impl Iterator<Item = u8>, DebugOnly> {
    tokio::task::yield_now().await;
    if fail {
        return Err(DebugOnly);
    }
    Ok((0..6).filter(|n| n % 2 == 0))
}

#[emits(Called, Returned, Failed)]
fn opaque(fail: bool) -> Result<u8, Neither> {
    if fail {
        Err(Neither)
    } else {
        Ok(1)
    }
}

// ---- a trait default method returning a Send future, for a !Sync type ----

trait Job: HasBus<EventType> {
    #[emits(Called, Returned)]
    fn run(&self) -> impl Future<Output = u8> + Send {
        async { 1 }
    }
}

#[derive(HasBus)]
struct NotSync {
    bus: Option<SharedBus<EventType>>,
    seen: Cell<u8>,
}

impl Job for NotSync {}

// ---- #[track_caller] ----

#[track_caller]
#[emits(Returned)]
fn whence() -> u32 {
    std::panic::Location::caller().line()
}

#[test]
fn async_returns_coerce_as_they_would() {
    let recorder = Recorder::new();
    let svc = Svc::new(&recorder);
    let _default = recorder.install_scoped();
    assert_eq!(block_on(svc.name()), block_on(svc.name_plain()));
    assert_eq!(block_on(svc.name_early(true)), "grep");
    assert_eq!(block_on(svc.name_early(false)), "rep");
    assert_eq!(block_on(svc.boxed()).to_string(), "3");
    assert_eq!(block_on(svc.slice()), &[1, 2, 3]);
    assert_eq!(recorder.count(Returned), 5);
}

#[test]
fn futures_are_prepared_when_called_and_borrow_nothing() {
    let recorder = Recorder::new();
    let svc = Svc::new(&recorder);
    // `later` borrows the receiver in edition 2024 (its `impl Future`
    // captures every lifetime), as its plain twin would.
    assert_eq!(block_on(svc.later()), 1);
    let future = {
        let len = svc.len();
        let labelled = assert_send(svc.labelled(&String::from("temp")));
        assert_eq!(block_on(svc.len_plain()), 4);
        // The receiver and the label are gone; the futures still run.
        drop(svc);
        async move { (len.await, labelled.await) }
    };
    recorder.assert_sequence(&[Called, Returned]);
    assert_eq!(block_on(future), (4, 7));
    recorder.assert_sequence(&[Called, Returned, Called, Returned, Called, Returned]);
    recorder.assert_field(Called, "label", "temp");
}

#[test]
fn an_error_of_any_kind_is_an_error() {
    let recorder = Recorder::new();
    let _default = recorder.install_scoped();
    assert_eq!(
        evens(false).unwrap().collect::<Vec<_>>(),
        evens_plain(false).unwrap().collect::<Vec<_>>()
    );
    assert!(evens(true).is_err());
    assert!(block_on(evens_async(true)).is_err());
    assert!(opaque(true).is_err());
    let errors: Vec<String> = recorder
        .of(Failed)
        .into_iter()
        .filter_map(|e| e.error)
        .collect();
    assert_eq!(
        errors,
        ["()", "DebugOnly", "an error without Display or Debug"]
    );
}

#[test]
fn a_trait_default_method_returns_a_send_future_for_a_type_that_is_not_sync() {
    let recorder = Recorder::new();
    let job = NotSync {
        bus: Some(recorder.bus()),
        seen: Cell::new(0),
    };
    let future = assert_send(job.run());
    job.seen.set(1);
    assert_eq!(block_on(future), 1);
    recorder.assert_sequence(&[Called, Returned]);
}

#[test]
fn track_caller_still_sees_the_caller() {
    let recorder = Recorder::new();
    let _default = recorder.install_scoped();
    let line = line!() + 1;
    let reported = whence();
    assert_eq!(reported, line);
    recorder.assert_emitted(Returned);
}

#[test]
fn debug_of_the_twins_agrees() {
    fn show(value: &impl Debug) -> String {
        format!("{value:?}")
    }
    assert_eq!(show(&evens(true).err()), show(&evens_plain(true).err()));
}

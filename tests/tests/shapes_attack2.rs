//! The second round of ordinary function shapes tried against `#[emits]`
//! (the first is `shapes_attack.rs`): each module has an annotated function
//! and its plain twin, which must compile, warn, lint, return and drop
//! alike. The file denies warnings and clippy's pedantic lints, so that a
//! lint the expansion adds fails the build. Modules under `#[cfg(any())]`
//! are shapes that still differ; each is listed under Limitations in the
//! README.

#![deny(warnings)]
#![deny(clippy::pedantic)]

mod support;
use support::block_on;

use eventwire::{emits, EventType, Recorder};
use std::cell::RefCell;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    Called,
    Returned,
    #[event(on = body)]
    Stepped,
}

use EventType::*;

// ---- a drop log, to compare the order in which values drop ----

thread_local! {
    static DROPS: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

#[derive(Debug)]
struct Noisy(&'static str);

impl Drop for Noisy {
    fn drop(&mut self) {
        DROPS.with(|d| d.borrow_mut().push(self.0));
    }
}

fn drops() -> Vec<&'static str> {
    DROPS.with(|d| std::mem::take(&mut *d.borrow_mut()))
}

// ---- b1: a partial move out of a `Box` argument (drop order) ----
//
// Edition 2021 closures capture disjoint fields, but a by-value capture
// that goes through a deref (here the `Box`'s) is truncated at it: the
// body's closure (shape.rs:180, not `move`) takes the whole `Box<Pair>`,
// and what is left of it (`second`) drops when the closure returns, before
// `_last`, which drops with the function. Expected plain order:
// first, last, second; suspected annotated order: first, second, last.
// FAILS, documented under Limitations in the README (a partial move out of a `Box` argument).
#[cfg(any())]
mod b1_partial_move_out_of_a_boxed_argument {
    use super::*;

    #[allow(dead_code)] // `second` is only dropped
    struct Pair {
        first: Noisy,
        second: Noisy,
    }

    fn args() -> (Box<Pair>, Noisy) {
        (
            Box::new(Pair {
                first: Noisy("first"),
                second: Noisy("second"),
            }),
            Noisy("last"),
        )
    }

    #[allow(clippy::needless_pass_by_value, clippy::boxed_local)]
    fn take_first_plain(b: Box<Pair>, _last: Noisy) -> &'static str {
        let first = b.first;
        first.0
    }

    #[allow(clippy::needless_pass_by_value, clippy::boxed_local)]
    #[emits(Called, Returned)]
    fn take_first(b: Box<Pair>, _last: Noisy) -> &'static str {
        let first = b.first;
        first.0
    }

    #[test]
    fn a_partial_move_out_of_a_boxed_argument_keeps_the_drop_order() {
        let _ = drops();
        let (b, last) = args();
        let plain = take_first_plain(b, last);
        let plain_drops = drops();
        // Without a bus: the closure is called inline.
        let (b, last) = args();
        assert_eq!(take_first(b, last), plain);
        assert_eq!(drops(), plain_drops, "no bus");
        // With one: through `run`.
        let recorder = Recorder::<EventType>::new();
        let _guard = recorder.install_scoped();
        let (b, last) = args();
        assert_eq!(take_first(b, last), plain);
        assert_eq!(drops(), plain_drops, "with a bus");
        recorder.assert_sequence(&[Called, Returned]);
    }
}

// ---- b2: an awaiting `async fn` with an argument its body never names ----
//
// `params::hold_parameters` (params.rs:413-419) holds in the body's
// `async move` block only the arguments the tokens name (or `_*` ones).
// The held ones drop when that block completes, inside the function; the
// others drop later, when the function's own future ends. Plain: in
// reverse order of declaration (ignored, used); suspected: used, ignored.
// FAILS, documented under Limitations in the README (an awaiting `async fn` argument the body never names).
#[cfg(any())]
mod b2_async_argument_the_body_never_names {
    use super::*;

    #[allow(unused_variables, clippy::needless_pass_by_value)]
    async fn first_plain(used: Noisy, ignored: Noisy) -> &'static str {
        tokio::task::yield_now().await;
        used.0
    }

    #[allow(unused_variables, clippy::needless_pass_by_value)]
    #[emits(Called, Returned)]
    async fn first(used: Noisy, ignored: Noisy) -> &'static str {
        tokio::task::yield_now().await;
        used.0
    }

    #[test]
    fn an_argument_the_body_never_names_drops_in_its_place() {
        let _ = drops();
        assert_eq!(
            block_on(first_plain(Noisy("used"), Noisy("ignored"))),
            "used"
        );
        let plain = drops();
        assert_eq!(block_on(first(Noisy("used"), Noisy("ignored"))), "used");
        assert_eq!(drops(), plain);
    }
}

// ---- an awaiting `async fn` whose arguments only a format string names ----
//
// `format!("{a}{b}")` names them inside a string literal: they are held
// whole like any named argument, and drop in reverse order of declaration.
mod b6_arguments_named_only_in_a_format_string {
    use super::*;

    async fn greet_plain(a: Noisy, b: Noisy) -> String {
        tokio::task::yield_now().await;
        format!("{}{}", a.0, b.0).chars().rev().collect::<String>() + &format!("{a:?}{b:?}")
    }

    #[emits(Called, Returned)]
    async fn greet(a: Noisy, b: Noisy) -> String {
        tokio::task::yield_now().await;
        format!("{}{}", a.0, b.0).chars().rev().collect::<String>() + &format!("{a:?}{b:?}")
    }

    async fn names_plain(a: Noisy, b: Noisy) -> usize {
        tokio::task::yield_now().await;
        format!("{a:?}{b:>8?}").len()
    }

    #[emits(Called, Returned)]
    async fn names(a: Noisy, b: Noisy) -> usize {
        tokio::task::yield_now().await;
        format!("{a:?}{b:>8?}").len()
    }

    #[test]
    fn arguments_named_in_a_format_string_drop_in_order() {
        let _ = drops();
        let plain = block_on(greet_plain(Noisy("a"), Noisy("b")));
        let plain_drops = drops();
        assert_eq!(block_on(greet(Noisy("a"), Noisy("b"))), plain);
        assert_eq!(drops(), plain_drops);
        let plain = block_on(names_plain(Noisy("a"), Noisy("b")));
        let plain_drops = drops();
        assert_eq!(plain_drops, ["b", "a"]);
        assert_eq!(block_on(names(Noisy("a"), Noisy("b"))), plain);
        assert_eq!(drops(), plain_drops);
    }
}

// ---- b3 / k1: a macro that `flow` does not know (flow.rs:240-244) ----
//
// Any macro outside `PLAIN_MACROS` counts as "may return early and may
// await". b3: a `#[track_caller]` body then runs in the closure
// (expand.rs:441), so `Location::caller()` (and an `unwrap` panic) reports
// the body's line, not the caller's; the README only says so for `?` and
// `return`. k1: an `async fn` that never awaits gets the awaiting shape,
// whose generated `.await` silences `clippy::unused_async` (the README
// says it still fires): under clippy the annotated `#[expect]` is
// unfulfilled.
// FAILS, documented under Limitations in the README (`#[track_caller]` with a macro call).
#[cfg(any())]
mod b3_k1_a_macro_flow_does_not_know {
    use super::*;
    use std::panic::Location;

    macro_rules! twice {
        ($e:expr) => {
            $e * 2
        };
    }

    #[track_caller]
    fn located_plain(n: u32) -> (u32, u32) {
        (twice!(n), Location::caller().line())
    }

    #[track_caller]
    #[emits(Called, Returned)]
    fn located(n: u32) -> (u32, u32) {
        (twice!(n), Location::caller().line())
    }

    #[expect(clippy::unused_async)]
    async fn doubled_plain(n: u32) -> u32 {
        twice!(n)
    }

    #[expect(clippy::unused_async)]
    #[emits(Called, Returned)]
    async fn doubled(n: u32) -> u32 {
        twice!(n)
    }

    #[test]
    fn track_caller_still_sees_the_caller_behind_a_macro() {
        let line = line!() + 1;
        let plain = located_plain(1);
        assert_eq!(plain, (2, line));
        let line = line!() + 1;
        let annotated = located(1);
        assert_eq!(annotated, (2, line));
        assert_eq!(block_on(doubled(2)), block_on(doubled_plain(2)));
    }
}

// ---- b4: a `Result` behind `-> impl Trait` (events only) ----
//
// `nameable` (expand.rs:45-61) writes the body's type as `_`, so the
// outcome probe (shape.rs:76-80) sees the hidden type: an `Err` returned
// as `impl Debug` suppresses the `ok` event, although the function's
// declared type is not a `Result` (DESIGN: decided by the type system).
mod b4_result_behind_impl_trait {
    use super::*;
    use std::fmt::Debug;

    fn hidden_plain() -> impl Debug {
        Err::<u8, String>("no".to_owned())
    }

    #[emits(Called, Returned)]
    fn hidden() -> impl Debug {
        Err::<u8, String>("no".to_owned())
    }

    #[test]
    fn an_opaque_return_is_not_a_result() {
        let recorder = Recorder::<EventType>::new();
        let _guard = recorder.install_scoped();
        assert_eq!(format!("{:?}", hidden()), format!("{:?}", hidden_plain()));
        recorder.assert_sequence(&[Called, Returned]);
    }
}

// ---- b5: `emit!` among the tokens of `stringify!` ----
//
// The body walk (grammar syntax/emit.rs:226-285) rewrites `emit!` inside
// every macro's tokens, so the text `stringify!` makes changes.
// FAILS, documented under Limitations in the README (`emit!` inside another macro that does not run it).
#[cfg(any())]
mod b5_emit_inside_stringify {
    use super::*;

    fn spelled_plain() -> &'static str {
        stringify!(emit!(Stepped))
    }

    #[emits(Called, Stepped)]
    fn spelled() -> &'static str {
        stringify!(emit!(Stepped))
    }

    #[test]
    fn stringify_keeps_its_text() {
        assert_eq!(spelled(), spelled_plain());
    }
}

// ---- c1: a `#[cfg]`-removed argument of an awaiting `async fn` ----
//
// `pass_by_value` skips parameters with attributes (params.rs:513), but
// `hold_parameters` (params.rs:398-421) does not: `_factor` (held because
// of its `_`) is named by `capture_whole(&_factor)` after the cfg removed
// it. Suspected: error[E0425] cannot find value `_factor`.
mod c1_cfg_removed_argument_of_an_awaiting_async_fn {
    use super::*;

    async fn scaled_plain(#[cfg(any())] _factor: u32, value: u32) -> u32 {
        tokio::task::yield_now().await;
        value
    }

    #[emits(Called, Returned)]
    async fn scaled(#[cfg(any())] _factor: u32, value: u32) -> u32 {
        tokio::task::yield_now().await;
        value
    }

    #[test]
    fn an_argument_a_cfg_removes() {
        assert_eq!(block_on(scaled(3)), block_on(scaled_plain(3)));
    }
}

// ---- c2: `emit!` in a `move` closure / `async move` block inside an
// expression-bodied closure that runs more than once ----
//
// The detached handle is made by a statement before the innermost
// *statement* (grammar syntax/emit.rs:333-351, body.rs:94-98): here the
// function's own `let`, outside the `map` closure. The `move` code moves
// the handle out of the `FnMut` closure. Suspected: error[E0507]/E0525.
mod c2_emit_in_move_code_inside_an_iterator_closure {
    use super::*;
    use eventwire::emit;

    fn spawn_each_plain(items: Vec<u32>) -> u32 {
        let handles: Vec<_> = items
            .into_iter()
            .map(|i| {
                std::thread::spawn(move || {
                    emit!(Stepped, i);
                    i
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    }

    #[emits(Called, Stepped)]
    fn spawn_each(items: Vec<u32>) -> u32 {
        let handles: Vec<_> = items
            .into_iter()
            .map(|i| {
                std::thread::spawn(move || {
                    emit!(Stepped, i);
                    i
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    }

    async fn join_each_plain(items: &[u32]) -> u32 {
        let futures: Vec<_> = items
            .iter()
            .map(|i| async move {
                emit!(Stepped, n = *i);
                *i
            })
            .collect();
        let mut sum = 0;
        for future in futures {
            sum += future.await;
        }
        sum
    }

    #[emits(Called, Stepped)]
    async fn join_each(items: &[u32]) -> u32 {
        let futures: Vec<_> = items
            .iter()
            .map(|i| async move {
                emit!(Stepped, n = *i);
                *i
            })
            .collect();
        let mut sum = 0;
        for future in futures {
            sum += future.await;
        }
        sum
    }

    #[test]
    fn move_code_inside_a_closure_that_runs_twice() {
        assert_eq!(spawn_each(vec![1, 2]), spawn_each_plain(vec![1, 2]));
        assert_eq!(
            block_on(join_each(&[1, 2])),
            block_on(join_each_plain(&[1, 2]))
        );
    }
}

// ---- c3: `emit!` before the `async` block a function returns ----
//
// For a function returning an `async` block the body walk still rewrites
// the statements before the block with the call's handle `eventwire_ref`
// (body.rs:99-106), but `prepared_call` (expand.rs:483-488) defines that
// handle only inside the block. Suspected: error[E0425] `eventwire_ref`.
mod c3_emit_before_a_returned_async_block {
    use super::*;
    use eventwire::emit;
    use std::future::Future;

    fn prepare_plain(n: u32) -> impl Future<Output = u32> {
        if n == 0 {
            emit!(Stepped, reason = "empty");
        }
        async move { n + 1 }
    }

    #[emits(Called, Returned, Stepped)]
    fn prepare(n: u32) -> impl Future<Output = u32> {
        if n == 0 {
            emit!(Stepped, reason = "empty");
        }
        async move { n + 1 }
    }

    #[test]
    fn an_emit_before_the_async_block() {
        assert_eq!(block_on(prepare(0)), block_on(prepare_plain(0)));
        // It publishes when the function is called, before the call's
        // `entry` (at the first poll), through the call's bus.
        let recorder = Recorder::<EventType>::new();
        let _guard = recorder.install_scoped();
        let future = prepare(0);
        recorder.assert_sequence(&[Stepped]);
        assert_eq!(block_on(future), 1);
        recorder.assert_sequence(&[Stepped, Called, Returned]);
        let stepped = &recorder.events()[0];
        // In the caller's lineage: not caused by the `entry` event that
        // comes after it (or never, if the future is dropped unpolled).
        assert_eq!(stepped.causation_id, None);
        let dropped = Recorder::<EventType>::new();
        let _inner = dropped.install_scoped();
        drop(prepare(0));
        dropped.assert_sequence(&[Stepped]);
        assert_eq!(dropped.events()[0].causation_id, None);
        assert_eq!(
            stepped
                .fields
                .get("reason")
                .map(ToString::to_string)
                .as_deref(),
            Some("empty")
        );
        assert!(
            stepped.site.function.ends_with("prepare"),
            "{}",
            stepped.site.function
        );
    }
}

// ---- c4: `-> impl Trait` whose body always diverges (a stub) ----
//
// The closure's return type is `_` (expand.rs:45-61) and stays an
// inference variable when the body is `panic!()`/`todo!()`; the outcome
// closure's autoref probe (shape.rs:76-80, 209-212) then picks the
// `&Probe<Result<..>>` impl for it, leaving `T`/`E` unknown. Suspected:
// error[E0282]/E0283 type annotations needed (or E0277). Plain compiles
// (2021: the hidden type falls back to `()`, which is `Debug`; in 2024
// `-> impl Display { todo!() }` compiles too).
mod c4_impl_trait_return_whose_body_diverges {
    use super::*;
    use std::fmt::Debug;

    fn stub_plain() -> impl Debug {
        panic!("not yet")
    }

    #[emits(Called)]
    fn stub() -> impl Debug {
        panic!("not yet")
    }

    #[test]
    fn a_stub_that_returns_impl_trait() {
        let plain = std::panic::catch_unwind(|| {
            let _value = stub_plain();
        })
        .unwrap_err();
        let annotated = std::panic::catch_unwind(|| {
            let _value = stub();
        })
        .unwrap_err();
        assert_eq!(
            plain.downcast_ref::<&str>(),
            annotated.downcast_ref::<&str>()
        );
    }
}

// ---- c5: a nested receiver in a trait default method ----
//
// `receiver_ref` (expand.rs:84-97) hands `&*self` to the lookup: for
// `self: &Rc<Self>` that is `&Rc<Self>`, and `HasBus` for `Rc<T>`/`Arc<T>`
// needs `T: Sized` (runtime bus.rs:300, 313), which `Self` in a trait is
// not. Suspected: error[E0277] the size for values of type `Self`.
mod c5_nested_receiver_in_a_trait_default_method {
    use super::*;
    use eventwire::{HasBus, SharedBus};
    use std::rc::Rc;

    trait Counter: HasBus<EventType> {
        fn count(&self) -> u32;

        fn shared_count_plain(self: &Rc<Self>) -> u32 {
            self.count() + 1
        }

        #[emits(Called, Returned)]
        fn shared_count(self: &Rc<Self>) -> u32 {
            self.count() + 1
        }
    }

    #[derive(HasBus)]
    struct Tally {
        bus: Option<SharedBus<EventType>>,
    }

    impl Counter for Tally {
        fn count(&self) -> u32 {
            2
        }
    }

    #[test]
    fn a_receiver_behind_a_reference_to_an_rc() {
        let recorder = Recorder::<EventType>::new();
        let tally = Rc::new(Tally {
            bus: Some(recorder.bus()),
        });
        assert_eq!(tally.shared_count(), tally.shared_count_plain());
        recorder.assert_sequence(&[Called, Returned]);
    }
}

// ---- c6: `emit!` in a non-`move` closure that must be `'static` ----
//
// Only `move` closures, `async` blocks and macro tokens get a detached
// handle (grammar syntax/emit.rs:317-331); a plain closure that captures
// nothing is `'static`, but with the attribute it borrows the local
// `eventwire_ref`. Suspected: error[E0373] closure may outlive the
// current function.
#[cfg(any())] // documented under Limitations in the README
mod c6_emit_in_a_non_move_thread_closure {
    use super::*;
    use eventwire::emit;

    fn start_plain() -> std::thread::JoinHandle<()> {
        std::thread::spawn(|| {
            emit!(Stepped);
        })
    }

    #[emits(Called, Stepped)]
    fn start() -> std::thread::JoinHandle<()> {
        std::thread::spawn(|| {
            emit!(Stepped);
        })
    }

    #[test]
    fn a_thread_closure_without_move() {
        assert!(start_plain().join().is_ok());
        assert!(start().join().is_ok());
    }
}

// ---- c7: a macro of one's own named `emit` ----
//
// `is_emit_path` (grammar syntax/emit.rs:110-120) takes any `emit!` for
// eventwire's and parses it: `emit!(count)` becomes event `count`, "not
// listed in this function's #[emits(..)]".
#[cfg(any())] // documented under Limitations in the README
mod c7_a_macro_of_ones_own_named_emit {
    use super::EventType;
    use eventwire::emits;

    macro_rules! emit {
        ($counter:ident) => {
            $counter += 1
        };
    }

    fn tally_plain(n: u32) -> u32 {
        let mut count = n;
        emit!(count);
        count
    }

    #[emits(Called)]
    fn tally(n: u32) -> u32 {
        let mut count = n;
        emit!(count);
        count
    }

    #[test]
    fn a_local_emit_macro() {
        assert_eq!(tally(1), tally_plain(1));
    }
}

// ---- c8: a `ret(..)` expression handed to `macro_rules!` as `$e:expr` ----
//
// `ret` is bound with `Span::call_site()` (shape.rs:125-130), which inside
// a `macro_rules!` expansion carries that macro's hygiene; the caller's
// `*ret` does not. Suspected: error[E0425] cannot find value `ret`.
#[cfg(any())] // documented under Limitations in the README
mod c8_ret_expression_from_a_macro_caller {
    use super::*;

    macro_rules! counted {
        ($name:ident, $field:expr) => {
            #[emits(Called, Returned, ret(n = $field))]
            fn $name() -> u32 {
                4
            }
        };
    }

    counted!(four, *ret);

    #[test]
    fn a_ret_field_from_the_caller() {
        let recorder = Recorder::<EventType>::new();
        let _guard = recorder.install_scoped();
        assert_eq!(four(), 4);
        recorder.assert_field(Returned, "n", 4);
    }
}

// ---- e1: `unused_qualifications` where the variants are imported ----
//
// Generated paths `EventType::Called` carry the user's spans (the enum
// name is spanned at the first event, expand.rs:115-122; the variant path
// at each event, expand.rs:222, 227, 267; site.rs:152-155;
// emit/expand.rs:62), so rustc's `unused_qualifications`, which skips
// only spans from expansions, fires when `Called` is in scope by itself.
// The lint-check crate denies this lint but never imports the variants
// where its annotated functions are.
#[deny(unused_qualifications)]
mod e1_variants_imported_by_name {
    use super::EventType::{self, Called, Returned, Stepped};
    use eventwire::{emit, emits};

    pub(super) fn describe(event: EventType) -> &'static str {
        match event {
            Called => "called",
            Returned => "returned",
            Stepped => "stepped",
        }
    }

    #[emits(Called, Returned, Stepped)]
    pub(super) fn next(n: u32) -> u32 {
        emit!(Stepped, n);
        n + 1
    }

    #[test]
    fn imported_variants() {
        assert_eq!(next(1), 2);
        assert_eq!(describe(Called), "called");
    }
}

// ---- l1: a `#[track_caller]` body that always panics ----
//
// It cannot leave early, so it runs inline (shape.rs:147-163):
// `let eventwire_ret: u8 = { panic!(..) };` and the statements after it
// are unreachable: `unreachable_code`, reported in the attribute's
// expansion as round one saw for `-> $ret` = `!`. Plain: no warning.
mod l1_track_caller_body_that_always_panics {
    use super::*;

    #[track_caller]
    fn refuse_plain(code: u8) -> u8 {
        panic!("refused {code}")
    }

    #[track_caller]
    #[emits(Called, Returned)]
    fn refuse(code: u8) -> u8 {
        panic!("refused {code}")
    }

    #[test]
    fn a_helper_that_always_panics() {
        let plain = std::panic::catch_unwind(|| refuse_plain(1)).unwrap_err();
        let annotated = std::panic::catch_unwind(|| refuse(1)).unwrap_err();
        assert_eq!(
            plain.downcast_ref::<String>(),
            annotated.downcast_ref::<String>()
        );
    }
}

// ---- l2: an uninhabited return type that is not spelled `!` ----
//
// `never_returns` is syntactic (expand.rs:63-72, 175), so `-> Infallible`
// takes the ordinary shape: the call of the body's closure returns an
// uninhabited type and liveness warns that what follows it
// (shape.rs:214-218) is unreachable. Plain: no warning.
mod l2_uninhabited_return_type {
    use super::*;
    use std::convert::Infallible;

    fn serve_plain(limit: u32) -> Infallible {
        let mut served = 0;
        loop {
            served += 1;
            assert!(served < limit, "stopped after {served}");
        }
    }

    #[emits(Called)]
    fn serve(limit: u32) -> Infallible {
        let mut served = 0;
        loop {
            served += 1;
            assert!(served < limit, "stopped after {served}");
        }
    }

    #[test]
    fn a_server_loop_returning_infallible() {
        let plain = std::panic::catch_unwind(|| serve_plain(3)).unwrap_err();
        let annotated = std::panic::catch_unwind(|| serve(3)).unwrap_err();
        assert_eq!(
            plain.downcast_ref::<String>(),
            annotated.downcast_ref::<String>()
        );
    }
}

// ---- a `move` closure argument typed by a later argument ----
//
// A closure argument is type-checked after the other arguments, so its
// parameter's type may come from one after it: the closure stays a closure
// argument under the attribute.
mod c9_move_closure_typed_by_a_later_argument {
    use super::*;
    use eventwire::emit;

    #[allow(clippy::needless_pass_by_value)]
    fn apply<T, F: Fn(&T) -> usize>(f: F, item: T) -> usize {
        f(&item)
    }

    fn measure_plain(s: String) -> usize {
        apply(
            move |x| {
                let _ = "no emit! here";
                x.len()
            },
            s,
        )
    }

    #[emits(Called, Stepped)]
    fn measure(s: String) -> usize {
        apply(
            move |x| {
                emit!(Stepped);
                x.len()
            },
            s,
        )
    }

    #[test]
    fn a_closure_argument_keeps_its_inference() {
        let recorder = Recorder::<EventType>::new();
        let _guard = recorder.install_scoped();
        assert_eq!(measure("abc".into()), measure_plain("abc".into()));
        recorder.assert_sequence(&[Called, Stepped]);
    }
}

// ---- a `#[track_caller]` stub that may return before its panic ----
mod l3_track_caller_stub_that_returns_early {
    use super::*;

    #[track_caller]
    #[allow(clippy::unnecessary_wraps)]
    fn get_plain(k: u32) -> Result<u32, String> {
        if k == 0 {
            return Ok(0);
        }
        todo!("{k}")
    }

    #[track_caller]
    #[allow(clippy::unnecessary_wraps)]
    #[emits(Called, Returned)]
    fn get(k: u32) -> Result<u32, String> {
        if k == 0 {
            return Ok(0);
        }
        todo!("{k}")
    }

    #[test]
    fn its_early_return_still_fires_the_ok_event() {
        let recorder = Recorder::<EventType>::new();
        let _guard = recorder.install_scoped();
        assert_eq!(get(0), get_plain(0));
        recorder.assert_sequence(&[Called, Returned]);
        assert!(std::panic::catch_unwind(|| get(1)).is_err());
        recorder.assert_sequence(&[Called, Returned, Called]);
    }
}

// ---- k2: a body that begins with an item (clippy only) ----
//
// Generated statements go before the user's: `let eventwire_ref = ..;
// consume(..);` in the closure's block, which keeps the user's braces
// (shape.rs:168-171); the return-type edge and the holds in an awaiting
// body (shape.rs:299); the prepared call before a returned `async` block
// (expand.rs:485-487). `clippy::items_after_statements` (pedantic) then
// fires on the user's leading `const`; it does not on the plain twins.
mod k2_body_that_begins_with_an_item {
    use super::*;
    use std::future::Future;

    fn stepped_plain(n: u32) -> u32 {
        const STEP: u32 = 3;
        n + STEP
    }

    #[emits(Called, Returned)]
    fn stepped(n: u32) -> u32 {
        const STEP: u32 = 3;
        n + STEP
    }

    #[emits(Called, Returned)]
    async fn stepped_async(n: u32) -> u32 {
        const STEP: u32 = 3;
        tokio::task::yield_now().await;
        n + STEP
    }

    #[emits(Called, Returned)]
    fn stepped_later(n: u32) -> impl Future<Output = u32> {
        const STEP: u32 = 3;
        async move { n + STEP }
    }

    /// A field may name an item of the body.
    #[emits(Called, Returned, fields(step = STEP))]
    fn stepped_field(n: u32) -> u32 {
        const STEP: u32 = 3;
        n + STEP
    }

    #[emits(Called, Returned, fields(step = STEP))]
    async fn stepped_field_async(n: u32) -> u32 {
        const STEP: u32 = 3;
        tokio::task::yield_now().await;
        n + STEP
    }

    #[emits(Called, Returned, fields(step = STEP))]
    fn stepped_field_later(n: u32) -> impl Future<Output = u32> {
        const STEP: u32 = 3;
        async move { n + STEP }
    }

    #[test]
    fn leading_items() {
        let recorder = Recorder::<EventType>::new();
        let _guard = recorder.install_scoped();
        assert_eq!(stepped_field(1), 4);
        assert_eq!(block_on(stepped_field_async(1)), 4);
        assert_eq!(block_on(stepped_field_later(1)), 4);
        recorder.assert_field(Called, "step", 3);
        assert_eq!(recorder.events().len(), 6);
        assert_eq!(stepped(1), stepped_plain(1));
        assert_eq!(block_on(stepped_async(1)), 4);
        assert_eq!(block_on(stepped_later(1)), 4);
    }
}

// ---- k3: lints about the function's returns (clippy only) ----
//
// The function's tail is now generated code, so lints that read the
// function's return expressions no longer fire:
// `clippy::unnecessary_wraps` (pedantic) checks them and gives up on
// `from_expansion` ones. Under clippy the annotated `#[expect]` is
// unfulfilled.
// Documented under Limitations in the README.
#[cfg(any())]
mod k3_lints_that_read_the_returns {
    use super::*;

    #[expect(clippy::unnecessary_wraps)]
    fn bumped_plain(n: u32) -> Option<u32> {
        Some(n + 1)
    }

    #[expect(clippy::unnecessary_wraps)]
    #[emits(Called, Returned)]
    fn bumped(n: u32) -> Option<u32> {
        Some(n + 1)
    }

    #[test]
    fn always_some() {
        assert_eq!(bumped(1), bumped_plain(1));
    }
}

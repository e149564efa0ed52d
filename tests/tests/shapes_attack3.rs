//! The third round of ordinary function shapes tried against `#[emits]`
//! (after `shapes_attack.rs` and `shapes_attack2.rs`): each module has an
//! annotated function and its plain twin, which must compile, return and
//! be `Send` alike. The file denies warnings and clippy's pedantic lints.

#![deny(warnings)]
#![deny(clippy::pedantic)]

mod support;
use support::block_on;

use eventwire::{emits, EventType, Recorder};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    Called,
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

// ---- c1: a returned non-`move` `async` block that captures a field of a
// `&mut` argument: `Send` when only that field is, as without the
// attribute (the expansion's block took the whole `&mut` before). ----
mod c1_returned_block_keeps_its_capture {
    use super::*;
    use std::future::Future;
    use std::rc::Rc;

    pub struct Held {
        pub list: Vec<u32>,
        pub local: Rc<u32>,
    }

    // (`manual_async_fn` does not fire on the annotated twin: Limitations.)
    #[allow(clippy::manual_async_fn)]
    fn push_plain(held: &mut Held) -> impl Future<Output = usize> + Send + '_ {
        async {
            held.list.push(1);
            held.list.len()
        }
    }

    #[emits(Called)]
    fn push(held: &mut Held) -> impl Future<Output = usize> + Send + '_ {
        async {
            held.list.push(1);
            held.list.len()
        }
    }

    #[test]
    fn both_are_send_and_return_alike() {
        let mut a = Held {
            list: Vec::new(),
            local: Rc::new(1),
        };
        let mut b = Held {
            list: Vec::new(),
            local: Rc::new(1),
        };
        let recorder = Recorder::<EventType>::new();
        let _default = recorder.install_scoped();
        assert_eq!(block_on(assert_send(push_plain(&mut a))), 1);
        assert_eq!(block_on(assert_send(push(&mut b))), 1);
        assert_eq!((*a.local, *b.local), (1, 1));
        assert_eq!(recorder.kinds(), [EventType::Called]);
    }
}

mod events {
    pub use super::EventType;
}

// ---- c2: the enum brought in by a `use` at the top of a synchronous
// body (not in scope around the function). ----
mod c2_a_use_of_the_enum_inside_the_body {
    #[allow(clippy::unnecessary_wraps)]
    fn plain(n: u32) -> Option<u32> {
        use crate::events::EventType;
        let _ = EventType::Called;
        Some(n + 1)
    }

    #[eventwire::emits(Called)]
    fn annotated(n: u32) -> Option<u32> {
        use crate::events::EventType;
        let _ = EventType::Called;
        Some(n + 1)
    }

    #[test]
    fn both_compile_and_return_alike() {
        assert_eq!(plain(1), annotated(1));
    }
}

// ---- c3: a returned closure whose parameter types come from the
// declared `impl Fn(..)` (a closure around the body would hide them): the
// body is the function's own tail. Its `ok` event fires once it returns,
// none when it panics. ----
mod c3_returned_closures_inferred_from_the_return_type {
    use super::*;

    pub struct User {
        pub name: String,
    }

    fn by_len_plain() -> impl Fn(&str) -> usize {
        |s| s.len()
    }

    #[emits(Called)]
    fn by_len() -> impl Fn(&str) -> usize {
        |s| s.len()
    }

    fn is_named_plain(n: String) -> impl Fn(&User) -> bool {
        move |u| u.name == n
    }

    #[emits(Called)]
    fn is_named(n: String) -> impl Fn(&User) -> bool {
        move |u| u.name == n
    }

    #[emits(Called)]
    #[track_caller]
    fn located() -> impl Fn() -> u32 {
        let line = std::panic::Location::caller().line();
        move || line
    }

    #[emits(Called)]
    fn fails(fail: bool) -> impl Fn(&str) -> usize {
        assert!(!fail, "no closure today");
        |s| s.len()
    }

    #[test]
    fn both_infer_and_the_events_fire_on_return_only() {
        let recorder = Recorder::<EventType>::new();
        let _default = recorder.install_scoped();
        assert_eq!(by_len_plain()("abc"), by_len()("abc"));
        let user = User {
            name: "ada".to_owned(),
        };
        assert_eq!(
            is_named_plain("ada".to_owned())(&user),
            is_named("ada".to_owned())(&user)
        );
        assert_eq!(recorder.kinds(), [EventType::Called, EventType::Called]);
        let line = line!() + 1;
        assert_eq!(located()(), line);
        let caught = std::panic::catch_unwind(|| fails(true)("x"));
        assert!(caught.is_err());
        assert_eq!(recorder.kinds().len(), 3, "a panicking body fires nothing");
        assert_eq!(fails(false)("ab"), 2);
        assert_eq!(recorder.kinds().len(), 4);
    }
}

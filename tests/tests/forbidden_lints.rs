//! The expansion needs no `allow` of `unused_imports`, which a crate may
//! forbid, adds no warning (`unused_braces`), and its marker type does not
//! take over a user's binding of the same name. The file forbids the lint
//! and denies warnings: it compiles, or the test fails to build.

#![forbid(unused_imports)]
#![deny(warnings)]

use eventwire::{emit, emits, EventType, Recorder};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    Started,
    Noted,
    #[event(on = entry)]
    Entered,
}

#[emits(Started)]
fn annotated(n: u32) -> u32 {
    n + 1
}

#[emits(Noted)]
fn emits_by_hand(n: u32) -> u32 {
    emit!(Noted, n = n);
    n
}

fn free_emit(n: u32) {
    emit!(Noted, n = n);
}

// A binding named like the expansion's marker type stays a binding (a
// unit struct of that name would make `let` a pattern against it).
#[allow(non_snake_case)]
#[emits(Started)]
fn binds_the_markers_name(x: u8) -> u8 {
    let __EventwireFunction = x;
    __EventwireFunction + 1
}

// A synchronous `-> impl Trait` body of one expression stays the
// function's own tail, without braces around it (`unused_braces`, which
// fires on a block written on one line).
#[emits(Started, Entered)]
#[rustfmt::skip]
fn one_expression_opaque() -> impl Iterator<Item = u8> { vec![1u8].into_iter() }

// The same of a `#[track_caller]` body, which runs inline.
#[emits(Started)]
#[track_caller]
#[rustfmt::skip]
fn one_expression_inline(x: u8) -> u8 { x + 1 }

#[test]
fn annotated_code_compiles_under_a_forbidden_unused_imports() {
    let recorder = Recorder::<EventType>::new();
    let _default = recorder.install_scoped();
    assert_eq!(annotated(1), 2);
    assert_eq!(emits_by_hand(3), 3);
    free_emit(4);
    assert_eq!(binds_the_markers_name(5), 6);
    assert_eq!(one_expression_opaque().count(), 1);
    assert_eq!(one_expression_inline(1), 2);
    recorder.assert_sequence(&[
        EventType::Started,
        EventType::Noted,
        EventType::Noted,
        EventType::Started,
        EventType::Entered,
        EventType::Started,
        EventType::Started,
    ]);
}

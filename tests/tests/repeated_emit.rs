//! An `emit!` that a `macro_rules!` repeats inside an `#[emits]` body is
//! one site: the attribute rewrites it before the macro expands, so the
//! macro repeats the registration of its one record. The registry lists
//! it once (and so does everything built on the registry: the coverage
//! check, the hits files), with the key of a site that has no twin (no
//! ordinal).

use eventwire::{emit, emits, EventType, Recorder};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = body)]
    Retried,
}

macro_rules! twice {
    ($e:expr) => {{
        $e;
        $e;
    }};
}

#[emits(Retried)]
fn run() {
    twice!(emit!(Retried));
}

#[test]
fn an_emit_a_macro_repeats_in_an_annotated_body_is_one_site() {
    let recorder = Recorder::<EventType>::new();
    let _default = recorder.install_scoped();
    run();
    recorder.assert_count(EventType::Retried, 2);
    let sites: Vec<_> = eventwire::registry::sites_of::<EventType>().collect();
    assert_eq!(sites.len(), 1, "listed {} times", sites.len());
    let key = sites[0].1.key().to_string();
    assert!(
        !key.contains('#'),
        "a site with no twin has no ordinal: {key}"
    );
}

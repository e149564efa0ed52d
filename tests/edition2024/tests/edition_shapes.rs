use eventwire::Recorder;
use eventwire_edition2024::{tail, EventType, Svc};
use std::sync::{Arc, Mutex};

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
fn use_bounds_and_default_captures_hold() {
    let recorder = Recorder::new();
    let (later, plain) = {
        let svc = Svc {
            bus: Some(recorder.bus()),
            n: 5,
        };
        assert_eq!(block_on(svc.borrowing()), 5);
        (svc.later(), svc.later_plain())
    };
    assert_eq!(block_on(later), block_on(plain));
    recorder.assert_sequence(&[
        EventType::Called,
        EventType::Returned,
        EventType::Called,
        EventType::Returned,
    ]);
}

#[test]
fn tail_temporaries_drop_as_in_edition_2024() {
    let order = |f: fn(&Arc<Mutex<Vec<&'static str>>>) -> usize| {
        let log = Arc::default();
        f(&log);
        log.lock().unwrap().clone()
    };
    let recorder = Recorder::<EventType>::new();
    let _default = recorder.install_scoped();
    assert_eq!(order(tail::plain), ["temporary", "local"]);
    assert_eq!(order(tail::annotated), order(tail::plain));
    recorder.assert_count(EventType::Returned, 1);
}

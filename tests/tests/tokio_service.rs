//! What a tokio service does with eventwire: `emit!` in spawned tasks,
//! threads and other macros' code, bus plumbing through smart pointers and
//! delegating fields, waiting for events from other tasks.

use eventwire::{emits, EventType, HasBus, Recorder, SharedBus};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    ConnectionOpened,
    CommandHandled,
    TaskSpawned,
    TaskFinished,
    ThreadFinished,
    BranchTaken,
}

#[derive(Default, HasBus)]
struct Shared {
    bus: Option<SharedBus<EventType>>,
}

/// A service whose bus lives in shared state behind an `Arc`.
#[derive(HasBus)]
struct Handler {
    #[event_bus]
    shared: Arc<Shared>,
}

impl Handler {
    #[emits(ConnectionOpened, TaskSpawned, TaskFinished, fields(peer = %peer))]
    async fn serve(&self, peer: String) -> tokio::task::JoinHandle<()> {
        tokio::task::yield_now().await;
        emit!(TaskSpawned);
        // The task outlives the call: its emit! takes what it needs.
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            emit!(TaskFinished, step = 2);
        })
    }

    #[emits(ThreadFinished)]
    fn in_a_thread(&self) -> std::thread::JoinHandle<u8> {
        std::thread::spawn(move || {
            emit!(ThreadFinished);
            7
        })
    }

    #[emits(BranchTaken)]
    async fn race(&self, first: bool) -> u8 {
        // Two `async move` blocks in one macro's invocation: each has its own handle.
        tokio::select! {
            v = async move { emit!(BranchTaken, branch = 1); 1 }, if first => v,
            v = async move { emit!(BranchTaken, branch = 2); 2 }, if !first => v,
        }
    }
}

use eventwire::emit;

fn handler(recorder: &Recorder<EventType>) -> Handler {
    Handler {
        shared: Arc::new(Shared {
            bus: Some(recorder.bus()),
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emit_in_a_spawned_task_publishes_with_the_calls_fields() {
    let recorder = Recorder::<EventType>::new();
    let service = handler(&recorder);
    let task = service.serve("10.0.0.7".to_owned()).await;
    task.await.unwrap();
    let finished = recorder
        .wait_for(EventType::TaskFinished, Duration::from_secs(5))
        .await;
    let finished = finished.expect("the spawned task's event arrives");
    assert_eq!(
        finished.fields.get("peer"),
        Some(&eventwire::Value::Str("10.0.0.7".into()))
    );
    assert_eq!(finished.fields.get("step"), Some(&eventwire::Value::I64(2)));
    recorder.assert_count(EventType::ConnectionOpened, 1);
    recorder.assert_count(EventType::TaskSpawned, 1);
}

#[test]
fn an_emit_in_a_spawned_thread_publishes() {
    let recorder = Recorder::<EventType>::new();
    let service = handler(&recorder);
    assert_eq!(service.in_a_thread().join().unwrap(), 7);
    recorder.assert_count(EventType::ThreadFinished, 1);
}

#[tokio::test]
async fn each_async_block_of_a_macro_has_its_own_handle() {
    let recorder = Recorder::<EventType>::new();
    let service = handler(&recorder);
    assert_eq!(service.race(true).await, 1);
    assert_eq!(service.race(false).await, 2);
    let branches: Vec<_> = recorder
        .events()
        .iter()
        .filter_map(|e| e.fields.get("branch").cloned())
        .collect();
    assert_eq!(
        branches,
        [eventwire::Value::I64(1), eventwire::Value::I64(2)]
    );
}

#[tokio::test]
async fn without_a_bus_detached_emits_do_nothing() {
    let service = Handler {
        shared: Arc::new(Shared::default()),
    };
    service.serve("x".to_owned()).await.await.unwrap();
    assert_eq!(service.in_a_thread().join().unwrap(), 7);
}

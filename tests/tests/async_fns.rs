//! `#[emits]` on `async fn`, async trait methods and functions returning
//! `async` blocks: `entry` at first poll, `ok`/`err`/`exit` at completion,
//! `cancel` when the future is dropped first.

use eventwire::{emit, emits, EventType, HasBus, Phase, Recorder, SharedBus};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    ToolInvoked,
    ToolCompleted,
    #[event(on = err | cancel)]
    ToolErrored,
    #[event(on = body)]
    ToolRetried,
    #[event(on = cancel)]
    ToolAbandoned,
}

use EventType::*;

/// Pending once, then ready: a stand-in for real I/O.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(value) = poll_once(future.as_mut()) {
            return value;
        }
    }
}

#[derive(Debug, Default, HasBus)]
pub struct ToolRuntime {
    bus: Option<SharedBus<EventType>>,
}

impl ToolRuntime {
    #[emits(ToolInvoked, ToolCompleted, ToolErrored, ToolRetried, ToolAbandoned, fields(tool = %name))]
    pub async fn execute(&self, name: &str, transient: u32) -> Result<String, std::io::Error> {
        for attempt in 1..=transient {
            YieldOnce(false).await;
            emit!(ToolRetried, attempt);
        }
        if name.is_empty() {
            return Err(std::io::Error::other("no tool"));
        }
        let parsed: u32 = "7".parse().map_err(std::io::Error::other)?;
        Ok(format!("{name} {parsed}"))
    }
}

#[test]
fn entry_fires_at_first_poll_and_ok_at_completion() {
    let recorder = Recorder::new();
    let runtime = ToolRuntime {
        bus: Some(recorder.bus()),
    };
    let future = runtime.execute("grep", 1);
    assert!(recorder.kinds().is_empty(), "nothing before the first poll");
    let mut future = std::pin::pin!(future);
    assert!(poll_once(future.as_mut()).is_pending());
    recorder.assert_sequence(&[ToolInvoked]);
    assert_eq!(block_on(future).ok(), Some("grep 7".to_owned()));
    recorder.assert_sequence(&[ToolInvoked, ToolRetried, ToolCompleted]);
    recorder.assert_field(ToolRetried, "tool", "grep");
    assert!(recorder.of(ToolCompleted)[0].elapsed.is_some());
}

#[test]
fn an_error_fires_errored_with_its_text() {
    let recorder = Recorder::new();
    let runtime = ToolRuntime {
        bus: Some(recorder.bus()),
    };
    assert!(block_on(runtime.execute("", 0)).is_err());
    recorder.assert_sequence(&[ToolInvoked, ToolErrored]);
    recorder.assert_error(ToolErrored, "no tool");
    assert_eq!(recorder.of(ToolErrored)[0].phase, Phase::Err);
}

#[test]
fn dropping_the_future_midway_fires_the_cancel_events_with_elapsed_time() {
    let recorder = Recorder::new();
    let runtime = ToolRuntime {
        bus: Some(recorder.bus()),
    };
    {
        let mut future = std::pin::pin!(runtime.execute("grep", 3));
        assert!(poll_once(future.as_mut()).is_pending());
    }
    recorder.assert_sequence(&[ToolInvoked, ToolErrored, ToolAbandoned]);
    let cancelled = recorder.of(ToolErrored);
    assert_eq!(cancelled[0].phase, Phase::Cancel);
    assert!(cancelled[0].elapsed.is_some());
    assert_eq!(cancelled[0].error, None);
}

#[test]
fn a_future_dropped_before_its_first_poll_emits_nothing() {
    let recorder = Recorder::new();
    let runtime = ToolRuntime {
        bus: Some(recorder.bus()),
    };
    drop(runtime.execute("grep", 3));
    assert!(recorder.kinds().is_empty());
}

#[tokio::test]
async fn a_timeout_cancels_and_a_lost_select_branch_cancels() {
    let recorder = Recorder::new();
    let runtime = ToolRuntime {
        bus: Some(recorder.bus()),
    };

    #[emits(ToolInvoked, ToolAbandoned, bus = bus)]
    async fn slow(bus: &Recorder<EventType>) {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }

    assert!(
        tokio::time::timeout(Duration::from_millis(5), slow(&recorder))
            .await
            .is_err()
    );
    tokio::select! {
        biased; // poll `slow` first, so that it has started when it loses
        () = slow(&recorder) => unreachable!(),
        result = runtime.execute("grep", 0) => assert!(result.is_ok()),
    }
    let abandoned = recorder.of(ToolAbandoned);
    assert_eq!(abandoned.len(), 2);
    assert!(abandoned.iter().all(|e| e.phase == Phase::Cancel));
}

#[test]
fn a_panic_in_an_async_body_emits_nothing_while_unwinding() {
    #[emits(ToolInvoked, ToolCompleted, ToolAbandoned)]
    async fn explode() -> u8 {
        YieldOnce(false).await;
        panic!("boom")
    }
    let recorder = Recorder::new();
    let _guard = recorder.install_scoped();
    assert!(std::panic::catch_unwind(|| block_on(explode())).is_err());
    recorder.assert_sequence(&[ToolInvoked]);
}

/// Whether a value's type is `Send`, decided by the compiler at the call
/// site: method resolution picks `IsSend` when `T: Send`, else `NotSend`.
macro_rules! is_send {
    ($value:expr) => {
        (&SendProbe($value)).is_send()
    };
}

struct SendProbe<T>(T);

trait IsSend {
    fn is_send(&self) -> bool;
}

impl<T: Send> IsSend for SendProbe<T> {
    fn is_send(&self) -> bool {
        true
    }
}

trait NotSend {
    fn is_send(&self) -> bool;
}

impl<T> NotSend for &SendProbe<T> {
    fn is_send(&self) -> bool {
        false
    }
}

async fn plain_send(name: &str) -> usize {
    YieldOnce(false).await;
    name.len()
}

#[emits(ToolInvoked, ToolCompleted)]
async fn annotated_send(name: &str) -> usize {
    YieldOnce(false).await;
    name.len()
}

async fn plain_not_send(name: &str) -> usize {
    let held = std::rc::Rc::new(name.len());
    YieldOnce(false).await;
    *held
}

#[emits(ToolInvoked, ToolCompleted)]
async fn annotated_not_send(name: &str) -> usize {
    let held = std::rc::Rc::new(name.len());
    YieldOnce(false).await;
    *held
}

#[test]
fn the_future_is_send_exactly_when_the_original_is() {
    assert!(is_send!(plain_send("a")));
    assert!(is_send!(annotated_send("a")));
    assert!(!is_send!(plain_not_send("a")));
    assert!(!is_send!(annotated_not_send("a")));
    // And the annotated futures still run.
    assert_eq!(block_on(annotated_send("ab")), 2);
    assert_eq!(block_on(annotated_not_send("abc")), 3);
}

async fn plain_no_args() -> usize {
    YieldOnce(false).await;
    1
}

#[emits(ToolInvoked, ToolCompleted)]
async fn annotated_no_args() -> usize {
    YieldOnce(false).await;
    1
}

#[test]
fn the_annotation_adds_a_few_machine_words_to_the_future() {
    let word = std::mem::size_of::<usize>();
    // The guard: a boxed call state (1 word) and the sites (2 words), the
    // call borrowed by the body's lineage wrapper (1 word), plus alignment
    // of the nested body future. The README states these figures.
    let plain = std::mem::size_of_val(&plain_no_args());
    let annotated = std::mem::size_of_val(&annotated_no_args());
    let growth = annotated - plain;
    assert!(
        (4 * word..=6 * word).contains(&growth),
        "plain {plain} B, annotated {annotated} B"
    );
    // The arguments are held by the outer future until they move into the
    // body's: at most their size again.
    let plain = std::mem::size_of_val(&plain_send("a"));
    let annotated = std::mem::size_of_val(&annotated_send("a"));
    let arguments = std::mem::size_of::<&str>();
    assert!(
        annotated - plain <= 4 * word + arguments,
        "plain {plain} B, annotated {annotated} B"
    );
}

// ---- traits ----

#[async_trait::async_trait]
pub trait Tool {
    async fn run(&self, input: &str) -> Result<usize, String>;

    #[emits(ToolInvoked, ToolCompleted)]
    async fn describe(&self) -> String
    where
        Self: HasBus<EventType>,
    {
        "a tool".to_owned()
    }
}

#[derive(HasBus)]
pub struct Grep {
    bus: Option<SharedBus<EventType>>,
}

#[async_trait::async_trait]
impl Tool for Grep {
    #[emits(ToolInvoked, ToolCompleted, ToolErrored, ToolRetried, fields(input = %input))]
    async fn run(&self, input: &str) -> Result<usize, String> {
        YieldOnce(false).await;
        emit!(ToolRetried);
        if input.is_empty() {
            return Err("empty input".to_owned());
        }
        Ok(input.len())
    }
}

#[test]
fn async_trait_methods_fire_at_first_poll_and_completion() {
    let recorder = Recorder::new();
    let grep = Grep {
        bus: Some(recorder.bus()),
    };
    let future = grep.run("abc");
    assert!(recorder.kinds().is_empty(), "nothing before the first poll");
    assert_eq!(block_on(future), Ok(3));
    assert_eq!(block_on(grep.run("")), Err("empty input".to_owned()));
    assert_eq!(block_on(grep.describe()), "a tool");
    recorder.assert_sequence(&[
        ToolInvoked,
        ToolRetried,
        ToolCompleted,
        ToolInvoked,
        ToolRetried,
        ToolErrored,
        ToolInvoked,
        ToolCompleted,
    ]);
    recorder.assert_field(ToolErrored, "input", "");
    assert_eq!(recorder.of(ToolCompleted)[0].site.function, "Grep::run");
}

#[allow(async_fn_in_trait)]
pub trait NativeTool: HasBus<EventType> {
    fn name(&self) -> &str;

    #[emits(ToolInvoked, ToolCompleted, ToolAbandoned)]
    async fn call(&self, input: &str) -> usize {
        YieldOnce(false).await;
        self.name().len() + input.len()
    }
}

#[derive(HasBus)]
pub struct Sed {
    bus: Option<SharedBus<EventType>>,
}

impl NativeTool for Sed {
    fn name(&self) -> &str {
        "sed"
    }
}

pub struct Awk {
    bus: Option<SharedBus<EventType>>,
}

impl HasBus<EventType> for Awk {
    fn event_bus(&self) -> Option<&SharedBus<EventType>> {
        self.bus.as_ref()
    }
}

impl NativeTool for Awk {
    fn name(&self) -> &str {
        "awk"
    }

    #[emits(ToolInvoked, ToolCompleted)]
    async fn call(&self, input: &str) -> usize {
        YieldOnce(false).await;
        input.len()
    }
}

#[test]
fn native_async_trait_methods_in_defaults_and_impls() {
    let recorder = Recorder::new();
    let sed = Sed {
        bus: Some(recorder.bus()),
    };
    let awk = Awk {
        bus: Some(recorder.bus()),
    };
    assert_eq!(block_on(sed.call("ab")), 5);
    assert_eq!(block_on(awk.call("ab")), 2);
    recorder.assert_sequence(&[ToolInvoked, ToolCompleted, ToolInvoked, ToolCompleted]);
    let functions: Vec<_> = recorder
        .events()
        .iter()
        .map(|e| e.site.function.to_string())
        .collect();
    assert_eq!(
        functions,
        [
            "NativeTool::call",
            "NativeTool::call",
            "Awk::call",
            "Awk::call"
        ]
    );
}

// ---- functions that return futures ----

#[emits(ToolInvoked, ToolCompleted, ToolAbandoned)]
fn returns_impl_future(name: String) -> impl Future<Output = usize> {
    async move {
        YieldOnce(false).await;
        name.len()
    }
}

#[emits(ToolInvoked, ToolCompleted, ToolErrored)]
fn returns_boxed_future(fail: bool) -> Pin<Box<dyn Future<Output = Result<u8, String>> + Send>> {
    Box::pin(async move {
        YieldOnce(false).await;
        if fail {
            Err("failed".to_owned())?;
        }
        Ok(1)
    })
}

#[test]
fn functions_returning_async_blocks_are_measured_from_first_poll_to_completion() {
    let recorder = Recorder::new();
    let _guard = recorder.install_scoped();
    let future = returns_impl_future("abc".to_owned());
    assert!(
        recorder.kinds().is_empty(),
        "building the future emits nothing"
    );
    assert_eq!(block_on(future), 3);
    assert_eq!(block_on(returns_boxed_future(false)), Ok(1));
    assert!(block_on(returns_boxed_future(true)).is_err());
    {
        let mut future = std::pin::pin!(returns_impl_future("x".to_owned()));
        assert!(poll_once(future.as_mut()).is_pending());
    }
    recorder.assert_sequence(&[
        ToolInvoked,
        ToolCompleted,
        ToolInvoked,
        ToolCompleted,
        ToolInvoked,
        ToolErrored,
        ToolInvoked,
        ToolAbandoned,
    ]);
}

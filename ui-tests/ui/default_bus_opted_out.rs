use eventwire::{EventType, Recorder};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
#[event(default_bus = false)]
enum EventType {
    ToolInvoked,
}

fn main() {
    let recorder = Recorder::<EventType>::new();
    let _guard = eventwire::set_scoped_default(recorder.bus());
}

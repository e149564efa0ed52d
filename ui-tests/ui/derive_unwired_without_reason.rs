use eventwire::EventType;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
enum EventType {
    #[event(unwired)]
    PlanApplied,
}

fn main() {}

use eventwire::EventType;

#[derive(EventType)]
struct EventType {
    name: String,
}

fn main() {}

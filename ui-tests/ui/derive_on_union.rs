use eventwire::EventType;

#[derive(EventType)]
union EventType {
    a: u32,
}

fn main() {}

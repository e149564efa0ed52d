use eventwire::EventType;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
enum EventType {
    HttpRequestSent,
    HTTPRequestSent,
}

fn main() {}

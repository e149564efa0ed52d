use eventwire::EventType;
use std::marker::PhantomData;

#[derive(EventType)]
enum EventType<T> {
    ToolInvoked,
    Other(PhantomData<T>),
}

fn main() {}

use eventwire::{emit, emits, EventType, HasBus, Recorder, SharedBus};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    #[event(on = entry)]
    ToolInvoked,
    ToolCompleted,
    #[event(on = err)]
    ToolErrored,
    #[event(on = body)]
    ToolRetried,
}

#[derive(Default, HasBus)]
pub struct Runner {
    bus: Option<SharedBus<EventType>>,
    items: Vec<u32>,
}

impl Runner {
    #[emits(ToolInvoked, ToolCompleted, ToolErrored, ToolRetried, fields(tool = %name))]
    pub fn run(&mut self, name: &str, retries: u32) -> Result<&mut u32, String> {
        for attempt in 1..=retries {
            emit!(ToolRetried, attempt);
        }
        if name.is_empty() {
            return Err("empty".into());
        }
        self.items.push(retries);
        Ok(self.items.last_mut().unwrap())
    }
}

#[test]
fn smoke() {
    let rec = Recorder::new();
    let mut r = Runner { bus: Some(rec.bus()), items: vec![] };
    *r.run("a", 2).unwrap() += 1;
    assert!(r.run("", 0).is_err());
    println!("{:#?}", rec.events());
    eventwire::coverage::<EventType>().assert_complete();
    println!("{}", eventwire::coverage::<EventType>());
    use EventType::*;
    rec.assert_sequence(&[ToolInvoked, ToolRetried, ToolRetried, ToolCompleted, ToolInvoked, ToolErrored]);
}

use crate::EventType;
#[allow(unused_imports)]
use eventwire::{emit, emits, HasBus, SharedBus};

#[derive(HasBus)]
pub struct Svc {
    bus: Option<SharedBus<EventType>>,
}

// #[emits(Noted)]
fn never_called() {}

impl Svc {
    // #[emits(Noted)]
    pub fn needless_return(&self, n: u32) -> u32 {
        return n + 1;
    }

    // #[emits(Noted)]
    pub fn by_value(&self, names: Vec<String>) -> usize {
        names.len()
    }

    // #[emits(Noted)]
    pub async fn without_await(&self) -> u32 {
        7
    }

    // #[emits(Noted)]
    pub fn a_vec(&self, n: u32) -> usize {
        let list = vec![emit!(Noted, n)];
        list.len()
    }

    // #[emits(Noted)]
    pub fn unused_argument(&self, count: u32) -> u32 {
        3
    }

    // #[emits(Noted)]
    #[allow(clippy::boxed_local)]
    pub fn boxed(self: Box<Self>) -> bool {
        self.bus.is_some()
    }

    // #[emits(Noted)]
    pub fn let_and_return(&self) -> u32 {
        let value = 4;
        value
    }

    // #[emits(Noted)]
    pub fn needless_mut(&self, mut count: u32) -> u32 {
        count
    }

    // #[emits(Noted)]
    pub fn mutated(&self, mut count: u32, flag: bool) -> u32 {
        count += u32::from(flag);
        count
    }

    // #[emits(Noted)]
    pub fn unused_flag(&self, flag: bool, mut unused: u64) -> bool {
        true
    }
}

// A parameter the body leaves alone but `#[instrument]` records, in either
// order of the attributes, and one the body reads too.
// #[emits(Noted)]
#[tracing::instrument]
pub fn traced(request_id: u64) {}

#[tracing::instrument]
// #[emits(Noted)]
pub fn traced_below(request_id: u64) {}

#[tracing::instrument]
// #[emits(Noted)]
pub fn traced_read(request_id: u64, mut attempt: u8) -> u64 {
    attempt += 1;
    request_id + u64::from(attempt)
}

// An awaiting `async fn` whose parameters' names are also field names
// (`unused_variables` on `id` and `name`), one whose `_` parameter must
// not count as used (`used_underscore_binding`), and a `&String`
// parameter (`ptr_arg`).
// #[emits(Noted)]
pub async fn field_named_like_a_parameter(id: u64, name: String, req: crate::Req) -> u64 {
    crate::tick().await;
    req.id + req.name.len() as u64
}

// #[emits(Noted)]
pub async fn underscore_parameter(_permit: crate::Permit, n: u32) -> u32 {
    crate::tick().await;
    n
}

// #[emits(Noted)]
pub async fn string_by_reference(name: &String) -> usize {
    crate::tick().await;
    name.len()
}

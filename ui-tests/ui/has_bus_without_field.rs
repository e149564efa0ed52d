use eventwire::HasBus;

#[derive(HasBus)]
struct Runner {
    name: String,
}

fn main() {}

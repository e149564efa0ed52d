use eventwire::HasBus;

#[derive(HasBus)]
enum Runner {
    Idle,
}

fn main() {}

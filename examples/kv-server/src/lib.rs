//! A small key-value server on tokio, wired with eventwire: the second
//! example of the workspace, the shape of many real services. See
//! "Adding eventwire to an existing tokio service" in the README.

pub mod events;
pub mod server;
pub mod store;

#[cfg(test)]
mod tests {
    // Every event has a production site (checked from the unit tests).
    eventwire::coverage_test!(crate::events::EventType);
}

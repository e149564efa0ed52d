//! The server's events: one enum, named once for the whole package in
//! `Cargo.toml` (`[package.metadata.eventwire] event-type`).

use eventwire::EventType;

/// What the server says about itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
pub enum EventType {
    /// The listener is bound.
    ServerStarted,
    /// A client connected.
    #[event(on = entry)]
    ConnectionOpened,
    /// The connection is over: the client left, or shutdown dropped its task.
    #[event(on = exit | cancel)]
    ConnectionClosed,
    /// A command was read from a client.
    #[event(on = body)]
    CommandReceived,
    /// `GET`: whether the key was there is in `hit`.
    KeyRead,
    /// `SET`.
    KeyWritten,
    /// `DEL`: whether the key was there is in `removed`.
    KeyDeleted,
    /// A command could not be served.
    #[event(on = err)]
    CommandFailed,
    /// The background task removed expired keys.
    #[event(on = body)]
    KeysExpired,
    /// The server stopped accepting and every connection ended.
    ServerStopped,
}

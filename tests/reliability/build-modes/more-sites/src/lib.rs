//! A second crate whose site is of the first crate's enum.

use eventwire::emits;

#[emits(InSecondCrate, event = sites::EventType)]
pub fn never_called_either() {}

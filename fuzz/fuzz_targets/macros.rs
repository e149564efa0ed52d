//! Feeds arbitrary text, tokenised, to `#[emits]`, `#[derive(EventType)]`,
//! `#[derive(HasBus)]` and `emit!`: none may panic.
//!
//!     cargo fuzz run macros        (from this directory; needs cargo-fuzz)
#![no_main]

use libfuzzer_sys::fuzz_target;
use proc_macro2::TokenStream;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (args, item) = text.split_once('\u{0}').unwrap_or(("ToolInvoked", text));
    let (Ok(args), Ok(item)) = (args.parse::<TokenStream>(), item.parse::<TokenStream>()) else {
        return;
    };
    let _ = eventwire_fuzz::emits(args.clone(), item.clone());
    let _ = eventwire_fuzz::derive_event_type(item.clone());
    let _ = eventwire_fuzz::derive_has_bus(item);
    let _ = eventwire_fuzz::emit(args);
});

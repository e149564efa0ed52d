//! The macros' parsing and expansion, compiled as an ordinary library so
//! that a fuzzer can call them: a proc-macro crate exports only its macros.
//! The modules are the macro crate's own source files.
#![allow(dead_code, unreachable_pub)]

#[path = "../../macros/src/emit/mod.rs"]
mod emit;
#[path = "../../macros/src/emits/mod.rs"]
mod emits;
#[path = "../../macros/src/event_type/mod.rs"]
mod event_type;
#[path = "../../macros/src/fields.rs"]
mod fields;
#[path = "../../macros/src/has_bus.rs"]
mod has_bus;
#[path = "../../macros/src/phase.rs"]
mod phase;
#[path = "../../macros/src/runtime_path.rs"]
mod runtime_path;

use proc_macro2::TokenStream;

/// `#[emits(args)] item`.
pub fn emits(args: TokenStream, item: TokenStream) -> TokenStream {
    emits::attribute(args, item)
}

/// `#[derive(EventType)] input`.
pub fn derive_event_type(input: TokenStream) -> TokenStream {
    event_type::derive(input)
}

/// `#[derive(HasBus)] input`.
pub fn derive_has_bus(input: TokenStream) -> TokenStream {
    has_bus::derive(input)
}

/// `emit!(input)`.
pub fn emit(input: TokenStream) -> TokenStream {
    emit::standalone(input)
}

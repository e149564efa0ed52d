//! Procedural macros of eventwire. Depend on the `eventwire` crate, which
//! re-exports them with their documentation; this crate expands what the
//! grammar (`eventwire-grammar`, shared with `cargo eventwire`) reads.

mod bus_lookup;
mod default_enum;
mod emit;
mod emits;
mod event_type;
mod fields;
mod has_bus;
mod phases;
#[cfg(test)]
mod robustness;
mod runtime_path;
mod site;
mod test_code;

use proc_macro::TokenStream;

/// Derives `eventwire::EventKind` and the dotted-name conversions for an
/// enum of unit variants. See the `eventwire` crate's documentation.
#[proc_macro_derive(EventType, attributes(event))]
pub fn derive_event_type(input: TokenStream) -> TokenStream {
    event_type::derive(input.into()).into()
}

/// Derives `eventwire::HasBus` for a service struct from its bus field.
/// See the `eventwire` crate's documentation.
#[proc_macro_derive(HasBus, attributes(event_bus))]
pub fn derive_has_bus(input: TokenStream) -> TokenStream {
    has_bus::derive(input.into()).into()
}

/// Emits the listed events around a function. See the `eventwire` crate's documentation.
#[proc_macro_attribute]
pub fn emits(args: TokenStream, item: TokenStream) -> TokenStream {
    emits::attribute(args.into(), item.into()).into()
}

/// Emits one event. See the `eventwire` crate's documentation.
#[proc_macro]
pub fn emit(input: TokenStream) -> TokenStream {
    emit::standalone(input.into()).into()
}

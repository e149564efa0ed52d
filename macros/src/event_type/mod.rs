//! `#[derive(EventType)]`: the grammar reads and checks the enum, then it
//! is expanded.

mod expand;

use eventwire_grammar::syntax::event_enum::EventEnum;
use proc_macro2::TokenStream;

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let result =
        syn::parse2::<syn::DeriveInput>(input).and_then(|input| EventEnum::from_input(&input));
    match result {
        Ok(valid) => expand::expand(&valid),
        Err(error) => error.to_compile_error(),
    }
}

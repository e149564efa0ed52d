//! `#[derive(EventType)]`: parse, then validate, then expand.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let result = syn::parse2::<syn::DeriveInput>(input)
        .and_then(|input| parse::EventEnum::from_input(&input))
        .and_then(validate::validate);
    match result {
        Ok(valid) => expand::expand(&valid),
        Err(error) => error.to_compile_error(),
    }
}

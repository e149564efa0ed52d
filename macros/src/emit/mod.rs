//! `emit!(Event, fields.., bus = expr)`: one hand-written emission site.
//!
//! Outside `#[emits]` it publishes to `bus = ..`, else to the default bus.
//! Inside an `#[emits]` body the attribute rewrites its arguments (see
//! `emits::body`) to `@within(call, record, Enum) <arguments>`, so that it
//! publishes through the function's call state and its record is one of
//! the function's; the invocation itself, and its spans, stay the user's.

mod expand;

pub(crate) use expand::{expand, site_record, Emitter};

use eventwire_grammar::syntax::emit::EmitInput;
use proc_macro2::{Ident, TokenStream, TokenTree};

pub(crate) fn standalone(input: TokenStream) -> TokenStream {
    let (within, input) = match split_within(input) {
        Within::Skip => return quote::quote!(()),
        Within::Call(call, record, enum_path, rest) => (Some((call, record, enum_path)), rest),
        Within::Free(input) => (None, input),
    };
    match syn::parse2::<EmitInput>(input) {
        Ok(parsed) => match within {
            Some((call, record, enum_path)) => {
                expand(&parsed, &enum_path, &Emitter::Call { call, record })
            }
            None => {
                // Spanned at the variant, so that a missing `EventType` is reported there.
                let default_enum = crate::default_enum::default_enum(parsed.variant.span());
                expand(&parsed, &default_enum, &Emitter::Free)
            }
        },
        Err(error) => error.to_compile_error(),
    }
}

/// The arguments `#[emits]` gives an `emit!` of its body.
pub(crate) fn within(
    call: &Ident,
    record: &Ident,
    enum_path: &syn::Path,
    args: TokenStream,
) -> TokenStream {
    quote::quote!(@within(#call, #record, #enum_path) #args)
}

/// The arguments of an `emit!` that `#[emits]` already reported (an event
/// it does not list): it expands to nothing more.
pub(crate) fn skipped() -> TokenStream {
    quote::quote!(@skip)
}

enum Within {
    Skip,
    Call(Ident, Ident, syn::Path, TokenStream),
    Free(TokenStream),
}

fn split_within(input: TokenStream) -> Within {
    let trees: Vec<TokenTree> = input.clone().into_iter().collect();
    let marker = matches!(trees.first(), Some(TokenTree::Punct(p)) if p.as_char() == '@');
    let word = match trees.get(1) {
        Some(TokenTree::Ident(ident)) if marker => ident.to_string(),
        _ => return Within::Free(input),
    };
    match (word.as_str(), trees.get(2)) {
        ("skip", None) => Within::Skip,
        ("within", Some(TokenTree::Group(group))) => {
            let parsed = syn::parse::Parser::parse2(
                |stream: syn::parse::ParseStream<'_>| {
                    let call: Ident = stream.parse()?;
                    stream.parse::<syn::Token![,]>()?;
                    let record: Ident = stream.parse()?;
                    stream.parse::<syn::Token![,]>()?;
                    let path: syn::Path = stream.parse()?;
                    Ok((call, record, path))
                },
                group.stream(),
            );
            match parsed {
                Ok((call, record, path)) => {
                    Within::Call(call, record, path, trees[3..].iter().cloned().collect())
                }
                Err(_) => Within::Free(input),
            }
        }
        _ => Within::Free(input),
    }
}

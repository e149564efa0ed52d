//! Reads the enum and its `#[event(..)]` attributes.

use crate::phase::PhaseList;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Ident, LitStr, Token};

pub(crate) struct EventEnum {
    pub(crate) ident: Ident,
    pub(crate) generics: syn::Generics,
    pub(crate) brace_span: proc_macro2::Span,
    pub(crate) variants: Vec<Variant>,
}

pub(crate) struct Variant {
    pub(crate) ident: Ident,
    pub(crate) fields: syn::Fields,
    pub(crate) options: VariantOptions,
}

#[derive(Default)]
pub(crate) struct VariantOptions {
    pub(crate) on: Option<PhaseList>,
    pub(crate) name: Option<LitStr>,
    pub(crate) unwired: Option<(Ident, Option<LitStr>)>,
}

const KEYS: &str = "`on = <phase>`, `name = \"dotted.name\"` or `unwired = \"reason\"`";

impl EventEnum {
    pub(crate) fn from_input(input: &DeriveInput) -> syn::Result<EventEnum> {
        let data = match &input.data {
            Data::Enum(data) => data,
            Data::Struct(data) => {
                return Err(syn::Error::new(
                    data.struct_token.span,
                    "#[derive(EventType)] needs an enum of unit variants, one per event kind, not a struct",
                ))
            }
            Data::Union(data) => {
                return Err(syn::Error::new(
                    data.union_token.span,
                    "#[derive(EventType)] needs an enum of unit variants, one per event kind, not a union",
                ))
            }
        };
        let mut errors: Option<syn::Error> = None;
        let mut variants = Vec::new();
        for variant in &data.variants {
            match parse_options(&variant.attrs) {
                Ok(options) => variants.push(Variant {
                    ident: variant.ident.clone(),
                    fields: variant.fields.clone(),
                    options,
                }),
                Err(e) => combine(&mut errors, e),
            }
        }
        if let Some(e) = errors {
            return Err(e);
        }
        Ok(EventEnum {
            ident: input.ident.clone(),
            generics: input.generics.clone(),
            brace_span: data.brace_token.span.join(),
            variants,
        })
    }
}

pub(crate) fn combine(errors: &mut Option<syn::Error>, error: syn::Error) {
    match errors {
        Some(all) => all.combine(error),
        None => *errors = Some(error),
    }
}

fn parse_options(attrs: &[Attribute]) -> syn::Result<VariantOptions> {
    let mut options = VariantOptions::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("event")) {
        let list = attr.meta.require_list().map_err(|_| {
            syn::Error::new(attr.span(), format!("expected `#[event(..)]` with {KEYS}"))
        })?;
        list.parse_args_with(|input: ParseStream<'_>| {
            while !input.is_empty() {
                parse_option(input, &mut options)?;
                if input.is_empty() {
                    break;
                }
                input.parse::<Token![,]>()?;
            }
            Ok(())
        })?;
    }
    Ok(options)
}

fn parse_option(input: ParseStream<'_>, options: &mut VariantOptions) -> syn::Result<()> {
    let key: Ident = input
        .parse()
        .map_err(|e| syn::Error::new(e.span(), format!("expected {KEYS}")))?;
    let twice = || syn::Error::new(key.span(), format!("`{key}` is given twice"));
    match key.to_string().as_str() {
        "on" => {
            input.parse::<Token![=]>()?;
            if options.on.is_some() {
                return Err(twice());
            }
            options.on = Some(PhaseList::parse(input)?);
        }
        "name" => {
            input.parse::<Token![=]>()?;
            if options.name.is_some() {
                return Err(twice());
            }
            options.name = Some(input.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "expected the dotted name as a string: `name = \"tool.invoked\"`",
                )
            })?);
        }
        "unwired" => {
            if options.unwired.is_some() {
                return Err(twice());
            }
            let reason = if input.peek(Token![=]) {
                input.parse::<Token![=]>()?;
                Some(input.parse().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "expected the reason as a string: `unwired = \"why\"`",
                    )
                })?)
            } else {
                None
            };
            options.unwired = Some((key, reason));
        }
        _ => {
            return Err(syn::Error::new(
                key.span(),
                format!("unknown key `{key}` in #[event(..)]; expected {KEYS}"),
            ))
        }
    }
    Ok(())
}

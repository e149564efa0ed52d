//! Reads `#[emits(Event, Event(on = ..), event = path, bus = expr, fields(..))]`
//! and the item it is on.

use crate::fields::{check_unique, FieldSpec};
use crate::phase::PhaseList;
use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, Ident, Item, ItemFn, Path, Token};

pub(crate) struct ListedEvent {
    pub(crate) ident: Ident,
    /// A site override: `ToolErrored(on = err | cancel)`.
    pub(crate) on: Option<PhaseList>,
}

pub(crate) struct EmitsArgs {
    pub(crate) events: Vec<ListedEvent>,
    pub(crate) event_enum: Option<Path>,
    pub(crate) bus: Option<Expr>,
    pub(crate) fields: Vec<FieldSpec>,
}

const EXPECTED: &str =
    "expected an event variant, `Event(on = <phase>)`, `event = path::ToEnum`, `bus = expr` or `fields(..)`";

impl Parse for EmitsArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = EmitsArgs {
            events: Vec::new(),
            event_enum: None,
            bus: None,
            fields: Vec::new(),
        };
        let mut fields_seen = false;
        while !input.is_empty() {
            let ident: Ident = input
                .parse()
                .map_err(|e| syn::Error::new(e.span(), EXPECTED))?;
            if input.peek(Token![=]) {
                input.parse::<Token![=]>()?;
                match ident.to_string().as_str() {
                    "event" => {
                        if args.event_enum.is_some() {
                            return Err(syn::Error::new(ident.span(), "`event` is given twice"));
                        }
                        args.event_enum = Some(input.parse().map_err(|e| {
                            syn::Error::new(e.span(), "expected the event enum's path: `event = path::To::Enum`")
                        })?);
                    }
                    "bus" => {
                        if args.bus.is_some() {
                            return Err(syn::Error::new(ident.span(), "`bus` is given twice"));
                        }
                        args.bus = Some(input.parse()?);
                    }
                    _ => {
                        return Err(syn::Error::new(
                            ident.span(),
                            format!("unknown option `{ident}`; expected `event = path::ToEnum`, `bus = expr` or `fields(..)`"),
                        ))
                    }
                }
            } else if ident == "fields" && input.peek(syn::token::Paren) {
                if fields_seen {
                    return Err(syn::Error::new(ident.span(), "`fields(..)` is given twice"));
                }
                fields_seen = true;
                let content;
                syn::parenthesized!(content in input);
                while !content.is_empty() {
                    args.fields.push(FieldSpec::parse(&content)?);
                    if content.is_empty() {
                        break;
                    }
                    content.parse::<Token![,]>()?;
                }
                check_unique(&args.fields)?;
            } else if input.peek(syn::token::Paren) {
                let content;
                syn::parenthesized!(content in input);
                let key: Ident = content.parse().map_err(|e| {
                    syn::Error::new(e.span(), format!("expected `{ident}(on = <phase>)`"))
                })?;
                if key != "on" {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown site option `{key}`; expected `{ident}(on = <phase>)`"),
                    ));
                }
                content.parse::<Token![=]>()?;
                let on = PhaseList::parse(&content)?;
                if !content.is_empty() {
                    return Err(content.error("expected `)` after the phases"));
                }
                args.events.push(ListedEvent {
                    ident,
                    on: Some(on),
                });
            } else {
                args.events.push(ListedEvent { ident, on: None });
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(args)
    }
}

/// The function the attribute is on, or an error at the item's keyword.
pub(crate) fn target(item: TokenStream) -> syn::Result<ItemFn> {
    let not_fn = |span: proc_macro2::Span, what: &str| {
        syn::Error::new(
            span,
            format!("#[emits] goes on a function or method with a body, not on {what}"),
        )
    };
    match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(function)) => Ok(function),
        Ok(Item::Struct(s)) => Err(not_fn(s.struct_token.span, "a struct")),
        Ok(Item::Enum(e)) => Err(not_fn(e.enum_token.span, "an enum")),
        Ok(Item::Union(u)) => Err(not_fn(u.union_token.span, "a union")),
        Ok(Item::Impl(i)) => Err(syn::Error::new(
            i.impl_token.span,
            "#[emits] goes on each method of an impl block, not on the impl block itself",
        )),
        Ok(Item::Trait(t)) => Err(not_fn(t.trait_token.span, "a trait")),
        Ok(Item::Const(c)) => Err(not_fn(c.const_token.span, "a const")),
        Ok(Item::Static(s)) => Err(not_fn(s.static_token.span, "a static")),
        Ok(Item::Mod(m)) => Err(not_fn(m.mod_token.span, "a module")),
        Ok(Item::Type(t)) => Err(not_fn(t.type_token.span, "a type alias")),
        Ok(Item::Use(u)) => Err(not_fn(u.use_token.span, "a use declaration")),
        Ok(other) => {
            // A trait method without a body parses as a foreign-style item.
            if let Ok(sig) = syn::parse2::<BodilessFn>(item) {
                return Err(syn::Error::new(
                    sig.0.fn_token.span,
                    "#[emits] needs a function body to wrap; put it on the implementations of this method, or give it a default body",
                ));
            }
            Err(syn::Error::new(
                other.span(),
                "#[emits] goes on a function or method with a body",
            ))
        }
        Err(error) => match syn::parse2::<syn::Expr>(item) {
            Ok(syn::Expr::Closure(closure)) => Err(syn::Error::new(
                closure.or1_token.span,
                "#[emits] goes on a function or method, not on a closure; move the closure's body into a function and annotate that",
            )),
            _ => Err(error),
        },
    }
}

struct BodilessFn(syn::Signature);

impl Parse for BodilessFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        input.call(syn::Attribute::parse_outer)?;
        input.parse::<syn::Visibility>()?;
        let sig: syn::Signature = input.parse()?;
        input.parse::<Token![;]>()?;
        Ok(BodilessFn(sig))
    }
}

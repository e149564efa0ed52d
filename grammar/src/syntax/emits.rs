//! `#[emits(Event, Event(on = ..), event = path, bus = expr, fields(..), ret(..))]`.

use super::fields::{check_unique, FieldSpec};
use super::options::SiteOptions;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, Path, Token};

/// One event listed in `#[emits(..)]`.
#[derive(Clone)]
pub struct ListedEvent {
    /// The variant's name.
    pub ident: Ident,
    /// What the site says of itself: `Event(on = .., untested = "..")`.
    pub options: SiteOptions,
}

/// The arguments of `#[emits(..)]`.
#[derive(Clone)]
pub struct EmitsArgs {
    /// The events, in the order listed.
    pub events: Vec<ListedEvent>,
    /// `event = path::To::Enum`.
    pub event_enum: Option<Path>,
    /// `bus = expr`.
    pub bus: Option<Expr>,
    /// `fields(..)`.
    pub fields: Vec<FieldSpec>,
    /// `ret(..)`: fields computed from the return value, bound as `ret`
    /// (a reference), for the events published after the body returned.
    pub ret_fields: Vec<FieldSpec>,
}

const EXPECTED: &str =
    "expected an event variant, `Event(on = <phase>)`, `event = path::ToEnum`, `bus = expr`, `fields(..)` or `ret(..)`";

impl Parse for EmitsArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = EmitsArgs {
            events: Vec::new(),
            event_enum: None,
            bus: None,
            fields: Vec::new(),
            ret_fields: Vec::new(),
        };
        let mut fields_seen = false;
        let mut ret_seen = false;
        while !input.is_empty() {
            let ident: Ident = input
                .parse()
                .map_err(|e| syn::Error::new(e.span(), EXPECTED))?;
            let written = ident.to_string();
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
                args.fields = field_list(input)?;
                check_unique(&args.fields)?;
            } else if ident == "ret" && input.peek(syn::token::Paren) {
                if ret_seen {
                    return Err(syn::Error::new(ident.span(), "`ret(..)` is given twice"));
                }
                ret_seen = true;
                args.ret_fields = field_list(input)?;
            } else if input.peek(syn::token::Paren) {
                let content;
                syn::parenthesized!(content in input);
                let options = SiteOptions::parse(&content, &ident, true)?;
                args.events.push(ListedEvent { ident, options });
            } else {
                args.events.push(ListedEvent {
                    ident,
                    options: SiteOptions::default(),
                });
            }
            if input.is_empty() {
                break;
            }
            if input.peek(Token![::]) {
                // `EventType::ToolInvoked`: the enum is named once, apart.
                let ahead = input.fork();
                let _ = ahead.parse::<Token![::]>();
                let variant = ahead
                    .parse::<Ident>()
                    .map_or_else(|_| "Variant".to_owned(), |v| v.to_string());
                let message = if written == "EventType" {
                    format!("list each event by its variant alone: `{variant}`, not `EventType::{variant}` (the variants are those of the `EventType` in scope)")
                } else {
                    format!("list each event by its variant alone, and name the enum once: `#[emits({variant}, event = {written})]`")
                };
                return Err(syn::Error::new(input.span(), message));
            }
            input.parse::<Token![,]>()?;
        }
        // A name in both `fields(..)` and `ret(..)`, in either order.
        let all: Vec<FieldSpec> = args
            .fields
            .iter()
            .chain(&args.ret_fields)
            .cloned()
            .collect();
        check_unique(&all)?;
        Ok(args)
    }
}

/// `(name = value, ..)`: the fields of `fields(..)` or `ret(..)`.
fn field_list(input: ParseStream<'_>) -> syn::Result<Vec<FieldSpec>> {
    let content;
    syn::parenthesized!(content in input);
    let mut fields = Vec::new();
    while !content.is_empty() {
        fields.push(FieldSpec::parse(&content)?);
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(fields)
}

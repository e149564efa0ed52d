//! `#[derive(EventType)]`: the enum and its `#[event(..)]` attributes,
//! read and checked: unit variants, valid and distinct dotted names,
//! exemptions with reasons.

use super::phases::PhaseList;
use crate::names::{dotted_name, is_valid_dotted};
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Ident, LitStr, Token};

/// An event enum that passed every check.
pub struct EventEnum {
    /// The enum's name.
    pub ident: Ident,
    /// Its variants, in declaration order.
    pub variants: Vec<EventVariant>,
    /// Whether its sites look for a default bus: `#[event(default_bus =
    /// false)]` on the enum says they do not.
    pub default_bus: bool,
}

/// One variant: one event kind.
pub struct EventVariant {
    /// Its Rust name.
    pub ident: Ident,
    /// Its dotted name.
    pub dotted: String,
    /// Its default phases as written; empty means `ok`.
    pub phases: PhaseList,
    /// The reason of `#[event(unwired = "..")]`.
    pub exemption: Option<String>,
}

#[derive(Default)]
struct Options {
    on: Option<PhaseList>,
    name: Option<LitStr>,
    unwired: Option<(Ident, Option<LitStr>)>,
}

const KEYS: &str = "`on = <phase>`, `name = \"dotted.name\"` or `unwired = \"reason\"`";

fn combine(errors: &mut Option<syn::Error>, error: syn::Error) {
    match errors {
        Some(all) => all.combine(error),
        None => *errors = Some(error),
    }
}

impl EventEnum {
    /// Reads and checks the input of `#[derive(EventType)]`.
    ///
    /// # Errors
    ///
    /// Every problem found, combined, each at the offending tokens.
    pub fn from_input(input: &DeriveInput) -> syn::Result<EventEnum> {
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
        if let Some(param) = input.generics.params.first() {
            return Err(syn::Error::new(
                param.span(),
                "#[derive(EventType)] needs an enum without generic parameters: each variant is one fixed event kind",
            ));
        }
        if let Some(clause) = &input.generics.where_clause {
            return Err(syn::Error::new(
                clause.where_token.span,
                "#[derive(EventType)] needs an enum without a where clause",
            ));
        }
        let mut errors: Option<syn::Error> = None;
        let default_bus = match parse_enum_options(&input.attrs) {
            Ok(default_bus) => default_bus,
            Err(e) => {
                combine(&mut errors, e);
                true
            }
        };
        let mut variants: Vec<EventVariant> = Vec::new();
        for variant in &data.variants {
            let options = match parse_options(&variant.attrs) {
                Ok(options) => options,
                Err(e) => {
                    combine(&mut errors, e);
                    continue;
                }
            };
            match check_variant(variant, options, &variants) {
                Ok(valid) => variants.push(valid),
                Err(e) => combine(&mut errors, e),
            }
        }
        if let Some(e) = errors {
            return Err(e);
        }
        if variants.is_empty() {
            return Err(syn::Error::new(
                data.brace_token.span.join(),
                format!(
                    "#[derive(EventType)] needs at least one variant: `{}` has no event kinds",
                    input.ident
                ),
            ));
        }
        Ok(EventEnum {
            ident: input.ident.clone(),
            variants,
            default_bus,
        })
    }
}

fn check_variant(
    variant: &syn::Variant,
    options: Options,
    earlier: &[EventVariant],
) -> syn::Result<EventVariant> {
    if !matches!(variant.fields, syn::Fields::Unit) {
        return Err(syn::Error::new(
            variant.fields.span(),
            format!(
                "event kind `{}` must be a unit variant: an event's data goes in `fields(..)` of #[emits] or emit!, not in the enum",
                variant.ident
            ),
        ));
    }
    let (dotted, name_span) = match &options.name {
        Some(lit) => {
            let name = lit.value();
            if !is_valid_dotted(&name) {
                return Err(syn::Error::new(
                    lit.span(),
                    format!(
                        "invalid event name {name:?}: use lower-case words of letters, digits and `_`, joined by dots, e.g. \"tool.invoked\""
                    ),
                ));
            }
            (name, lit.span())
        }
        None => {
            let dotted = dotted_name(&variant.ident.to_string());
            if !is_valid_dotted(&dotted) {
                return Err(syn::Error::new(
                    variant.ident.span(),
                    format!(
                        "the event name {dotted:?} derived from `{}` is not lower-case ASCII words of letters, digits and `_` joined by dots: give it one with `#[event(name = \"..\")]`",
                        variant.ident
                    ),
                ));
            }
            (dotted, variant.ident.span())
        }
    };
    if let Some(other) = earlier.iter().find(|v| v.dotted == dotted) {
        return Err(syn::Error::new(
            name_span,
            format!(
                "`{}` and `{}` both have the dotted name `{dotted}`; rename one, or give one `#[event(name = \"..\")]`",
                other.ident, variant.ident
            ),
        ));
    }
    let need_reason = |span| {
        syn::Error::new(
            span,
            "an exemption needs a reason: `unwired = \"why this event has no emission site\"`",
        )
    };
    let exemption = match options.unwired {
        None => None,
        Some((_, Some(reason))) if !reason.value().trim().is_empty() => Some(reason.value()),
        Some((_, Some(reason))) => return Err(need_reason(reason.span())),
        Some((key, None)) => return Err(need_reason(key.span())),
    };
    Ok(EventVariant {
        ident: variant.ident.clone(),
        dotted,
        phases: options.on.unwrap_or_default(),
        exemption,
    })
}

const ENUM_KEYS: &str = "`default_bus = false`";

/// The enum's own `#[event(..)]`: `default_bus = <bool>`.
fn parse_enum_options(attrs: &[Attribute]) -> syn::Result<bool> {
    let mut default_bus: Option<bool> = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("event")) {
        let list = attr.meta.require_list().map_err(|_| {
            syn::Error::new(
                attr.span(),
                format!("expected `#[event(..)]` on the enum with {ENUM_KEYS}"),
            )
        })?;
        list.parse_args_with(|input: ParseStream<'_>| {
            while !input.is_empty() {
                let key: Ident = input.parse().map_err(|e| {
                    syn::Error::new(e.span(), format!("expected {ENUM_KEYS}"))
                })?;
                if key != "default_bus" {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown key `{key}` in the enum's #[event(..)]; expected {ENUM_KEYS} (the keys `on`, `name` and `unwired` go on a variant)"),
                    ));
                }
                if default_bus.is_some() {
                    return Err(syn::Error::new(key.span(), "`default_bus` is given twice"));
                }
                input.parse::<Token![=]>()?;
                let value: syn::LitBool = input.parse().map_err(|e| {
                    syn::Error::new(e.span(), "expected `default_bus = false` or `default_bus = true`")
                })?;
                default_bus = Some(value.value);
                if input.is_empty() {
                    break;
                }
                input.parse::<Token![,]>()?;
            }
            Ok(())
        })?;
    }
    Ok(default_bus.unwrap_or(true))
}

fn parse_options(attrs: &[Attribute]) -> syn::Result<Options> {
    let mut options = Options::default();
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

fn parse_option(input: ParseStream<'_>, options: &mut Options) -> syn::Result<()> {
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

//! The rules of an event enum: unit variants, valid and distinct dotted names,
//! exemptions with reasons.

use super::parse::{combine, EventEnum};
use crate::phase::PhaseList;
use heck::ToSnakeCase;

use syn::spanned::Spanned;
use syn::Ident;

pub(crate) struct ValidEnum {
    pub(crate) ident: Ident,
    pub(crate) variants: Vec<ValidVariant>,
}

pub(crate) struct ValidVariant {
    pub(crate) ident: Ident,
    pub(crate) dotted: String,
    pub(crate) phases: PhaseList,
    pub(crate) exemption: Option<String>,
}

/// `ToolInvoked` -> `tool.invoked`, `HTTPRequestSent` -> `http.request.sent`.
pub(crate) fn dotted_name(variant: &Ident) -> String {
    variant
        .to_string()
        .trim_start_matches("r#")
        .to_snake_case()
        .replace('_', ".")
}

/// Lower-case words of letters, digits and `_`, joined by single dots.
fn is_valid_dotted(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

pub(crate) fn validate(parsed: EventEnum) -> syn::Result<ValidEnum> {
    if let Some(param) = parsed.generics.params.first() {
        return Err(syn::Error::new(
            param.span(),
            "#[derive(EventType)] needs an enum without generic parameters: each variant is one fixed event kind",
        ));
    }
    if let Some(clause) = &parsed.generics.where_clause {
        return Err(syn::Error::new(
            clause.where_token.span,
            "#[derive(EventType)] needs an enum without a where clause",
        ));
    }
    if parsed.variants.is_empty() {
        return Err(syn::Error::new(
            parsed.brace_span,
            format!(
                "#[derive(EventType)] needs at least one variant: `{}` has no event kinds",
                parsed.ident
            ),
        ));
    }
    let mut errors: Option<syn::Error> = None;
    let mut variants: Vec<ValidVariant> = Vec::new();
    for variant in parsed.variants {
        if !matches!(variant.fields, syn::Fields::Unit) {
            combine(
                &mut errors,
                syn::Error::new(
                    variant.fields.span(),
                    format!(
                        "event kind `{}` must be a unit variant: an event's data goes in `fields(..)` of #[emits] or emit!, not in the enum",
                        variant.ident
                    ),
                ),
            );
            continue;
        }
        let (dotted, name_span) = match &variant.options.name {
            Some(lit) => {
                let name = lit.value();
                if !is_valid_dotted(&name) {
                    combine(
                        &mut errors,
                        syn::Error::new(
                            lit.span(),
                            format!(
                                "invalid event name {:?}: use lower-case words of letters, digits and `_`, joined by dots, e.g. \"tool.invoked\"",
                                name
                            ),
                        ),
                    );
                    continue;
                }
                (name, lit.span())
            }
            None => (dotted_name(&variant.ident), variant.ident.span()),
        };
        if let Some(other) = variants.iter().find(|v| v.dotted == dotted) {
            combine(
                &mut errors,
                syn::Error::new(
                    name_span,
                    format!(
                        "`{}` and `{}` both have the dotted name `{dotted}`; rename one, or give one `#[event(name = \"..\")]`",
                        other.ident, variant.ident
                    ),
                ),
            );
            continue;
        }
        let exemption = match variant.options.unwired {
            None => None,
            Some((key, reason)) => match reason.map(|r| (r.value(), r.span())) {
                Some((text, _)) if !text.trim().is_empty() => Some(text),
                Some((_, span)) => {
                    combine(
                        &mut errors,
                        syn::Error::new(span, "an exemption needs a reason: `unwired = \"why this event has no emission site\"`"),
                    );
                    continue;
                }
                None => {
                    combine(
                        &mut errors,
                        syn::Error::new(key.span(), "an exemption needs a reason: `unwired = \"why this event has no emission site\"`"),
                    );
                    continue;
                }
            },
        };
        variants.push(ValidVariant {
            ident: variant.ident,
            dotted,
            phases: variant.options.on.unwrap_or_default(),
            exemption,
        });
    }
    if let Some(e) = errors {
        return Err(e);
    }
    Ok(ValidEnum {
        ident: parsed.ident,
        variants,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    #[test]
    fn dotted_names_follow_word_boundaries() {
        let name = |s: &str| dotted_name(&Ident::new(s, Span::call_site()));
        assert_eq!(name("ToolInvoked"), "tool.invoked");
        assert_eq!(name("HTTPRequestSent"), "http.request.sent");
        assert_eq!(name("HttpRequestSent"), "http.request.sent");
        assert_eq!(name("Created"), "created");
    }

    #[test]
    fn dotted_names_are_checked() {
        assert!(is_valid_dotted("tool.invoked"));
        assert!(is_valid_dotted("http2.sent_ok"));
        assert!(!is_valid_dotted(""));
        assert!(!is_valid_dotted("Tool.Invoked"));
        assert!(!is_valid_dotted("tool..invoked"));
        assert!(!is_valid_dotted(".tool"));
        assert!(!is_valid_dotted("tool invoked"));
    }
}

//! Captured fields in tracing's conventions: `name = %display`,
//! `name = ?debug`, `name = value`, and the shorthands `%name`, `?name`, `name`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Expr, Ident, LitStr, Token};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Capture {
    Display,
    Debug,
    Value,
}

pub(crate) struct FieldSpec {
    pub(crate) name: String,
    pub(crate) name_span: Span,
    capture: Capture,
    value: Expr,
}

fn parse_capture(input: ParseStream<'_>) -> syn::Result<Capture> {
    if input.peek(Token![%]) {
        input.parse::<Token![%]>()?;
        Ok(Capture::Display)
    } else if input.peek(Token![?]) {
        input.parse::<Token![?]>()?;
        Ok(Capture::Debug)
    } else {
        Ok(Capture::Value)
    }
}

/// `a.b.c` as a field name, and the same tokens as an expression.
fn parse_dotted(input: ParseStream<'_>) -> syn::Result<(String, Span, Vec<Ident>)> {
    let first: Ident = input.parse::<Ident>().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected a field: `name = %value`, `name = ?value`, `name = value`, or a variable name",
        )
    })?;
    let span = first.span();
    let mut parts = vec![first];
    while input.peek(Token![.]) && !input.peek(Token![..]) {
        input.parse::<Token![.]>()?;
        parts.push(input.parse::<Ident>()?);
    }
    let name = parts
        .iter()
        .map(|p| p.to_string().trim_start_matches("r#").to_owned())
        .collect::<Vec<_>>()
        .join(".");
    Ok((name, span, parts))
}

impl FieldSpec {
    /// One field, up to the next comma.
    pub(crate) fn parse(input: ParseStream<'_>) -> syn::Result<FieldSpec> {
        if input.peek(Token![%]) || input.peek(Token![?]) {
            let capture = parse_capture(input)?;
            let (name, name_span, parts) = parse_dotted(input)?;
            let value = syn::parse2(quote!(#(#parts).*))?;
            return Ok(FieldSpec {
                name,
                name_span,
                capture,
                value,
            });
        }
        let (name, name_span, parts) = if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            if !input.peek(Token![=]) {
                return Err(syn::Error::new(
                    lit.span(),
                    "a field named by a string needs a value: `\"name\" = value`",
                ));
            }
            (lit.value(), lit.span(), Vec::new())
        } else {
            parse_dotted(input)?
        };
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            let capture = parse_capture(input)?;
            let value: Expr = input.parse().map_err(|e| {
                syn::Error::new(e.span(), format!("expected the value of field `{name}`"))
            })?;
            return Ok(FieldSpec {
                name,
                name_span,
                capture,
                value,
            });
        }
        let value = syn::parse2(quote!(#(#parts).*))?;
        Ok(FieldSpec {
            name,
            name_span,
            capture: Capture::Value,
            value,
        })
    }
}

/// Checks that no name is captured twice.
pub(crate) fn check_unique(fields: &[FieldSpec]) -> syn::Result<()> {
    for (i, field) in fields.iter().enumerate() {
        if fields[..i].iter().any(|f| f.name == field.name) {
            return Err(syn::Error::new(
                field.name_span,
                format!("field `{}` is captured twice", field.name),
            ));
        }
    }
    Ok(())
}

/// Statements that push each field into `target` (a `&mut Fields`).
/// Each call carries the value's span, so that a value that cannot be
/// captured is reported at the value.
pub(crate) fn expand(fields: &[FieldSpec], target: &Ident) -> TokenStream {
    let pushes = fields.iter().map(|field| {
        let name = &field.name;
        let value = &field.value;
        let method = match field.capture {
            Capture::Display => quote!(push_display),
            Capture::Debug => quote!(push_debug),
            Capture::Value => quote!(push_value),
        };
        quote_spanned!(value.span()=> #target.#method(#name, &(#value));)
    });
    quote!(#(#pushes)*)
}

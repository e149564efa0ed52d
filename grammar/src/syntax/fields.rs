//! Captured fields in tracing's conventions: `name = %display`,
//! `name = ?debug`, `name = value`, and the shorthands `%name`, `?name`, `name`.

use proc_macro2::Span;
use quote::quote;
use syn::parse::ParseStream;
use syn::{Expr, Ident, LitStr, Token};

/// How a field's value is captured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capture {
    /// `%value`: its `Display` text.
    Display,
    /// `?value`: its `Debug` text.
    Debug,
    /// `value`: as a number, `bool` or string.
    Value,
}

/// One captured field.
#[derive(Clone)]
pub struct FieldSpec {
    /// The field's name, dotted for `a.b = ..` and the shorthand `a.b`.
    pub name: String,
    /// Where the name is written.
    pub name_span: Span,
    /// How the value is captured.
    pub capture: Capture,
    /// The value.
    pub value: Expr,
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
    ///
    /// # Errors
    ///
    /// Anything that is not a field.
    pub fn parse(input: ParseStream<'_>) -> syn::Result<FieldSpec> {
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
///
/// # Errors
///
/// At the second capture of a name.
pub fn check_unique(fields: &[FieldSpec]) -> syn::Result<()> {
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

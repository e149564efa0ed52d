//! Reads `Event`, then fields, then an optional `bus = expr`.

use crate::fields::{check_unique, FieldSpec};
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, Path, Token};

pub(crate) struct EmitInput {
    /// The enum, when the event is written as a path (`EventType::ToolRetried`).
    pub(crate) enum_path: Option<Path>,
    pub(crate) variant: Ident,
    pub(crate) fields: Vec<FieldSpec>,
    pub(crate) bus: Option<Expr>,
}

impl Parse for EmitInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error(
                "emit! needs an event: `emit!(ToolRetried)` or `emit!(ToolRetried, attempt, reason = %e)`",
            ));
        }
        let mut path: Path = input.call(Path::parse_mod_style).map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected an event variant, e.g. `emit!(ToolRetried)`",
            )
        })?;
        let last = path
            .segments
            .pop()
            .map(|pair| pair.into_value().ident)
            .ok_or_else(|| input.error("expected an event variant"))?;
        // `Path::parse_mod_style` leaves a trailing `::` behind once the last
        // segment is popped.
        let enum_path = if path.segments.is_empty() {
            None
        } else {
            path.segments.pop_punct();
            Some(path)
        };
        let mut fields = Vec::new();
        let mut bus = None;
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
                let fork = input.fork();
                let key: Ident = fork.parse()?;
                if key == "bus" {
                    input.parse::<Ident>()?;
                    input.parse::<Token![=]>()?;
                    if bus.is_some() {
                        return Err(syn::Error::new(key.span(), "`bus` is given twice"));
                    }
                    bus = Some(input.parse()?);
                    continue;
                }
            }
            fields.push(FieldSpec::parse(input)?);
        }
        check_unique(&fields)?;
        Ok(EmitInput {
            enum_path,
            variant: last,
            fields,
            bus,
        })
    }
}

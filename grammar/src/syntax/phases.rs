//! Phase lists as attributes spell them: `on = err | cancel`.

use crate::phase::{Phase, Phases};
use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::{Ident, Token};

/// A set of phases with the span of each, as written.
#[derive(Clone, Debug, Default)]
pub struct PhaseList(pub Vec<(Phase, Span)>);

impl PhaseList {
    /// Parses `entry | ok | ..` after `on =`.
    ///
    /// # Errors
    ///
    /// Something that is not a phase, or a phase given twice.
    pub fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut list = Vec::new();
        loop {
            let ident: Ident = input.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    format!("expected a phase: one of {}", Phase::NAMES),
                )
            })?;
            let Some(phase) = Phase::from_name(&ident.to_string()) else {
                return Err(syn::Error::new(
                    ident.span(),
                    format!("unknown phase `{ident}`; expected one of {}", Phase::NAMES),
                ));
            };
            if list.iter().any(|(p, _)| *p == phase) {
                return Err(syn::Error::new(
                    ident.span(),
                    format!("phase `{ident}` is given twice"),
                ));
            }
            list.push((phase, ident.span()));
            if !input.peek(Token![|]) {
                break;
            }
            input.parse::<Token![|]>()?;
        }
        // `body` is where an `emit!` stands; an event emitted there fires
        // on nothing else (the other phases would be silently dropped).
        if list.len() > 1 {
            if let Some((_, span)) = list.iter().find(|(p, _)| *p == Phase::Body) {
                return Err(syn::Error::new(
                    *span,
                    "`body` stands alone: an event on `body` is emitted with `emit!` where it happens, and fires on nothing else; give the other phases to an event of their own",
                ));
            }
        }
        Ok(PhaseList(list))
    }

    /// Whether `phase` is in the list.
    pub fn contains(&self, phase: Phase) -> bool {
        self.0.iter().any(|(p, _)| *p == phase)
    }

    /// Where `phase` is written, if it is.
    pub fn span_of(&self, phase: Phase) -> Option<Span> {
        self.0.iter().find(|(p, _)| *p == phase).map(|(_, s)| *s)
    }

    /// The phases as a set.
    pub fn phases(&self) -> Phases {
        self.0.iter().map(|(p, _)| *p).collect()
    }
}

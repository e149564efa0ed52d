//! Phase names as attributes spell them: `on = err | cancel`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::ParseStream;
use syn::{Ident, Token};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Entry,
    Ok,
    Err,
    Exit,
    Cancel,
    Body,
}

pub(crate) const NAMES: &str = "entry, ok, err, exit, cancel, body";

impl Phase {
    fn from_ident(ident: &Ident) -> Option<Phase> {
        Some(match ident.to_string().as_str() {
            "entry" => Phase::Entry,
            "ok" => Phase::Ok,
            "err" => Phase::Err,
            "exit" => Phase::Exit,
            "cancel" => Phase::Cancel,
            "body" => Phase::Body,
            _ => return None,
        })
    }

    fn variant(self) -> Ident {
        let name = match self {
            Phase::Entry => "Entry",
            Phase::Ok => "Ok",
            Phase::Err => "Err",
            Phase::Exit => "Exit",
            Phase::Cancel => "Cancel",
            Phase::Body => "Body",
        };
        Ident::new(name, Span::call_site())
    }
}

/// A set of phases with the span of each, as written.
#[derive(Clone, Debug, Default)]
pub(crate) struct PhaseList(pub(crate) Vec<(Phase, Span)>);

impl PhaseList {
    /// Parses `entry | ok | ..` after `on =`.
    pub(crate) fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut list = Vec::new();
        loop {
            let ident: Ident = input.parse().map_err(|e| {
                syn::Error::new(e.span(), format!("expected a phase: one of {NAMES}"))
            })?;
            let Some(phase) = Phase::from_ident(&ident) else {
                return Err(syn::Error::new(
                    ident.span(),
                    format!("unknown phase `{ident}`; expected one of {NAMES}"),
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
        Ok(PhaseList(list))
    }

    pub(crate) fn contains(&self, phase: Phase) -> bool {
        self.0.iter().any(|(p, _)| *p == phase)
    }

    pub(crate) fn span_of(&self, phase: Phase) -> Option<Span> {
        self.0.iter().find(|(p, _)| *p == phase).map(|(_, s)| *s)
    }

    /// A `const` expression of the runtime's `Phases` holding these phases.
    pub(crate) fn to_const(&self, private: &TokenStream) -> TokenStream {
        let phases = self.0.iter().map(|(p, _)| p.variant());
        quote!(#private::PhaseSet::EMPTY #(.with(#private::PhaseEnum::#phases))*)
    }
}

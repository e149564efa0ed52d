//! Phase sets as the constants that generated code holds.

use eventwire_grammar::syntax::phases::PhaseList;
use eventwire_grammar::Phase;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Ident;

fn variant(phase: Phase) -> Ident {
    let name = match phase {
        Phase::Entry => "Entry",
        Phase::Ok => "Ok",
        Phase::Err => "Err",
        Phase::Exit => "Exit",
        Phase::Cancel => "Cancel",
        Phase::Body => "Body",
    };
    Ident::new(name, Span::call_site())
}

/// A `const` expression of the runtime's `Phases` holding these phases.
pub(crate) fn to_const(list: &PhaseList, private: &impl quote::ToTokens) -> TokenStream {
    let phases = list.0.iter().map(|(p, _)| variant(*p));
    quote!(#private::PhaseSet::EMPTY #(.with(#private::PhaseEnum::#phases))*)
}

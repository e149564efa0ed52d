//! How generated code finds a call's bus with user code (`bus = ..`, a
//! receiver's `HasBus::event_bus`): in a closure run in isolation, so that
//! a panic there is counted and reported, never the service's.

use crate::runtime_path::private;
use proc_macro2::{TokenStream, TokenTree};
use quote::quote;

/// `find` (an expression of type `Option<B>`) in isolation, reporting a
/// panic against `site` (an `Option<&SiteOf<E>>`). An expression that
/// leaves its function (`?`, `.await`, `return`, `break`, `continue`,
/// `yield`) cannot move into a closure: it is evaluated where it stands.
pub(crate) fn isolated_bus(find: &TokenStream, site: &TokenStream) -> TokenStream {
    if leaves(find) {
        return find.clone();
    }
    let p = private();
    quote!(#p::find_bus(#site, || #find))
}

/// Whether `tokens` hold control flow that a closure would capture.
fn leaves(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().any(|tree| match tree {
        TokenTree::Punct(punct) => punct.as_char() == '?',
        TokenTree::Ident(ident) => {
            ["await", "return", "break", "continue", "yield"].contains(&ident.to_string().as_str())
        }
        TokenTree::Group(group) => leaves(&group.stream()),
        TokenTree::Literal(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_flow_stays_where_it_stands() {
        let site = quote!(None);
        for find in [
            quote!(self.bus()?),
            quote!(self.bus().await),
            quote!({ return None }),
            quote!(if x { f() } else { break }),
        ] {
            assert_eq!(isolated_bus(&find, &site).to_string(), find.to_string());
        }
        let isolated = isolated_bus(&quote!(self.pick()), &site).to_string();
        assert!(isolated.contains("find_bus"), "{isolated}");
    }
}

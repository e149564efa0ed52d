//! How generated code finds a call's bus with user code (`bus = ..`, a
//! receiver's `HasBus::event_bus`): in a closure run in isolation, so that
//! a panic there is counted and reported, never the service's.

use crate::runtime_path::private;
use proc_macro2::{TokenStream, TokenTree};
use quote::quote;

/// `find` (an expression of type `Option<B>`) in isolation, reporting a
/// panic against `site` (an `Option<&SiteOf<E>>`). An expression that may
/// leave its function (`?`, `.await`, `return`, `break`, `continue`,
/// `yield`, or a macro call, which may hide one) cannot move into a
/// closure: it is evaluated where it stands.
pub(crate) fn isolated_bus(find: &TokenStream, site: &TokenStream) -> TokenStream {
    if leaves(find) {
        return find.clone();
    }
    let p = private();
    quote!(#p::find_bus(#site, || #find))
}

/// Whether `tokens` may hold control flow that a closure would capture.
fn leaves(tokens: &TokenStream) -> bool {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    trees.iter().enumerate().any(|(i, tree)| match tree {
        TokenTree::Punct(punct) => {
            punct.as_char() == '?'
                // `name!(..)`: a macro call, whose expansion may leave.
                || (punct.as_char() == '!'
                    && matches!(trees.get(i.wrapping_sub(1)), Some(TokenTree::Ident(_)))
                    && matches!(trees.get(i + 1), Some(TokenTree::Group(_))))
        }
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
            quote!(bail!(self.lookup())),
            quote!(self.pick(inner![x])),
        ] {
            assert_eq!(isolated_bus(&find, &site).to_string(), find.to_string());
        }
        for find in [quote!(self.pick()), quote!(!self.off && self.on())] {
            let isolated = isolated_bus(&find, &site).to_string();
            assert!(isolated.contains("find_bus"), "{isolated}");
        }
    }
}

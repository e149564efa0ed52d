//! The item `#[emits]` is on: a function with a body, or an error saying
//! what it goes on instead.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Item, ItemFn, Token};

/// The function the attribute is on, or an error at the item's keyword;
/// `None` for tokens that do not parse, which the compiler reports itself.
pub(crate) fn target(item: TokenStream) -> syn::Result<Option<ItemFn>> {
    let not_fn = |span: proc_macro2::Span, what: &str| {
        syn::Error::new(
            span,
            format!("#[emits] goes on a function or method with a body, not on {what}"),
        )
    };
    match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(function)) => Ok(Some(function)),
        Ok(Item::Struct(s)) => Err(not_fn(s.struct_token.span, "a struct")),
        Ok(Item::Enum(e)) => Err(not_fn(e.enum_token.span, "an enum")),
        Ok(Item::Union(u)) => Err(not_fn(u.union_token.span, "a union")),
        Ok(Item::Impl(i)) => Err(syn::Error::new(
            i.impl_token.span,
            "#[emits] goes on each method of an impl block, not on the impl block itself",
        )),
        Ok(Item::Trait(t)) => Err(not_fn(t.trait_token.span, "a trait")),
        Ok(Item::Const(c)) => Err(not_fn(c.const_token.span, "a const")),
        Ok(Item::Static(s)) => Err(not_fn(s.static_token.span, "a static")),
        Ok(Item::Mod(m)) => Err(not_fn(m.mod_token.span, "a module")),
        Ok(Item::Type(t)) => Err(not_fn(t.type_token.span, "a type alias")),
        Ok(Item::Use(u)) => Err(not_fn(u.use_token.span, "a use declaration")),
        Ok(other) => {
            // A trait method without a body parses as a foreign-style item.
            if let Ok(sig) = syn::parse2::<BodilessFn>(item) {
                return Err(syn::Error::new(
                    sig.0.fn_token.span,
                    "#[emits] needs a function body to wrap; put it on the implementations of this method, or give it a default body",
                ));
            }
            Err(syn::Error::new(
                other.span(),
                "#[emits] goes on a function or method with a body",
            ))
        }
        Err(_) => match syn::parse2::<syn::Expr>(item) {
            Ok(syn::Expr::Closure(closure)) => Err(syn::Error::new(
                closure.or1_token.span,
                "#[emits] goes on a function or method, not on a closure; move the closure's body into a function and annotate that",
            )),
            _ => Ok(None),
        },
    }
}

struct BodilessFn(syn::Signature);

impl Parse for BodilessFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        input.call(syn::Attribute::parse_outer)?;
        input.parse::<syn::Visibility>()?;
        let sig: syn::Signature = input.parse()?;
        input.parse::<Token![;]>()?;
        Ok(BodilessFn(sig))
    }
}

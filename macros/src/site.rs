//! The static record of a site, its registration with `inventory`, and
//! the marker type that names the enclosing function.

use crate::runtime_path::private;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use std::sync::atomic::{AtomicU32, Ordering};

/// What a record says beyond its event and location.
pub(crate) struct SiteFacts<'a> {
    /// `const` tokens of the site's phases.
    pub(crate) phases: TokenStream,
    /// `Attribute` or `Macro`.
    pub(crate) origin: &'static str,
    /// The marker type that names the enclosing function (see [`function_namer`]).
    pub(crate) function: &'a Ident,
    /// `untested = ".."`.
    pub(crate) waiver: Option<String>,
    /// The declarations of the fields its events carry (see `fields::declare`).
    pub(crate) fields: Vec<Ident>,
}

/// The order in which this compilation expanded sites: it tells apart sites
/// that share everything else (see `eventwire_grammar::site`).
/// The path of a variant, `EventType::Called`, at the places the user
/// wrote its parts (errors point there) but with the macro's hygiene: a
/// path the user never wrote is not linted as theirs
/// (`unused_qualifications` where the variants are imported by name).
/// Names in it still resolve where the function is (`mixed_site` resolves
/// items at the call site).
pub(crate) fn variant_path(enum_path: &syn::Path, variant: &Ident) -> TokenStream {
    // The variant keeps the user's own span: an unknown one is reported
    // there as if written by hand.
    let path = hygienic(quote_spanned!(variant.span()=> #enum_path::));
    quote!(#path #variant)
}

/// The enum's path, as [`variant_path`] spans it.
pub(crate) fn enum_path(enum_path: &syn::Path) -> syn::Path {
    syn::parse2(hygienic(quote!(#enum_path))).unwrap_or_else(|_| enum_path.clone())
}

fn hygienic(tokens: TokenStream) -> TokenStream {
    crate::runtime_path::respan_with(tokens, &|span| Span::mixed_site().located_at(span))
}

fn next_order() -> u32 {
    static ORDER: AtomicU32 = AtomicU32::new(0);
    ORDER.fetch_add(1, Ordering::Relaxed)
}

/// Tokens for the static record of one site; `register` lists records with
/// `inventory`. `line!()` and `column!()` carry the span of the event's
/// name, so the site is located at that name.
pub(crate) fn record(
    record: &Ident,
    enum_path: &syn::Path,
    variant: &Ident,
    facts: &SiteFacts<'_>,
) -> TokenStream {
    let p = private();
    let origin = Ident::new(facts.origin, Span::call_site());
    let location = quote_spanned! {variant.span()=>
        file: ::core::file!(), line: ::core::line!(), column: ::core::column!(),
    };
    // The variant's own tokens, or the macro's invocation: a variant named
    // by a macro defined in production code still has its invocation's
    // place when a test module invokes it.
    let test_only = crate::test_code::is_test_only(variant.span())
        || crate::test_code::is_test_only(Span::call_site());
    let doctest = crate::test_code::is_doctest();
    let waiver = match &facts.waiver {
        Some(reason) => quote!(::core::option::Option::Some(#reason)),
        None => quote!(::core::option::Option::None),
    };
    let order = next_order();
    let phases = &facts.phases;
    let function = namer_fn(facts.function);
    let fields = &facts.fields;
    let kind = variant_path(enum_path, variant);
    let enum_path = self::enum_path(enum_path);
    quote! {
        static #record: #p::Record = #p::Record::new(#p::SiteSpec {
            kind: &#kind,
            variant: #kind.__eventwire_index(),
            enum_info: #p::enum_info::<#enum_path>,
            phases: #phases,
            origin: #p::SiteOrigin::#origin,
            function: #function,
            #location
            test_only: #test_only,
            doctest: #doctest,
            package: ::core::env!("CARGO_PKG_NAME"),
            waiver: #waiver,
            order: #order,
            fields: &[#(&#fields),*],
        });
    }
}

/// Registers `records` with `inventory`, as one entry. Where code goes, the
/// registration goes: under the same `cfg`s as the site.
pub(crate) fn register(records: &[Ident]) -> TokenStream {
    register_table(&quote!([#(&#records),*]))
}

/// Registers the site table `table` (a static the function declares, or an
/// array of its records) with `inventory`, as one entry.
pub(crate) fn register_table(table: &TokenStream) -> TokenStream {
    let p = private();
    quote! {
        #p::inventory::submit! { #p::Registered(&#table) }
    }
}

/// The marker type that names its enclosing function by its own type
/// name (whose last segment, its own name, is dropped): one item per
/// function, however many sites it has. A type, not a function: a function
/// would cost the compiler a body and an instantiation of its own per
/// annotated function, a type only the instantiation of `type_name`.
pub(crate) fn function_namer(namer: &Ident) -> TokenStream {
    // Braced: a unit struct would turn a user's binding of the same name
    // into a pattern matching it.
    quote!(struct #namer {})
}

/// The `fn() -> &'static str` that a record or a field declaration holds,
/// naming its function through the marker `namer`.
pub(crate) fn namer_fn(namer: &Ident) -> TokenStream {
    let p = private();
    quote!(#p::type_name::<#namer>)
}

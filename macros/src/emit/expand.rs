//! The site record, its registration, and the publish call of one `emit!`.

use super::parse::EmitInput;
use crate::runtime_path::private;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};

/// Whose bus an `emit!` publishes through.
pub(crate) enum Emitter {
    /// Its own: `bus = ..`, else the defaults.
    Free,
    /// The enclosing `#[emits]` call, through this local; the path the
    /// user wrote the `emit!` with.
    Call(Ident, TokenStream),
}

/// Tokens for the static record of one site; `register` lists records with
/// `inventory`. `line!()` and `column!()` carry the span of the event's
/// name, so the site is located at that name. `function` names a `fn() ->
/// &'static str` giving the enclosing function's path.
pub(crate) fn site_record(
    record: &Ident,
    enum_path: &syn::Path,
    variant: &Ident,
    phases: &TokenStream,
    origin: &str,
    function: &Ident,
) -> TokenStream {
    let p = private();
    let origin = Ident::new(origin, Span::call_site());
    let location = quote_spanned! {variant.span()=>
        ::core::file!(), ::core::line!(), ::core::column!()
    };
    quote! {
        static #record: #p::Record = #p::Record::new(
            &#enum_path::#variant,
            #enum_path::#variant.__eventwire_index(),
            #p::enum_info::<#enum_path>,
            #phases,
            #p::SiteOrigin::#origin,
            #function,
            #location,
        );
    }
}

/// Registers `records` with `inventory`, as one entry.
pub(crate) fn register(records: &[Ident]) -> TokenStream {
    let p = private();
    quote! {
        #p::inventory::submit! { #p::Registered(&[#(&#records),*]) }
    }
}

/// A marker function and the function that names its enclosing function,
/// from the marker's type name.
pub(crate) fn function_namer(marker: &Ident, namer: &Ident) -> TokenStream {
    let p = private();
    quote! {
        fn #marker() {}
        fn #namer() -> &'static str {
            #p::type_name_of_val(&#marker)
        }
    }
}

pub(crate) fn expand(
    input: &EmitInput,
    default_enum: &syn::Path,
    emitter: &Emitter,
) -> TokenStream {
    let p = private();
    let enum_path = input.enum_path.as_ref().unwrap_or(default_enum);
    let variant = &input.variant;
    let record = Ident::new("__EVENTWIRE_SITE", Span::call_site());
    let marker = Ident::new("__eventwire_here", Span::call_site());
    let namer = Ident::new("__eventwire_function", Span::call_site());
    let phases = quote!(#p::PhaseSet::only(#p::PhaseEnum::Body));
    let site = site_record(&record, enum_path, variant, &phases, "Macro", &namer);
    let namer_fns = function_namer(&marker, &namer);
    let registration = register(std::slice::from_ref(&record));
    let fields_var = Ident::new("eventwire_fields", Span::mixed_site());
    let pushes = crate::fields::expand(&input.fields, &fields_var);
    let capture = quote!(|#fields_var: &mut #p::FieldSet| { #pushes });
    let kind = quote_spanned!(variant.span()=> #enum_path::#variant);
    let publish = match (&input.bus, emitter) {
        (None, Emitter::Call(call, _)) => quote! {
            #call.emit(#kind, &#record, #capture);
        },
        (Some(bus), _) => quote_spanned! {syn::spanned::Spanned::span(bus)=>
            #p::emit_free::<#enum_path, _>(#p::explicit_bus::<#enum_path, _>(&(#bus)), #kind, &#record, #capture);
        },
        (None, Emitter::Free) => quote! {
            #p::emit_free::<#enum_path, _>(#p::no_bus::<#enum_path>(), #kind, &#record, #capture);
        },
    };
    let used = match emitter {
        Emitter::Call(_, path) => super::use_marker(path),
        Emitter::Free => TokenStream::new(),
    };
    quote! {
        {
            #namer_fns
            #site
            #registration
            #used
            #publish
        }
    }
}

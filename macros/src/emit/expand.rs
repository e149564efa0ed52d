//! The publish call of one `emit!`, with its site record.

use crate::runtime_path::private;
use crate::site::{function_namer, record, register, SiteFacts};
use eventwire_grammar::syntax::emit::EmitInput;
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

pub(crate) fn expand(
    input: &EmitInput,
    default_enum: &syn::Path,
    emitter: &Emitter,
) -> TokenStream {
    let p = private();
    let enum_path = input.enum_path.as_ref().unwrap_or(default_enum);
    let variant = &input.variant;
    let record_name = Ident::new("__EVENTWIRE_SITE", Span::call_site());
    let marker = Ident::new("__eventwire_here", Span::call_site());
    let namer = Ident::new("__eventwire_function", Span::call_site());
    let site = record(
        &record_name,
        enum_path,
        variant,
        &SiteFacts {
            phases: quote!(#p::PhaseSet::only(#p::PhaseEnum::Body)),
            origin: "Macro",
            function: &namer,
            waiver: input.options.waiver(),
        },
    );
    let namer_fns = function_namer(&marker, &namer);
    let registration = register(std::slice::from_ref(&record_name));
    let record = record_name;
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

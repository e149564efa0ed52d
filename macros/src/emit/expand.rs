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
    /// The enclosing `#[emits]` call, through the local `call`; the site's
    /// record is `record`, which the attribute declares with the function's
    /// other records.
    Call { call: Ident, record: Ident },
}

/// The static record of one `emit!` site, named `name`, with the
/// declarations of its own fields; `namer` names the enclosing function.
/// `call_fields` are the fields of the enclosing call that its event
/// carries before its own (none for an `emit!` with a bus of its own).
pub(crate) fn site_record(
    input: &EmitInput,
    default_enum: &syn::Path,
    name: &Ident,
    namer: &Ident,
    call_fields: &[Ident],
) -> TokenStream {
    let p = private();
    let enum_path = input.enum_path.as_ref().unwrap_or(default_enum);
    let (decls, own) =
        crate::fields::declare(&input.fields, crate::fields::Origin::Emit, name, namer);
    let carried = if input.bus.is_some() {
        &[][..]
    } else {
        call_fields
    };
    let site = record(
        name,
        enum_path,
        &input.variant,
        &SiteFacts {
            phases: quote!(#p::PhaseSet::only(#p::PhaseEnum::Body)),
            origin: "Macro",
            function: namer,
            waiver: input.options.waiver(),
            fields: carried.iter().chain(&own).cloned().collect(),
        },
    );
    quote!(#decls #site)
}

pub(crate) fn expand(
    input: &EmitInput,
    default_enum: &syn::Path,
    emitter: &Emitter,
) -> TokenStream {
    let p = private();
    let enum_path = &crate::site::enum_path(input.enum_path.as_ref().unwrap_or(default_enum));
    let variant = &input.variant;
    let fields_var = Ident::new("eventwire_fields", Span::mixed_site());
    let kind = crate::site::variant_path(enum_path, variant);
    let own = Ident::new("__EVENTWIRE_SITE", Span::call_site());
    let record = match emitter {
        Emitter::Call { record, .. } => record,
        Emitter::Free => &own,
    };
    let pushes = crate::fields::expand(&input.fields, &fields_var, record);
    let capture = quote!(|#fields_var: &mut #p::FieldSet| { #pushes });
    let publish = match (&input.bus, emitter) {
        (None, Emitter::Call { call, .. }) => quote! {
            #call.emit(#kind, &#record, #capture);
        },
        (Some(bus), _) => {
            let find = quote_spanned! {syn::spanned::Spanned::span(bus)=>
                #p::explicit_bus::<#enum_path, _>(&(#bus)).map(::std::sync::Arc::clone)
            };
            let found = crate::bus_lookup::isolated_bus(
                &find,
                &quote!(::core::option::Option::Some(&(#kind, &#record))),
            );
            quote_spanned! {syn::spanned::Spanned::span(bus)=>
                #p::emit_free::<#enum_path, _>((#found).as_ref(), #kind, &#record, #capture);
            }
        }
        (None, Emitter::Free) => quote! {
            #p::emit_free::<#enum_path, _>(#p::no_bus::<#enum_path>(), #kind, &#record, #capture);
        },
    };
    match emitter {
        // The record is declared with the function's; it is registered
        // here, so that a `cfg` that removes this `emit!` unregisters it.
        Emitter::Call { .. } => {
            let registration = register(std::slice::from_ref(record));
            quote! {
                {
                    #registration
                    #publish
                }
            }
        }
        Emitter::Free => {
            let namer = Ident::new("__EventwireFunction", Span::call_site());
            let namer_fns = function_namer(&namer);
            let site = site_record(input, default_enum, &own, &namer, &[]);
            let registration = register(std::slice::from_ref(&own));
            let import = crate::runtime_path::import();
            quote! {
                {
                    #import
                    #namer_fns
                    #site
                    #registration
                    #publish
                }
            }
        }
    }
}

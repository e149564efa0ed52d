//! `#[derive(HasBus)]`: a service struct provides the bus held in one field.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Member};

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    match syn::parse2::<DeriveInput>(input).and_then(|input| expand(&input)) {
        Ok(tokens) => tokens,
        Err(error) => error.to_compile_error(),
    }
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let fields = match &input.data {
        Data::Struct(data) => &data.fields,
        Data::Enum(data) => {
            return Err(syn::Error::new(
                data.enum_token.span,
                "#[derive(HasBus)] goes on a struct with a bus field; for an enum, implement eventwire::HasBus by hand",
            ))
        }
        Data::Union(data) => {
            return Err(syn::Error::new(
                data.union_token.span,
                "#[derive(HasBus)] goes on a struct with a bus field, not a union",
            ))
        }
    };
    let marked: Vec<_> = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.attrs.iter().any(|a| a.path().is_ident("event_bus")))
        .collect();
    let (index, field) = match marked.as_slice() {
        [one] => *one,
        [_, second, ..] => {
            return Err(syn::Error::new_spanned(
                second.1.attrs.iter().find(|a| a.path().is_ident("event_bus")),
                "only one field can be marked #[event_bus]",
            ))
        }
        [] => fields
            .iter()
            .enumerate()
            .find(|(_, f)| {
                f.ident
                    .as_ref()
                    .is_some_and(|i| i == "bus" || i == "event_bus")
            })
            .ok_or_else(|| {
                syn::Error::new(
                    input.ident.span(),
                    format!(
                        "#[derive(HasBus)] found no bus field in `{}`: name the field `bus` or `event_bus`, or mark it #[event_bus] (its type is usually `Option<eventwire::SharedBus<EventType>>`)",
                        input.ident
                    ),
                )
            })?,
    };
    for attr in field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("event_bus"))
    {
        attr.meta.require_path_only()?;
    }
    let member = match &field.ident {
        Some(ident) => Member::Named(ident.clone()),
        None => Member::Unnamed(index.into()),
    };
    let p = crate::runtime_path::full();
    let ident = &input.ident;
    let field_ty = &field.ty;
    let (_, ty_generics, _) = input.generics.split_for_impl();
    let mut generics = input.generics.clone();
    generics
        .params
        .push(syn::parse_quote!(__EventwireKind: #p::EventKindTrait));
    generics
        .make_where_clause()
        .predicates
        // Spanned at the field: a field without a bus is reported there.
        .push(syn::parse_quote_spanned!(field_ty.span()=> #field_ty: #p::HasBusTrait<__EventwireKind>));
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics #p::HasBusTrait<__EventwireKind> for #ident #ty_generics #where_clause {
            fn event_bus(&self) -> ::core::option::Option<&#p::SharedBusType<__EventwireKind>> {
                #p::HasBusTrait::<__EventwireKind>::event_bus(&self.#member)
            }
            // The field's own lookup: isolated only if it is the user's.
            #[inline(always)]
            fn __eventwire_find(
                &self,
                site: ::core::option::Option<&#p::SiteOf<__EventwireKind>>,
            ) -> ::core::option::Option<&#p::SharedBusType<__EventwireKind>> {
                #p::HasBusTrait::<__EventwireKind>::__eventwire_find(&self.#member, site)
            }
        }
    })
}

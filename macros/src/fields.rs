//! The capture of `fields(..)` as statements that push into a field set,
//! and the static declaration of each field that the site records list.

use crate::runtime_path::private;
use eventwire_grammar::syntax::fields::{Capture, FieldSpec};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Ident;

/// Where a list of fields is written.
#[derive(Clone, Copy)]
pub(crate) enum Origin {
    /// `fields(..)` of `#[emits]`.
    Call,
    /// `ret(..)` of `#[emits]`.
    Return,
    /// An `emit!`'s own.
    Emit,
}

/// The name of the declaration of field `i` of the list named `owner`.
pub(crate) fn decl_name(owner: &Ident, i: usize) -> Ident {
    format_ident!("{}_FIELD_{}", owner, i, span = owner.span())
}

/// The `static` declaration of each field of the list `owner`, and their
/// names; `namer` is the marker type that names the enclosing function.
pub(crate) fn declare(
    fields: &[FieldSpec],
    origin: Origin,
    owner: &Ident,
    namer: &Ident,
) -> (TokenStream, Vec<Ident>) {
    let p = private();
    let origin = Ident::new(
        match origin {
            Origin::Call => "Call",
            Origin::Return => "Return",
            Origin::Emit => "Emit",
        },
        Span::call_site(),
    );
    let mut names = Vec::new();
    let mut tokens = TokenStream::new();
    for (i, field) in fields.iter().enumerate() {
        let decl = decl_name(owner, i);
        let name = &field.name;
        let capture = Ident::new(
            match field.capture {
                Capture::Display => "Display",
                Capture::Debug => "Debug",
                Capture::Value => "Value",
            },
            Span::call_site(),
        );
        let location = quote_spanned! {field.name_span=>
            file: ::core::file!(), line: ::core::line!(), column: ::core::column!(),
        };
        let namer_fn = crate::site::namer_fn(namer);
        tokens.extend(quote! {
            static #decl: #p::FieldDecl = #p::FieldDecl::new(#p::FieldSpec {
                name: #name,
                capture: #p::FieldCapture::#capture,
                origin: #p::FieldOrigin::#origin,
                #location
                function: #namer_fn,
            });
        });
        names.push(decl);
    }
    (tokens, names)
}

/// Statements that capture each field of the list `owner` into `target` (a
/// `&mut FieldSet`). The value is computed and rendered inside a closure
/// that the runtime calls in isolation, so that a panicking expression or
/// `Display` never reaches the service. Each call carries the value's span,
/// so that a value that cannot be captured is reported at the value.
pub(crate) fn expand(fields: &[FieldSpec], target: &Ident, owner: &Ident) -> TokenStream {
    let p = private();
    let pushes = fields.iter().enumerate().map(|(i, field)| {
        let decl = decl_name(owner, i);
        let value = &field.value;
        match field.capture {
            Capture::Display => quote_spanned! {value.span()=>
                #target.display(&#decl, &|f: &mut ::core::fmt::Formatter<'_>| ::core::fmt::Display::fmt(&(#value), f));
            },
            Capture::Debug => quote_spanned! {value.span()=>
                #target.debug(&#decl, &|f: &mut ::core::fmt::Formatter<'_>| ::core::fmt::Debug::fmt(&(#value), f));
            },
            Capture::Value => quote_spanned! {value.span()=>
                #target.value(&#decl, &|| #p::FieldValueTrait::__eventwire_typed(&(#value)));
            },
        }
    });
    quote!(#(#pushes)*)
}

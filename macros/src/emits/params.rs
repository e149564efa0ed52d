//! Keeping the parameters' drops where they were.
//!
//! The body runs in a `move` closure (or an `async move` block), which
//! captures only the parts of a parameter it uses (edition 2021's disjoint
//! capture) and drops its captures in the order it first used them: a body
//! that reads `&pair.second` would drop `pair.second` before `pair.first`,
//! and before the other parameters. Without the attribute, parameters drop
//! whole, at the end of the body, in reverse order of declaration.
//!
//! So the closure starts by mentioning each parameter whole, in reverse
//! order of declaration (`hold(&param)`): it then captures each whole and
//! drops them in that order. A parameter the body never uses is left out
//! (it drops with the function, as before, and its `unused` lint still
//! fires), unless its name starts with `_`; a `_` parameter gets a name of
//! its own, so that it too can be held.

use crate::runtime_path::private;
use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::quote;
use syn::{FnArg, ItemFn, Pat};

/// Names `_` parameters, and returns the statements that make the body's
/// closure capture its parameters whole, in the order that drops them as
/// the function would. `used` holds every token that may name a parameter:
/// the body, `fields(..)` and `bus = ..`.
pub(crate) fn hold_parameters(function: &mut ItemFn, used: &TokenStream) -> TokenStream {
    let mentioned = idents(used);
    let mut held: Vec<(TokenStream, TokenStream)> = Vec::new();
    let mut unnamed = 0;
    for input in &mut function.sig.inputs {
        match input {
            FnArg::Receiver(receiver) => {
                let token = receiver.self_token;
                held.push((TokenStream::new(), quote!(#token)));
            }
            FnArg::Typed(typed) => {
                if let Pat::Wild(wild) = &*typed.pat {
                    let name = Ident::new(
                        &format!("__eventwire_unnamed_{unnamed}"),
                        Span::mixed_site().located_at(wild.underscore_token.span),
                    );
                    unnamed += 1;
                    *typed.pat = syn::parse_quote!(#name);
                }
                // A reference has no drop to keep in its place, and held it
                // would hide it from lints about its type (`ptr_arg`).
                if matches!(&*typed.ty, syn::Type::Reference(_)) {
                    continue;
                }
                let mut bindings = Vec::new();
                bound(&typed.pat, &mut bindings);
                // A parameter under `#[cfg(..)]` is held under the same
                // `cfg`: it may not exist.
                let cfgs: Vec<&syn::Attribute> = typed
                    .attrs
                    .iter()
                    .filter(|a| a.path().is_ident("cfg"))
                    .collect();
                for ident in bindings {
                    let name = ident.to_string();
                    if name.starts_with('_') || mentioned.contains(&name) {
                        // The parameter, named from the expansion: a use of
                        // `_permit` here is not the user's
                        // (`used_underscore_binding`).
                        // (A `_` parameter's name is the expansion's already,
                        // with its own hygiene.)
                        let held_ident = if name.starts_with("__eventwire_unnamed_") {
                            ident.clone()
                        } else {
                            from_expansion(&ident)
                        };
                        held.push((quote!(#(#cfgs)*), quote!(#held_ident)));
                    }
                }
            }
        }
    }
    if held.is_empty() {
        return TokenStream::new();
    }
    let p = private();
    held.reverse();
    let (cfgs, held): (Vec<TokenStream>, Vec<TokenStream>) = held.into_iter().unzip();
    quote!(#( #cfgs #p::capture_whole(&#held); )*)
}

/// `ident`, resolved as the user wrote it but marked as the expansion's.
fn from_expansion(ident: &Ident) -> Ident {
    let mut ident = ident.clone();
    ident.set_span(Span::call_site().located_at(ident.span()));
    ident
}

/// Every identifier among `tokens`, nested groups included, and every name
/// a string literal in a macro's arguments may capture (`format!("{a}")`).
fn idents(tokens: &TokenStream) -> Vec<String> {
    let mut found = Vec::new();
    collect_idents(tokens, false, &mut found);
    found
}

fn collect_idents(tokens: &TokenStream, in_macro: bool, found: &mut Vec<String>) {
    let mut bang = false;
    // The last two punctuation marks, when they came right before: an
    // identifier after a lone `.` is a field or a method (`req.id`), never
    // a parameter; after `..` it is one (`0..n`).
    let mut dots = (false, false);
    for tree in tokens.clone() {
        let after_bang = std::mem::take(&mut bang);
        let (before, dot) = std::mem::take(&mut dots);
        match tree {
            TokenTree::Ident(_) if dot && !before => {}
            TokenTree::Ident(ident) => found.push(ident.to_string()),
            TokenTree::Group(group) => {
                collect_idents(&group.stream(), in_macro || after_bang, found);
            }
            TokenTree::Literal(literal) if in_macro => {
                found.extend(format_captures(&literal.to_string()));
            }
            TokenTree::Literal(_) => {}
            TokenTree::Punct(punct) => {
                bang = punct.as_char() == '!';
                dots = (dot, punct.as_char() == '.');
            }
        }
    }
}

/// The names a format string captures: `{name}`, `{name:?}`, `{name:>w$}`
/// (and `w`), never `{{`. Any string literal in a macro's arguments is
/// read so (a macro of one's own may format too).
fn format_captures(literal: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = literal;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(escaped) = rest.strip_prefix('{') {
            rest = escaped;
            continue;
        }
        let end = rest.find('}').unwrap_or(rest.len());
        let inside = &rest[..end];
        for part in inside.split([':', '$', '.', '<', '>', '^', '+', '#']) {
            let part = part.trim();
            let mut chars = part.chars();
            if chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && chars.all(|c| c.is_alphanumeric() || c == '_')
            {
                names.push(part.to_owned());
            }
        }
        rest = &rest[end..];
    }
    names
}

/// The identifiers a parameter's pattern binds, in order.
fn bound(pat: &Pat, out: &mut Vec<Ident>) {
    match pat {
        Pat::Ident(ident) => {
            out.push(ident.ident.clone());
            if let Some((_, sub)) = &ident.subpat {
                bound(sub, out);
            }
        }
        Pat::Tuple(tuple) => tuple.elems.iter().for_each(|p| bound(p, out)),
        Pat::TupleStruct(tuple) => tuple.elems.iter().for_each(|p| bound(p, out)),
        Pat::Struct(strukt) => strukt.fields.iter().for_each(|f| bound(&f.pat, out)),
        Pat::Reference(reference) => bound(&reference.pat, out),
        Pat::Slice(slice) => slice.elems.iter().for_each(|p| bound(p, out)),
        Pat::Type(typed) => bound(&typed.pat, out),
        Pat::Paren(paren) => bound(&paren.pat, out),
        _ => {}
    }
}

/// The parameters a synchronous body's closure takes by value rather than
/// capturing them: those of a primitive type (`u64`, `bool`, `char`, ..)
/// bound by a plain name. They have no drop to move and no lifetime to
/// carry, and passed in registers they cost nothing on the path without a
/// bus, where a captured one is first stored for the closure to borrow.
pub(crate) struct Passed {
    /// The closure's pattern: `(x, mut y,)`, with the user's names.
    pub(crate) pattern: TokenStream,
    /// Their types: `(u64, bool,)`.
    pub(crate) types: TokenStream,
    /// The values handed over: `(x, y,)`.
    pub(crate) values: TokenStream,
}

impl Passed {
    /// No parameter passed: the body captures them all.
    pub(crate) fn none() -> Self {
        Passed {
            pattern: quote!(()),
            types: quote!(()),
            values: quote!(()),
        }
    }
}

/// Picks the parameters passed by value (see [`Passed`]): those `used`
/// names (the body and its fields), leaving out any named in `excluded`
/// (code outside the body that reads them too: `bus = ..`, `ret(..)`, an
/// `#[instrument]` span), where a copy of their own in the closure would
/// differ from the function's or go unused. Their `mut`, if any, moves
/// from the function's signature to the closure's pattern, where the body
/// mutates them.
pub(crate) fn pass_by_value(
    function: &mut ItemFn,
    used: &TokenStream,
    excluded: &TokenStream,
) -> Passed {
    const PRIMITIVES: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "bool", "char",
    ];
    let (used, excluded) = (idents(used), idents(excluded));
    let (mut pattern, mut types, mut values) = (Vec::new(), Vec::new(), Vec::new());
    for input in &mut function.sig.inputs {
        let FnArg::Typed(typed) = input else {
            continue;
        };
        // An attribute (`#[cfg(..)]`) may remove the parameter.
        if !typed.attrs.is_empty() {
            continue;
        }
        let syn::Type::Path(path) = &*typed.ty else {
            continue;
        };
        let primitive = path.qself.is_none()
            && path.path.leading_colon.is_none()
            && path.path.segments.len() == 1
            && path.path.segments[0].arguments.is_none()
            && PRIMITIVES.iter().any(|p| path.path.segments[0].ident == p);
        let Pat::Ident(binding) = &mut *typed.pat else {
            continue;
        };
        if !primitive
            || binding.by_ref.is_some()
            || binding.subpat.is_some()
            || !used.contains(&binding.ident.to_string())
            || excluded.contains(&binding.ident.to_string())
            // Handing over an `_name` would use it (`used_underscore_binding`).
            || binding.ident.to_string().starts_with('_')
        {
            continue;
        }
        let (mutability, name) = (binding.mutability.take(), binding.ident.clone());
        let ty = &typed.ty;
        pattern.push(quote!(#mutability #name));
        types.push(quote!(#ty));
        values.push(quote!(#name));
    }
    Passed {
        pattern: quote!((#(#pattern,)*)),
        types: quote!((#(#types,)*)),
        values: quote!((#(#values,)*)),
    }
}

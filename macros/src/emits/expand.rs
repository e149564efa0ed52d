//! The expansion of `#[emits]`.
//!
//! A synchronous function becomes, in outline:
//!
//! ```text
//! fn f(args) -> R {
//!     <site records, registered with inventory; one const check per site>
//!     let call = resolve(<bus: explicit, receiver's, or none>);
//!     let body = |start| -> R { let call_ref = start.begin(&SITES, <fields(..)>);
//!                               consume(once); <body> };          // entry events
//!     let outcome = |ret: &R| <ok, err or a plain return, by type>;
//!     match call {
//!         Idle => { let ret = body(IDLE); <count it>; ret }      // no bus: inline
//!         call => run(call.given(), &SITES, .., body, outcome),  // ok / err / exit
//!     }
//! }
//! ```
//!
//! The closure keeps `return` and `?` meaning what they meant; consuming a
//! value makes it `FnOnce`, so it may return borrows of what it captured
//! (a `&mut self` field, say). `run`, out of line, keeps the call's state
//! on its own frame. An `async fn` awaits an `async move` block instead,
//! and a guard fires the `cancel` events if the future is dropped before
//! the block completes.

use super::body::BodyRewrite;
use super::flow::flow;
use super::instrumented;
use super::params::{hold_parameters, pass_by_value, Passed};
use super::shape::{self, Parts};
use super::validate::Checked;
use crate::phases::to_const;
use crate::runtime_path::private;
use crate::site::SiteFacts;
use eventwire_grammar::Phase;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{AttrStyle, FnArg, ReturnType, Type};

/// The declared return type as the body's closure (and its local) can
/// write it: each `impl Trait`, which they cannot name, as `_`. The rest
/// stays, so that the body's `Err(Box::new(e))` still coerces to
/// `Box<dyn Error>` and `?` knows its error type.
fn nameable(ty: &Type) -> Type {
    struct Infer;
    impl syn::visit_mut::VisitMut for Infer {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if matches!(ty, Type::ImplTrait(_)) {
                *ty = Type::Infer(syn::TypeInfer {
                    underscore_token: syn::Token![_](ty.span()),
                });
            } else {
                syn::visit_mut::visit_type_mut(self, ty);
            }
        }
    }
    let mut ty = ty.clone();
    syn::visit_mut::VisitMut::visit_type_mut(&mut Infer, &mut ty);
    ty
}

/// A type without the groups a macro's `$ret:ty` puts around it and the
/// parentheses written around it.
fn unwrapped(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => unwrapped(&group.elem),
        Type::Paren(paren) => unwrapped(&paren.elem),
        ty => ty,
    }
}

/// Whether a type is `impl Trait`.
fn is_impl_trait(ty: &Type) -> bool {
    matches!(unwrapped(ty), Type::ImplTrait(_))
}

/// Whether a type is `!`.
fn is_never(ty: &Type) -> bool {
    matches!(unwrapped(ty), Type::Never(_))
}

/// Whether the receiver is `&self`: a body that can only share it, so that
/// the call may borrow its bus instead of holding a handle of its own.
fn shared_receiver(function: &syn::ItemFn) -> bool {
    matches!(
        function.sig.inputs.first(),
        Some(FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_none() && r.colon_token.is_none()
    )
}

/// How generated code reaches the receiver as `&Self`.
fn receiver_ref(function: &syn::ItemFn) -> Option<TokenStream> {
    let receiver = match function.sig.inputs.first()? {
        FnArg::Receiver(receiver) => receiver,
        FnArg::Typed(_) => return None,
    };
    let token = &receiver.self_token;
    let by_value = receiver.reference.is_none()
        && (receiver.colon_token.is_none()
            || matches!(&*receiver.ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("Self")));
    if by_value {
        return Some(quote_spanned!(token.span=> &#token));
    }
    // Through every pointer to `Self` (`self: &Rc<Self>` is `&**self`): in
    // a trait, `Self` is unsized, and `Rc<Self>` has no `HasBus`.
    let derefs = match (receiver.colon_token, derefs_to_self(&receiver.ty)) {
        (Some(_), Some(n)) if n > 1 => n,
        _ => 1,
    };
    let stars = (0..derefs).map(|_| quote_spanned!(token.span=> *));
    Some(quote_spanned!(token.span=> &#(#stars)* #token))
}

/// How many dereferences reach `Self` from a receiver's type: one per `&`,
/// `&mut`, `Box`, `Rc` and `Arc`; a `Pin` adds none. `None` for any other
/// type.
fn derefs_to_self(ty: &Type) -> Option<usize> {
    match ty {
        Type::Reference(reference) => Some(1 + derefs_to_self(&reference.elem)?),
        Type::Group(group) => derefs_to_self(&group.elem),
        Type::Paren(paren) => derefs_to_self(&paren.elem),
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            if path.path.segments.len() == 1 && last.ident == "Self" {
                return Some(0);
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            let [syn::GenericArgument::Type(inner)] = args.args.iter().collect::<Vec<_>>()[..]
            else {
                return None;
            };
            let own = match last.ident.to_string().as_str() {
                "Box" | "Rc" | "Arc" => 1,
                "Pin" => 0,
                _ => return None,
            };
            Some(own + derefs_to_self(inner)?)
        }
        _ => None,
    }
}

pub(crate) fn expand(checked: Checked) -> syn::Result<TokenStream> {
    let Checked {
        args,
        mut function,
        kind,
    } = checked;
    let is_async = kind != FnKind::Sync;
    let p = private();
    if let (None, Some(why)) = (&args.event_enum, crate::default_enum::problem()) {
        let span = args
            .events
            .first()
            .map_or_else(Span::call_site, |e| e.ident.span());
        return Err(syn::Error::new(span, why));
    }
    let enum_path: syn::Path = args.event_enum.clone().unwrap_or_else(|| {
        // Spanned at the first event, so that a missing `EventType` is reported there.
        let span = args
            .events
            .first()
            .map_or_else(Span::call_site, |e| e.ident.span());
        crate::default_enum::default_enum(span)
    });
    let enum_path = crate::site::enum_path(&enum_path);

    let call = Ident::new("eventwire_call", Span::mixed_site());
    let call_ref = Ident::new("eventwire_ref", Span::mixed_site());
    let listed: Vec<Ident> = args.events.iter().map(|e| e.ident.clone()).collect();

    // Rewrite the body's emit!s first: they decide which events are `body` here.
    let namer = Ident::new("__EventwireFunction", Span::call_site());
    // The declarations of the call's fields and of `ret(..)`'s, which the
    // site records list and the captures name.
    let call_owner = Ident::new("__EVENTWIRE_CALL", Span::call_site());
    let ret_owner = Ident::new("__EVENTWIRE_RET", Span::call_site());
    let (call_decls, call_fields) = crate::fields::declare(
        &args.fields,
        crate::fields::Origin::Call,
        &call_owner,
        &namer,
    );
    let (ret_decls, ret_fields) = crate::fields::declare(
        &args.ret_fields,
        crate::fields::Origin::Return,
        &ret_owner,
        &namer,
    );
    let mut rewrite = BodyRewrite {
        enum_path: &enum_path,
        listed: &listed,
        call: call_ref.clone(),
        namer: namer.clone(),
        call_fields: &call_fields,
        emitted: Vec::new(),
        records: Vec::new(),
        errors: None,
    };
    // `#[instrument]` above `#[emits]` expanded first: its future is the call.
    let instrumented_async =
        kind == FnKind::Async && instrumented::instrumented_future(&mut function.block).is_some();
    let call_block: Option<fn(&mut syn::Block) -> Option<&mut syn::ExprAsync>> =
        if kind == FnKind::AsyncTail {
            Some(async_tail)
        } else if instrumented_async {
            Some(instrumented::instrumented_future)
        } else {
            None
        };
    rewrite.run(&mut function.block, call_block);
    // And the statements that enter its span, in a synchronous body, come
    // before the call.
    let span_prefix = if kind == FnKind::Sync {
        instrumented::span_prefix(&mut function.block)
    } else {
        Vec::new()
    };

    let emitted = std::mem::take(&mut rewrite.emitted);
    let emit_records = std::mem::take(&mut rewrite.records);
    if let Some(errors) = rewrite.errors {
        return Err(errors);
    }

    let ret = Ident::new("eventwire_ret", Span::mixed_site());
    let never_returns = matches!(&function.sig.output, ReturnType::Type(_, ty) if is_never(ty));
    if let (true, Some(first)) = (never_returns, args.ret_fields.first()) {
        return Err(syn::Error::new(
            first.name_span,
            "`ret(..)` fields come from the value the function returns, and this one returns `!`; capture them with `fields(..)` or in an `emit!`",
        ));
    }
    let mut items = quote!(#call_decls #ret_decls);
    let mut site_entries = Vec::new();
    let mut err_checks = Vec::new();
    let opaque = kind == FnKind::Sync
        && matches!(&function.sig.output, ReturnType::Type(_, ty) if is_impl_trait(ty));
    let mut records: Vec<Ident> = Vec::new();
    // The phases' checks, evaluated together at compile time.
    let mut const_checks = TokenStream::new();
    let mut phase_consts: Vec<Ident> = Vec::new();
    for (i, event) in args.events.iter().enumerate() {
        let ident = &event.ident;
        let by_hand = emitted.iter().any(|e| e == ident);
        if by_hand {
            if let Some(on) = &event.options.on {
                if !on.contains(Phase::Body) || on.0.len() > 1 {
                    return Err(syn::Error::new(
                        ident.span(),
                        format!("`{ident}` is emitted with emit! in the body, so its phase here is `body`; remove `(on = ..)`, or remove the emit!s to fire it on a phase"),
                    ));
                }
            }
            if let Some(reason) = &event.options.untested {
                return Err(syn::Error::new(
                    reason.span(),
                    format!("`{ident}` is emitted with emit! in the body, so its emit!s are its sites; put the waiver on the emit! that no test can reach: `emit!({ident}(untested = \"..\"), ..)`"),
                ));
            }
            // Its emit!s are its sites.
            continue;
        }
        if let Some(span) = event
            .options
            .on
            .as_ref()
            .and_then(|on| on.span_of(Phase::Body))
        {
            return Err(syn::Error::new(
                span,
                format!("`{ident}` fires on `body` here, so the body must emit it: add `emit!({ident})` where it happens"),
            ));
        }
        // The variant itself, spanned at its name (no `const` of its own:
        // every item costs the compiler, once per annotated function).
        let kind = crate::site::variant_path(&enum_path, ident);
        let phases_const = format_ident!("__EVENTWIRE_PHASES_{}", i);
        phase_consts.push(phases_const.clone());
        let record = format_ident!("__EVENTWIRE_SITE_{}", i);
        let declared = match &event.options.on {
            Some(on) => to_const(on, &p),
            None => quote_spanned!(ident.span()=> #kind.__eventwire_default_phases()),
        };
        let effective = if is_async {
            declared
        } else {
            quote!(#declared.without(#p::PhaseEnum::Cancel))
        };
        let body_message = format!(
            "#[emits]: `{ident}` fires on `body`, so this function must emit it with `emit!({ident}, ..)` where it happens; or give this site a phase: `{ident}(on = ok)`"
        );
        let empty_message = format!(
            "#[emits]: `{ident}` fires only on `cancel`, which a synchronous function never reaches; make the function `async`, or give this site a phase: `{ident}(on = err)`"
        );
        let never_message = format!(
            "#[emits]: `{ident}` fires after the function returns, but it returns `!`; give this site the phase `entry`: `{ident}(on = entry)`"
        );
        // One call of a `const fn` per site: cheaper to compile than an
        // `assert!` per check, and reported at the same place.
        let sync = !is_async;
        let at = crate::runtime_path::private_at(ident.span());
        const_checks.extend(quote_spanned! {ident.span()=>
            #at::check_site(#phases_const, #sync, #never_returns, [#body_message, #empty_message, #never_message]);
        });
        let site = crate::site::record(
            &record,
            &enum_path,
            ident,
            &SiteFacts {
                phases: quote!(#phases_const),
                origin: "Attribute",
                function: &namer,
                waiver: event.options.waiver(),
                fields: call_fields.iter().chain(&ret_fields).cloned().collect(),
            },
        );
        records.push(record.clone());
        items.extend(quote! {
            const #phases_const: #p::PhaseSet = #effective;
            #site
        });
        site_entries.push(quote!((#kind, &#record)));
        err_checks.push(if opaque {
            let at = crate::runtime_path::private_at(ident.span());
            quote_spanned! {ident.span()=>
                #at::check_err_phase_opaque::<{ #phases_const.contains(#p::PhaseEnum::Err) }>();
            }
        } else {
            quote_spanned! {ident.span()=>
                #p::check_err_phase::<{ #phases_const.contains(#p::PhaseEnum::Err) }, _>(&#ret);
            }
        });
    }
    let site_count = site_entries.len();
    // The emit!s' records, declared here with the others: the call asks
    // the bus about their events. Each `emit!` registers its own, where it
    // stands, so that a `cfg` that removes it unregisters it.
    let mut by_hand: Vec<TokenStream> = Vec::new();
    for (_, site, entry) in emit_records {
        items.extend(site);
        by_hand.push(entry);
    }
    let by_hand_count = by_hand.len();

    // The bus: `bus = ..`'s, else (or when it names none) the receiver's,
    // found by user code run in isolation; else the defaults (`resolve`).
    let explicit = Ident::new("eventwire_explicit_bus", Span::mixed_site());
    let mut bus_prelude = quote!();
    // The site a failure to find the bus is reported against: the call's
    // first, or its first `emit!`'s.
    let first_site = if by_hand.is_empty() {
        quote!(__EVENTWIRE_SITES.first())
    } else {
        quote!(__EVENTWIRE_SITES.first().or(__EVENTWIRE_BY_HAND.first()))
    };
    let source = match (&args.bus, receiver_ref(&function)) {
        (Some(bus), receiver) => {
            let or_receiver = receiver.map(|receiver| {
                quote! {
                    .or_else(|| {
                        use #p::ReceiverBus as _;
                        (&&#p::Receiver::<#enum_path, _>(#receiver, ::core::marker::PhantomData))
                            .eventwire_receiver_bus()
                            .map(::std::sync::Arc::clone)
                    })
                }
            });
            let find = quote_spanned! {bus.span()=>
                #p::explicit_bus::<#enum_path, _>(&(#bus)).map(::std::sync::Arc::clone) #or_receiver
            };
            let found = crate::bus_lookup::isolated_bus(&find, &first_site);
            bus_prelude = quote! {
                let #explicit = #found;
            };
            quote!(#explicit.as_ref())
        }
        // The receiver's own lookup isolates a hand-written `event_bus`,
        // once per type rather than once per function.
        (None, Some(receiver)) => quote_spanned! {receiver.span()=>
            #p::receiver_bus::<#enum_path, _>(#receiver, #first_site)
        },
        (None, None) => quote!(#p::no_bus::<#enum_path>()),
    };

    let fields_var = Ident::new("eventwire_fields", Span::mixed_site());
    let pushes = crate::fields::expand(&args.fields, &fields_var, &call_owner);
    let output = match &function.sig.output {
        ReturnType::Type(_, ty) => {
            let ty = nameable(ty);
            Some((quote!(#ty), ty.span()))
        }
        ReturnType::Default => Some((quote!(()), Span::call_site())),
    };

    // Inner attributes (`#![allow(..)]`) stay at the top of the function.
    let (inner_attrs, outer_attrs): (Vec<_>, Vec<_>) = function
        .attrs
        .iter()
        .cloned()
        .partition(|a| matches!(a.style, AttrStyle::Inner(_)));
    let track_caller = outer_attrs
        .iter()
        .any(|a| a.path().is_ident("track_caller"));

    let namer_fns = crate::site::function_namer(&namer);
    // The function's own table of its sites is what is registered.
    let registration = if records.is_empty() {
        quote!()
    } else {
        crate::site::register_table(&quote!(__EVENTWIRE_SITES))
    };
    let namer_fns = if records.is_empty() && by_hand.is_empty() {
        quote!()
    } else {
        namer_fns
    };
    // `ret(..)` needs an event after the return to carry its fields.
    if let Some(first) = args.ret_fields.first() {
        let at = crate::runtime_path::private_at(first.name_span);
        let message = "`ret(..)` fields are carried by the events that fire after the return (`ok`, `err`, `exit`), and no event of this function does: list one that does, or remove `ret(..)`";
        const_checks.extend(quote_spanned! {first.name_span=>
            #at::check_ret_fields(&[#(#phase_consts),*], #message);
        });
    }
    let const_checks = if const_checks.is_empty() {
        quote!()
    } else {
        quote!(const _: () = { #const_checks };)
    };
    // No `emit!`s (the usual case): no static for them.
    let (by_hand_static, by_hand_ref) = if by_hand.is_empty() {
        (quote!(), quote!(&[]))
    } else {
        (
            quote!(static __EVENTWIRE_BY_HAND: [#p::SiteOf<#enum_path>; #by_hand_count] = [#(#by_hand),*];),
            quote!(&__EVENTWIRE_BY_HAND),
        )
    };
    let import = crate::runtime_path::import();
    let prologue = quote! {
        #(#inner_attrs)*
        #import
        #namer_fns
        #items
        #const_checks
        #registration
        static __EVENTWIRE_SITES: [#p::SiteOf<#enum_path>; #site_count] = [#(#site_entries),*];
        #by_hand_static
    };

    // No fields: nothing to capture, and nothing called to capture it.
    let capture = if args.fields.is_empty() {
        quote!(::core::option::Option::None::<fn(&mut #p::FieldSet)>)
    } else {
        quote!(::core::option::Option::Some(|#fields_var: &mut #p::FieldSet| { #pushes }))
    };
    let ret_pushes = (!args.ret_fields.is_empty())
        .then(|| crate::fields::expand(&args.ret_fields, &fields_var, &ret_owner));
    let parts = Parts {
        ret_pushes: ret_pushes.as_ref(),
        borrow_bus: args.bus.is_none() && shared_receiver(&function),
        source: &source,
        capture: &capture,
        enum_path: &enum_path,
        call: &call,
        call_ref: &call_ref,
        ret: &ret,
        err_checks: &err_checks,
        output: output.clone(),
        by_hand: &by_hand_ref,
        opaque,
    };
    // What the body's closure may take by value: the primitive parameters
    // it names itself, not those that code outside it reads too (`bus =
    // ..`, `ret(..)`, an `#[instrument]` span's statements).
    let (in_body, outside) = {
        let block = &function.block;
        let fields = args.fields.iter().map(|f| &f.value);
        let ret = args.ret_fields.iter().map(|f| &f.value);
        let bus = &args.bus;
        (
            quote!(#block #(#fields)*),
            quote!(#bus #(#ret)* #(#span_prefix)*),
        )
    };
    let run = match kind {
        FnKind::Async if instrumented_async => prepared_call(
            &parts,
            &mut function.block,
            instrumented::instrumented_future,
        ),
        FnKind::Async if flow(&function.block).awaits => {
            let block = function.block.clone();
            let used = {
                let fields = args.fields.iter().map(|f| &f.value);
                let bus = &args.bus;
                quote!(#block #(#fields)* #bus)
            };
            let holds = hold_parameters(&mut function, &used);
            shape::awaiting(&parts, &block, &holds)
        }
        FnKind::Async => {
            let passed = pass_by_value(&mut function, &in_body, &outside);
            shape::sync(&parts, (*function.block).clone(), false, &passed)
        }
        FnKind::AsyncTail => {
            // A synchronous function that returns an `async` block, such as the
            // `Box::pin(async move { .. })` of `#[async_trait]`: the block is
            // what runs, so its first poll is `entry` and its completion `ok`.
            prepared_call(&parts, &mut function.block, async_tail)
        }
        FnKind::Sync if never_returns => {
            shape::never_returning(&parts, (*function.block).clone(), track_caller)
        }
        // `-> impl Trait` without `ret(..)`: the body stays the function's
        // own tail, so that its closures are inferred from the return type.
        FnKind::Sync if opaque && parts.ret_pushes.is_none() => {
            shape::own_tail(&parts, (*function.block).clone())
        }
        FnKind::Sync => {
            let inline = track_caller && !flow(&function.block).exits_early;
            let passed = if inline {
                Passed::none()
            } else {
                pass_by_value(&mut function, &in_body, &outside)
            };
            shape::sync(&parts, (*function.block).clone(), inline, &passed)
        }
    };

    let sig = &function.sig;
    let vis = &function.vis;
    // The body's braces keep the user's spans, so that the function is
    // the user's own to the compiler and its lints (dead code, clippy).
    let mut body = proc_macro2::Group::new(
        proc_macro2::Delimiter::Brace,
        quote! {
            #prologue
            #(#span_prefix)*
            #bus_prelude
            #run
        },
    );
    body.set_span(function.block.brace_token.span.join());
    Ok(quote! {
        #(#outer_attrs)*
        #vis #sig #body
    })
}

/// A body whose call is the `async` block `find` locates in it: the call
/// is prepared first, and begun by that block when first polled.
fn prepared_call(
    parts: &Parts<'_>,
    block: &mut syn::Block,
    find: fn(&mut syn::Block) -> Option<&mut syn::ExprAsync>,
) -> TokenStream {
    let prepared = Ident::new("eventwire_prepared", Span::mixed_site());
    if let Some(future) = find(block) {
        let wrapped = shape::prepared_tail(parts, &prepared, future);
        *future = syn::parse_quote!(#wrapped);
    }
    let stmts = &block.stmts;
    let prepare = shape::prepare_tail(parts, &prepared);
    // An `emit!` before the block runs when the function is called: through
    // the prepared call's bus, in the caller's lineage (the call begins,
    // with its `entry` events, when the block is first polled).
    let before = stmts.iter().take(stmts.len().saturating_sub(1));
    let names_call = before
        .map(|stmt| quote!(#stmt))
        .any(|tokens| mentions(tokens, &parts.call_ref.to_string()));
    let call_ref = parts.call_ref;
    let early = names_call.then(|| quote!(let #call_ref = #prepared.early();));
    // Leading items stay ahead of any statement (`items_after_statements`).
    let (items, stmts) = stmts.split_at(shape::leading_items(stmts));
    quote! {
        #(#items)*
        #prepare
        #early
        #(#stmts)*
    }
}

/// Whether `tokens` hold the identifier `name`, in nested groups too.
fn mentions(tokens: TokenStream, name: &str) -> bool {
    tokens.into_iter().any(|tree| match tree {
        proc_macro2::TokenTree::Ident(ident) => ident == name,
        proc_macro2::TokenTree::Group(group) => mentions(group.stream(), name),
        _ => false,
    })
}

/// How the function runs its body.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum FnKind {
    /// A plain synchronous function.
    Sync,
    /// An `async fn`.
    Async,
    /// A synchronous function whose value is an `async` block it builds last:
    /// `async move { .. }` or `Box::pin(async move { .. })`.
    AsyncTail,
}

/// The `async` block a function ends with, directly or inside `Box::pin(..)`.
pub(crate) fn async_tail(block: &mut syn::Block) -> Option<&mut syn::ExprAsync> {
    let Some(syn::Stmt::Expr(tail, None)) = block.stmts.last_mut() else {
        return None;
    };
    match tail {
        syn::Expr::Async(block) => Some(block),
        syn::Expr::Call(call) if call.args.len() == 1 && is_pin_path(&call.func) => {
            match call.args.first_mut() {
                Some(syn::Expr::Async(block)) => Some(block),
                _ => None,
            }
        }
        _ => None,
    }
}

fn is_pin_path(func: &syn::Expr) -> bool {
    let syn::Expr::Path(path) = func else {
        return false;
    };
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    segments.ends_with(&["Box".to_owned(), "pin".to_owned()])
}

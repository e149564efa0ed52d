//! The expansion of `#[emits]`.
//!
//! A synchronous function becomes, in outline:
//!
//! ```text
//! fn f(args) -> R {
//!     <site records, registered with inventory; const checks of phases>
//!     let mut call = Call::start(<bus: explicit, receiver's, or none>,
//!                                &SITES, |fields| <fields(..)>);  // entry events
//!     let ret = (move || -> R { consume(once); <body> })();
//!     call.finish(&SITES, <outcome of ret, by type>);   // ok / err / exit
//!     ret
//! }
//! ```
//!
//! The closure keeps `return` and `?` meaning what they meant; consuming a
//! value makes it `FnOnce`, so it may return borrows of what it captured
//! (a `&mut self` field, say). An `async fn` awaits an `async move` block
//! instead, and a guard fires the `cancel` events if the future is dropped
//! before the block completes.

use super::body::BodyRewrite;
use super::params::hold_parameters;
use super::validate::Checked;
use crate::phases::to_const;
use crate::runtime_path::private;
use crate::site::SiteFacts;
use eventwire_grammar::Phase;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{AttrStyle, FnArg, ReturnType, Type};

/// Whether a type mentions `impl Trait`, which a closure's return type
/// annotation cannot name.
fn mentions_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl Visit<'_> for Finder {
        fn visit_type_impl_trait(&mut self, _: &syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    finder.visit_type(ty);
    finder.0
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
    Some(if by_value {
        quote_spanned!(token.span=> &#token)
    } else {
        quote_spanned!(token.span=> &*#token)
    })
}

pub(crate) fn expand(checked: Checked) -> syn::Result<TokenStream> {
    let Checked {
        args,
        mut function,
        kind,
    } = checked;
    let is_async = kind != FnKind::Sync;
    let p = private();
    let enum_path: syn::Path = args.event_enum.clone().unwrap_or_else(|| {
        // Spanned at the first event, so that a missing `EventType` is reported there.
        let span = args
            .events
            .first()
            .map_or_else(Span::call_site, |e| e.ident.span());
        Ident::new("EventType", span).into()
    });

    let call = Ident::new("eventwire_call", Span::mixed_site());
    let call_ref = Ident::new("eventwire_ref", Span::mixed_site());
    let listed: Vec<Ident> = args.events.iter().map(|e| e.ident.clone()).collect();

    // Rewrite the body's emit!s first: they decide which events are `body` here.
    let namer = Ident::new("__eventwire_function", Span::call_site());
    let mut rewrite = BodyRewrite {
        enum_path: &enum_path,
        listed: &listed,
        call: call_ref.clone(),
        namer: namer.clone(),
        emitted: Vec::new(),
        records: Vec::new(),
        errors: None,
    };
    rewrite.run(&mut function.block);
    let emitted = std::mem::take(&mut rewrite.emitted);
    let emit_records = std::mem::take(&mut rewrite.records);
    if let Some(errors) = rewrite.errors {
        return Err(errors);
    }

    // Parameters the body's closure must capture whole (drop order).
    let holds = if kind == FnKind::AsyncTail {
        TokenStream::new()
    } else {
        let block = &function.block;
        let fields = args.fields.iter().map(|f| &f.value);
        let bus = &args.bus;
        let used = quote!(#block #(#fields)* #bus);
        hold_parameters(&mut function, &used)
    };

    let ret = Ident::new("eventwire_ret", Span::mixed_site());
    let never_returns =
        matches!(&function.sig.output, ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)));
    let mut items = TokenStream::new();
    let mut site_entries = Vec::new();
    let mut err_checks = Vec::new();
    let mut records: Vec<Ident> = Vec::new();
    // The phases' checks, evaluated together at compile time.
    let mut const_checks = TokenStream::new();
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
        let kind = format_ident!("__EVENTWIRE_KIND_{}", i);
        let phases_const = format_ident!("__EVENTWIRE_PHASES_{}", i);
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
        const_checks.extend(quote_spanned! {ident.span()=>
            ::core::assert!(
                !#phases_const.contains(#p::PhaseEnum::Body),
                #body_message
            );
        });
        if !is_async {
            const_checks.extend(quote_spanned! {ident.span()=>
                ::core::assert!(!#phases_const.is_empty(), #empty_message);
            });
        }
        if never_returns {
            const_checks.extend(quote_spanned! {ident.span()=>
                ::core::assert!(
                    #phases_const.without(#p::PhaseEnum::Entry).is_empty(),
                    #never_message
                );
            });
        }
        let site = crate::site::record(
            &record,
            &enum_path,
            ident,
            &SiteFacts {
                phases: quote!(#phases_const),
                origin: "Attribute",
                function: &namer,
                waiver: event.options.waiver(),
            },
        );
        records.push(record.clone());
        let kind_init = quote_spanned!(ident.span()=> #enum_path::#ident);
        items.extend(quote! {
            const #kind: #enum_path = #kind_init;
            const #phases_const: #p::PhaseSet = #effective;
            #site
        });
        site_entries.push(quote!((#kind, &#record)));
        err_checks.push(quote_spanned! {ident.span()=>
            #p::check_err_phase::<{ #phases_const.contains(#p::PhaseEnum::Err) }, _>(&#ret);
        });
    }
    let site_count = site_entries.len();
    // The emit!s' records, declared here with the others: the call asks
    // the bus about their events, and one registration holds them all.
    let mut by_hand: Vec<TokenStream> = Vec::new();
    for (record, site, entry) in emit_records {
        items.extend(site);
        records.push(record);
        by_hand.push(entry);
    }
    let by_hand_count = by_hand.len();

    let source = match (&args.bus, receiver_ref(&function)) {
        (Some(bus), _) => quote_spanned! {bus.span()=>
            #p::explicit_bus::<#enum_path, _>(&(#bus))
        },
        (None, Some(receiver)) => quote_spanned! {receiver.span()=>
            #p::receiver_bus::<#enum_path, _>(#receiver)
        },
        (None, None) => quote!(#p::no_bus::<#enum_path>()),
    };

    let fields_var = Ident::new("eventwire_fields", Span::mixed_site());
    let pushes = crate::fields::expand(&args.fields, &fields_var);
    let once = Ident::new("eventwire_once", Span::mixed_site());
    let guard = Ident::new("eventwire_guard", Span::mixed_site());
    let bind_ref = match (emitted.is_empty(), kind) {
        (true, _) => quote!(),
        (false, FnKind::Sync) => quote!(let #call_ref = &#call;),
        (false, _) => quote!(let #call_ref = &#guard;),
    };
    let output_type = match &function.sig.output {
        ReturnType::Type(_, ty) if mentions_impl_trait(ty) => None,
        ReturnType::Type(_, ty) => Some(quote!(#ty)),
        ReturnType::Default => Some(quote!(())),
    };

    // Inner attributes (`#![allow(..)]`) stay at the top of the function.
    let (inner_attrs, outer_attrs): (Vec<_>, Vec<_>) = function
        .attrs
        .iter()
        .cloned()
        .partition(|a| matches!(a.style, AttrStyle::Inner(_)));

    let namer_fns =
        crate::site::function_namer(&Ident::new("__eventwire_here", Span::call_site()), &namer);
    let (namer_fns, registration) = if records.is_empty() {
        (quote!(), quote!())
    } else {
        (namer_fns, crate::site::register(&records))
    };
    let const_checks = if const_checks.is_empty() {
        quote!()
    } else {
        quote!(const _: () = { #const_checks };)
    };
    let prologue = quote! {
        #(#inner_attrs)*
        #namer_fns
        #items
        #const_checks
        #registration
        static __EVENTWIRE_SITES: [#p::SiteOf<#enum_path>; #site_count] = [#(#site_entries),*];
        static __EVENTWIRE_BY_HAND: [#p::SiteOf<#enum_path>; #by_hand_count] = [#(#by_hand),*];
    };

    // What `Call::start` and `AsyncCall::start` take: the bus, the sites,
    // and the capture of the fields.
    let start_args = quote! {
        #source,
        &__EVENTWIRE_SITES,
        &__EVENTWIRE_BY_HAND,
        |#fields_var: &mut #p::FieldSet| { #pushes },
    };
    let async_parts = AsyncParts {
        start_args: &start_args,
        guard: &guard,
        bind_ref: &bind_ref,
        ret: &ret,
        err_checks: &err_checks,
    };
    let run = match kind {
        FnKind::Async => {
            let body = &function.block.stmts;
            async_run(
                &async_parts,
                &quote!(async move { #holds #(#body)* }),
                output_type.as_ref(),
            )
        }
        FnKind::AsyncTail => {
            // A synchronous function that returns an `async` block, such as the
            // `Box::pin(async move { .. })` of `#[async_trait]`: the block is
            // what runs, so its first poll is `entry` and its completion `ok`.
            let output = future_output(&function.sig.output);
            if let Some(tail) = async_tail(&mut function.block) {
                let block = &tail.block;
                let capture = &tail.capture;
                let wrapped = async_run(
                    &async_parts,
                    &quote!(async #capture #block),
                    output.as_ref(),
                );
                tail.block = syn::parse_quote!({ #wrapped });
            }
            let stmts = &function.block.stmts;
            quote!(#(#stmts)*)
        }
        FnKind::Sync if never_returns => {
            // The body's statements, spliced in: its own braces around the
            // closure's would trip `unused_braces` in the user's crate.
            let body = &function.block.stmts;
            quote! {
                let #call = #p::Call::<#enum_path>::start(#start_args);
                #call.hold();
                #bind_ref
                let #once = #p::Once;
                (move || -> ! { #p::consume(#once); #holds #(#body)* })()
            }
        }
        FnKind::Sync => {
            let body = &function.block.stmts;
            let closure_ret = match &output_type {
                Some(ty) => quote!(-> #ty),
                None => quote!(),
            };
            quote! {
                let mut #call = #p::Call::<#enum_path>::start(#start_args);
                let #ret = {
                    #bind_ref
                    let #once = #p::Once;
                    #[allow(clippy::redundant_closure_call)]
                    (move || #closure_ret { #p::consume(#once); #holds #(#body)* })()
                };
                #(#err_checks)*
                {
                    use #p::OutcomeProbe as _;
                    #call.finish(&__EVENTWIRE_SITES, || (&&&&#p::Probe(&#ret)).eventwire_outcome());
                }
                #ret
            }
        }
    };

    let sig = &function.sig;
    let vis = &function.vis;
    Ok(quote! {
        #(#outer_attrs)*
        #vis #sig {
            #prologue
            #run
        }
    })
}

/// The tokens an async body's expansion is made of.
struct AsyncParts<'a> {
    start_args: &'a TokenStream,
    guard: &'a Ident,
    bind_ref: &'a TokenStream,
    ret: &'a Ident,
    err_checks: &'a [TokenStream],
}

/// The statements that run `future` (the body as an `async` block) under a
/// guard: `entry` before it, `ok`/`err`/`exit` after it, `cancel` if the
/// enclosing future is dropped while it runs.
fn async_run(
    parts: &AsyncParts<'_>,
    future: &TokenStream,
    output: Option<&TokenStream>,
) -> TokenStream {
    let p = private();
    let AsyncParts {
        start_args,
        guard,
        bind_ref,
        ret,
        err_checks,
    } = parts;
    // Naming the output lets `?` in the block infer its error type.
    let future = match output {
        Some(ty) => quote!(#p::with_output::<#ty, _>(#future)),
        None => quote!(#future),
    };
    quote! {
        let mut #guard = #p::AsyncCall::start(#start_args);
        let #ret = {
            #bind_ref
            #future.await
        };
        #(#err_checks)*
        {
            use #p::OutcomeProbe as _;
            #guard.finish(|| (&&&&#p::Probe(&#ret)).eventwire_outcome());
        }
        #ret
    }
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

/// `X` in a return type such as `impl Future<Output = X>` or
/// `Pin<Box<dyn Future<Output = X> + Send + 'a>>`.
fn future_output(output: &ReturnType) -> Option<TokenStream> {
    struct Finder(Option<Type>);
    impl Visit<'_> for Finder {
        fn visit_assoc_type(&mut self, assoc: &syn::AssocType) {
            if assoc.ident == "Output" && self.0.is_none() {
                self.0 = Some(assoc.ty.clone());
            }
        }
    }
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let mut finder = Finder(None);
    finder.visit_type(ty);
    finder
        .0
        .filter(|ty| !mentions_impl_trait(ty))
        .map(|ty| quote!(#ty))
}

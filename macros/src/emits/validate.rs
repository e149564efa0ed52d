//! What `#[emits]` rejects before expanding: no events, an event listed
//! twice, `const fn`, `cancel` on a synchronous function.

use super::expand::{async_tail, FnKind};
use eventwire_grammar::syntax::emits::EmitsArgs;
use eventwire_grammar::Phase;
use proc_macro2::Span;
use syn::ItemFn;

pub(crate) struct Checked {
    pub(crate) args: EmitsArgs,
    pub(crate) function: ItemFn,
    pub(crate) kind: FnKind,
}

pub(crate) fn validate(args: EmitsArgs, mut function: ItemFn) -> syn::Result<Checked> {
    if let Some(constness) = &function.sig.constness {
        return Err(syn::Error::new(
            constness.span,
            "#[emits] cannot go on a `const fn`: emitting an event is a runtime effect; remove `const` or emit from the caller",
        ));
    }
    if args.events.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "#[emits] needs at least one event: `#[emits(ToolInvoked, ToolCompleted)]`",
        ));
    }
    // A second `#[emits]` below this one (the first expands first).
    if let Some(second) = function
        .attrs
        .iter()
        .find(|a| a.path().segments.last().is_some_and(|s| s.ident == "emits"))
    {
        return Err(syn::Error::new_spanned(
            second,
            "one #[emits] per function: list every event in one attribute, `#[emits(A, B, C)]`",
        ));
    }
    for (i, event) in args.events.iter().enumerate() {
        if args.events[..i].iter().any(|e| e.ident == event.ident) {
            return Err(syn::Error::new(
                event.ident.span(),
                format!("`{}` is listed twice in #[emits]; list each event once (use `{}(on = a | b)` for several phases)", event.ident, event.ident),
            ));
        }
    }
    let kind = if function.sig.asyncness.is_some() {
        FnKind::Async
    } else if async_tail(&mut function.block).is_some() {
        FnKind::AsyncTail
    } else {
        FnKind::Sync
    };
    if kind == FnKind::Sync {
        for event in &args.events {
            if let Some(span) = event
                .options
                .on
                .as_ref()
                .and_then(|on| on.span_of(Phase::Cancel))
            {
                return Err(syn::Error::new(
                    span,
                    format!(
                        "`{}` cannot fire on `cancel` here: `cancel` is for an `async fn` whose future is dropped before it completes, and this function is synchronous",
                        event.ident
                    ),
                ));
            }
        }
    }
    Ok(Checked {
        args,
        function,
        kind,
    })
}

//! Rewrites the arguments of the `emit!`s of an `#[emits]` body so that they
//! publish through the function's call state. Which `emit!`s belong to the
//! call is the grammar's rule
//! (`eventwire_grammar::syntax::emit::rewrite_body_emits`), shared with
//! `cargo eventwire`.

use crate::emit::{site_record, skipped, within};
use eventwire_grammar::syntax::emit::{rewrite_body_emits_with, EmitInput};
use proc_macro2::{Ident, Span, TokenStream};
use quote::format_ident;
use syn::Path;

pub(crate) struct BodyRewrite<'a> {
    pub(crate) enum_path: &'a Path,
    pub(crate) listed: &'a [Ident],
    pub(crate) call: Ident,
    /// Names the enclosing function in the records.
    pub(crate) namer: Ident,
    /// The declarations of the call's fields, which its `emit!`s carry.
    pub(crate) call_fields: &'a [Ident],
    /// Each event emitted with `emit!`, as written.
    pub(crate) emitted: Vec<Ident>,
    /// The record of each `emit!`, declared with the function's records:
    /// its name, its `static`, and its `(kind, &record)` entry.
    pub(crate) records: Vec<(Ident, TokenStream, TokenStream)>,
    pub(crate) errors: Option<syn::Error>,
}

impl BodyRewrite<'_> {
    fn error(&mut self, error: syn::Error) {
        match &mut self.errors {
            Some(all) => all.combine(error),
            None => self.errors = Some(error),
        }
    }

    /// The new arguments of one `emit!(..)` whose arguments are `args`:
    /// `@within(..)` with its record, or `@skip` for an event this function
    /// does not list (reported here). Arguments that do not parse are left
    /// for the `emit!` to report, once.
    fn rewrite(&mut self, args: TokenStream, detached: Option<usize>) -> Option<TokenStream> {
        let input = syn::parse2::<EmitInput>(args.clone()).ok()?;
        if !self.listed.contains(&input.variant) {
            let variant = &input.variant;
            self.error(syn::Error::new(
                variant.span(),
                format!(
                    "`{variant}` is emitted here but not listed in this function's #[emits(..)]; add it to the list: #[emits(.., {variant})]"
                ),
            ));
            return Some(skipped());
        }
        self.emitted.push(input.variant.clone());
        let record = format_ident!(
            "__EVENTWIRE_EMIT_{}",
            self.records.len(),
            span = Span::call_site()
        );
        let enum_path = input.enum_path.as_ref().unwrap_or(self.enum_path);
        let variant = &input.variant;
        let kind = crate::site::variant_path(enum_path, variant);
        self.records.push((
            record.clone(),
            site_record(
                &input,
                self.enum_path,
                &record,
                &self.namer,
                self.call_fields,
            ),
            quote::quote!((#kind, &#record)),
        ));
        let handle = match detached {
            Some(id) => detached_handle(id),
            None => self.call.clone(),
        };
        Some(within(&handle, &record, self.enum_path, args))
    }

    /// Rewrites every `emit!` of `block` that belongs to the call. An
    /// `emit!` in code that may outlive the call (a `move` closure, an
    /// `async` block, another macro's invocation: a spawned task, a
    /// stream) publishes through a detached handle, made where that code is
    /// written, which owns what it needs of the call (its bus and fields).
    /// `call_block` finds the `async` block that is the call itself (the
    /// one a function returns, or the future `#[instrument]` made of an
    /// `async fn`'s body), which is not code detached from the call.
    pub(crate) fn run(
        &mut self,
        block: &mut syn::Block,
        call_block: Option<fn(&mut syn::Block) -> Option<&mut syn::ExprAsync>>,
    ) {
        let call = self.call.clone();
        let mut boundary = |from: Option<usize>, id: usize| {
            let made = detached_handle(id);
            let from = from.map_or_else(|| call.clone(), detached_handle);
            Some(quote::quote!(let #made = #from.detach();))
        };
        let tail_block = call_block.and_then(|find| {
            find(block).map(|t| std::mem::replace(&mut t.block, syn::parse_quote!({})))
        });
        rewrite_body_emits_with(
            block,
            &mut |emit| self.rewrite(emit.args, emit.detached),
            &mut boundary,
        );
        if let Some(mut inner) = tail_block {
            rewrite_body_emits_with(
                &mut inner,
                &mut |emit| self.rewrite(emit.args, emit.detached),
                &mut boundary,
            );
            if let Some(t) = call_block.and_then(|find| find(block)) {
                t.block = inner;
            }
        }
    }
}

/// The local of detached handle `id` (underscored: a handle whose code
/// only holds another's is not used itself).
fn detached_handle(id: usize) -> Ident {
    Ident::new(&format!("_eventwire_detached_{id}"), Span::mixed_site())
}

//! Property tests: random and mutated input to the attribute, the derive
//! and `emit!`, run outside the compiler through `proc-macro2`. The macros
//! never panic, and whatever they reject comes back as `compile_error!`.

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use proptest::prelude::*;
use quote::quote;

/// Tokens the macros' grammars are made of, and some they are not.
fn token() -> impl Strategy<Value = TokenTree> {
    const WORDS: &[&str] = &[
        "ToolInvoked",
        "ToolErrored",
        "on",
        "entry",
        "ok",
        "err",
        "exit",
        "cancel",
        "body",
        "event",
        "bus",
        "fields",
        "name",
        "unwired",
        "self",
        "fn",
        "async",
        "const",
        "pub",
        "struct",
        "enum",
        "impl",
        "x",
        "emit",
        "Result",
        "u32",
        "return",
        "move",
    ];
    const PUNCTS: &[char] = &[
        '=', '|', '%', '?', ',', ':', '.', '!', '#', '&', '-', '>', ';', '<',
    ];
    prop_oneof![
        proptest::sample::select(WORDS)
            .prop_map(|w| TokenTree::Ident(Ident::new(w, Span::call_site()))),
        proptest::sample::select(PUNCTS)
            .prop_map(|c| TokenTree::Punct(Punct::new(c, Spacing::Alone))),
        "[a-z.]{0,12}".prop_map(|s| TokenTree::Literal(Literal::string(&s))),
        (0u32..100).prop_map(|n| TokenTree::Literal(Literal::u32_unsuffixed(n))),
    ]
}

fn stream() -> impl Strategy<Value = TokenStream> {
    let leaf = proptest::collection::vec(token(), 0..12)
        .prop_map(|t| t.into_iter().collect::<TokenStream>());
    leaf.prop_recursive(3, 48, 6, |inner| {
        proptest::collection::vec(
            prop_oneof![
                inner
                    .clone()
                    .prop_map(|s| TokenTree::Group(Group::new(Delimiter::Parenthesis, s))),
                inner
                    .clone()
                    .prop_map(|s| TokenTree::Group(Group::new(Delimiter::Brace, s))),
                inner.prop_map(|s| TokenTree::Group(Group::new(Delimiter::Bracket, s))),
                token(),
            ],
            0..8,
        )
        .prop_map(|t| t.into_iter().collect())
    })
}

/// `tokens` with one token removed, replaced or inserted at `at`.
fn mutate(tokens: &TokenStream, at: usize, with: TokenTree, how: u8) -> TokenStream {
    let mut trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let at = at % (trees.len() + 1);
    match how % 3 {
        0 if at < trees.len() => {
            trees.remove(at);
        }
        1 if at < trees.len() => trees[at] = with,
        _ => trees.insert(at, with),
    }
    trees.into_iter().collect()
}

/// The expansion either contains `compile_error!`, parses as items, or is
/// the input left unchanged for the compiler to report.
fn rejected_or_items(output: &TokenStream) {
    rejected_items_or(output, None);
}

fn rejected_items_or(output: &TokenStream, input: Option<&TokenStream>) {
    let text = output.to_string();
    if input.is_some_and(|input| input.to_string() == text) {
        return;
    }
    if !text.contains("compile_error") {
        assert!(
            syn::parse2::<syn::File>(output.clone()).is_ok(),
            "not items: {text}"
        );
    }
}

fn valid_args() -> TokenStream {
    quote!(ToolInvoked, ToolErrored(on = err | cancel), bus = self.bus, fields(tool = %name, n))
}

fn valid_fn() -> TokenStream {
    quote! {
        pub async fn run(&self, name: &str, n: u32) -> Result<u32, String> {
            emit!(ToolInvoked, n);
            Ok(n)
        }
    }
}

fn valid_enum() -> TokenStream {
    quote! {
        enum EventType {
            #[event(on = entry | ok, name = "tool.started")] ToolInvoked,
            #[event(unwired = "later")] ToolErrored,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_attribute_never_panics_on_random_input(args in stream(), item in stream()) {
        rejected_items_or(&crate::emits::attribute(args, item.clone()), Some(&item));
    }

    #[test]
    fn the_attribute_never_panics_on_mutated_input(
        at in 0usize..64, with in token(), how in 0u8..3, in_args in any::<bool>(),
    ) {
        let (args, item) = if in_args {
            (mutate(&valid_args(), at, with, how), valid_fn())
        } else {
            (valid_args(), mutate(&valid_fn(), at, with, how))
        };
        rejected_items_or(&crate::emits::attribute(args, item.clone()), Some(&item));
    }

    #[test]
    fn the_derive_never_panics(input in stream(), at in 0usize..64, with in token(), how in 0u8..3) {
        rejected_or_items(&crate::event_type::derive(input));
        rejected_or_items(&crate::event_type::derive(mutate(&valid_enum(), at, with, how)));
        rejected_or_items(&crate::has_bus::derive(mutate(&valid_enum(), at, token_ident(), how)));
    }

    #[test]
    fn emit_never_panics(input in stream(), at in 0usize..16, with in token(), how in 0u8..3) {
        let valid = quote!(ToolInvoked, n, name = %x, bus = b);
        for input in [input, mutate(&valid, at, with, how)] {
            let output = crate::emit::standalone(input);
            let text = output.to_string();
            if !text.contains("compile_error") {
                prop_assert!(syn::parse2::<syn::Expr>(output).is_ok(), "not an expression: {}", text);
            }
        }
    }
}

fn token_ident() -> TokenTree {
    TokenTree::Ident(Ident::new("bus", Span::call_site()))
}

#[test]
fn valid_inputs_expand_without_errors() {
    let output = crate::emits::attribute(valid_args(), valid_fn()).to_string();
    assert!(!output.contains("compile_error"), "{output}");
    let output = crate::event_type::derive(valid_enum()).to_string();
    assert!(!output.contains("compile_error"), "{output}");
}

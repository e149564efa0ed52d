//! What a body may do to the flow of the function around it: leave it
//! early (`return`, `?`), or suspend it (`.await`). The expansion picks its
//! shape from the answers; where a body hides its flow in a macro the
//! answer is "it may", except for macros known not to (`format!`, `vec!`,
//! `assert!`, ..), whose arguments are searched like the body.

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;
use syn::{Block, Expr, Macro};

/// What was found.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Flow {
    /// A `return` or `?` that leaves the function.
    pub(crate) exits_early: bool,
    /// An `.await` of the function's own.
    pub(crate) awaits: bool,
}

/// The flow of `block`, not counting closures, `async` blocks and nested
/// items, which have flows of their own.
pub(crate) fn flow(block: &Block) -> Flow {
    let mut finder = Finder(Flow::default());
    finder.visit_block(block);
    finder.0
}

/// Macros that expand to no `return`, `?` or `.await` of their own.
const PLAIN_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "cfg",
    "column",
    "concat",
    "dbg",
    "debug",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "emit",
    "env",
    "eprint",
    "eprintln",
    "error",
    "file",
    "format",
    "format_args",
    "include_bytes",
    "include_str",
    "info",
    "line",
    "matches",
    "module_path",
    "option_env",
    "panic",
    "print",
    "println",
    "stringify",
    "todo",
    "trace",
    "unimplemented",
    "unreachable",
    "vec",
    "warn",
    "write",
    "writeln",
];

struct Finder(Flow);

impl Finder {
    fn tokens(&mut self, tokens: &TokenStream) {
        let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
        for (i, tree) in trees.iter().enumerate() {
            match tree {
                TokenTree::Ident(ident) if ident == "return" => self.0.exits_early = true,
                TokenTree::Ident(ident) if ident == "await" => {
                    let dotted =
                        i > 0 && matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == '.');
                    self.0.awaits |= dotted;
                }
                TokenTree::Punct(p) if p.as_char() == '?' => self.0.exits_early = true,
                TokenTree::Group(group) => self.tokens(&group.stream()),
                _ => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for Finder {
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}

    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}

    fn visit_expr(&mut self, expr: &'ast Expr) {
        match expr {
            Expr::Return(_) | Expr::Try(_) => self.0.exits_early = true,
            Expr::Await(_) => self.0.awaits = true,
            _ => {}
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if PLAIN_MACROS.contains(&name.as_str()) {
            self.tokens(&mac.tokens);
        } else {
            self.0 = Flow {
                exits_early: true,
                awaits: true,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(body: &str) -> Flow {
        flow(&syn::parse_str::<Block>(body).unwrap())
    }

    #[test]
    fn finds_what_leaves_or_suspends_the_function() {
        assert_eq!(of("{ let x = 1; x + 1 }"), Flow::default());
        assert!(of("{ if a { return 1; } 2 }").exits_early);
        assert!(of("{ let x = f()?; x }").exits_early);
        assert!(of("{ println!(\"{}\", f()?); }").exits_early);
        assert!(of("{ g().await }").awaits);
        assert!(!of("{ let c = || { return 1; }; let a = async { g().await }; c() }").exits_early);
        assert!(!of("{ fn inner() -> u8 { return 1 } inner() }").exits_early);
        assert_eq!(
            of("{ anyhow::bail!(\"no\") }"),
            Flow {
                exits_early: true,
                awaits: true
            }
        );
        assert_eq!(of("{ emit!(Done, n = 1); vec![1] }"), Flow::default());
    }
}

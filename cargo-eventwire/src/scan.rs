//! Finds the `#[emits]` and `emit!` sites in source files, without the
//! compiler or the linker, to cross-check the registries the test binaries
//! wrote: a site in the source that no binary registered was never linked
//! into a test.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// A site as the source spells it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct SourceSite {
    /// The file, relative to the workspace root.
    pub file: String,
    /// The line of the event's name.
    pub line: u32,
    /// Its column, counted from 1 as `column!()` does.
    pub column: u32,
    /// The event's variant name.
    pub event: String,
    /// `emits` or `emit`.
    pub written_with: String,
}

/// Every site in the `.rs` files under `dirs`, with paths relative to `root`.
/// Files that do not parse are skipped.
pub fn scan(root: &Path, dirs: &[PathBuf]) -> Vec<SourceSite> {
    let mut files = Vec::new();
    for dir in dirs {
        collect_rs_files(dir, &mut files);
    }
    files.sort();
    files.dedup();
    let mut sites = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let relative = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        sites.extend(scan_source(&relative, &text));
    }
    sites.sort();
    sites
}

fn collect_rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') && !path.join("Cargo.toml").exists() {
                collect_rs_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// The sites of one file's text.
pub fn scan_source(file: &str, text: &str) -> Vec<SourceSite> {
    let Ok(ast) = syn::parse_file(text) else {
        return Vec::new();
    };
    let mut finder = Finder {
        file,
        sites: Vec::new(),
    };
    finder.visit_file(&ast);
    finder.sites
}

struct Finder<'a> {
    file: &'a str,
    sites: Vec<SourceSite>,
}

impl Finder<'_> {
    fn site(&mut self, ident: &proc_macro2::Ident, written_with: &str) {
        let at = ident.span().start();
        self.sites.push(SourceSite {
            file: self.file.to_owned(),
            line: u32::try_from(at.line).unwrap_or(u32::MAX),
            column: u32::try_from(at.column + 1).unwrap_or(u32::MAX),
            event: ident.to_string(),
            written_with: written_with.to_owned(),
        });
    }

    /// A function with `#[emits(..)]`: each listed event is a site unless
    /// the body emits it with `emit!` (then those are its sites).
    fn function(&mut self, attrs: &[syn::Attribute], body: Option<&syn::Block>) {
        let Some(attr) = attrs
            .iter()
            .find(|a| a.path().segments.last().is_some_and(|s| s.ident == "emits"))
        else {
            return;
        };
        let Ok(list) = attr.meta.require_list() else {
            return;
        };
        let by_hand: Vec<String> = body
            .map(|b| {
                emitted_events(b.to_token_stream())
                    .into_iter()
                    .map(|i| i.to_string())
                    .collect()
            })
            .unwrap_or_default();
        for ident in listed_events(list.tokens.clone()) {
            if !by_hand.contains(&ident.to_string()) {
                self.site(&ident, "emits");
            }
        }
    }
}

/// The event names listed in `#[emits(..)]`'s arguments.
fn listed_events(tokens: TokenStream) -> Vec<proc_macro2::Ident> {
    let mut events = Vec::new();
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for item in trees.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
        let [TokenTree::Ident(ident), rest @ ..] = item else {
            continue;
        };
        let is_option = matches!(rest.first(), Some(TokenTree::Punct(p)) if p.as_char() == '=');
        if is_option || ident == "fields" {
            continue;
        }
        events.push(ident.clone());
    }
    events
}

/// The event of each `emit!(..)` in `tokens`, nested groups included.
fn emitted_events(tokens: TokenStream) -> Vec<proc_macro2::Ident> {
    let mut events = Vec::new();
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) if ident == "emit" => {
                let bang =
                    matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
                if let (true, Some(TokenTree::Group(args))) = (bang, trees.get(i + 2)) {
                    if let Some(event) = emitted_event(args.stream()) {
                        events.push(event);
                    }
                }
            }
            TokenTree::Group(group) => events.extend(emitted_events(group.stream())),
            _ => {}
        }
    }
    events
}

/// The variant of `emit!(path::To::Variant, ..)`: the last ident before the first comma.
fn emitted_event(args: TokenStream) -> Option<proc_macro2::Ident> {
    args.into_iter()
        .take_while(|t| !matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
        .filter_map(|t| match t {
            TokenTree::Ident(ident) => Some(ident),
            _ => None,
        })
        .last()
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.function(&item.attrs, Some(&item.block));
        syn::visit::visit_item_fn(self, item);
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.function(&item.attrs, Some(&item.block));
        syn::visit::visit_impl_item_fn(self, item);
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        self.function(&item.attrs, item.default.as_ref());
        syn::visit::visit_trait_item_fn(self, item);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let is_emit = mac.path.segments.last().is_some_and(|s| s.ident == "emit");
        if is_emit {
            if let Some(event) = emitted_event(mac.tokens.clone()) {
                self.site(&event, "emit");
            }
        } else {
            for event in emitted_events(mac.tokens.clone()) {
                self.site(&event, "emit");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_listed_events_and_emits_with_their_positions() {
        let text = r#"
use eventwire::{emit, emits};

impl Shop {
    #[emits(OrderPlaced, OrderRetried, OrderFailed(on = err), bus = self.bus, fields(id))]
    fn buy(&self, id: u32) -> Result<(), String> {
        emit!(OrderRetried, id);
        let _ = vec![emit!(EventType::OrderRetried)];
        Ok(())
    }
}

fn free() {
    eventwire::emit!(CacheCleared, bus = b);
}
"#;
        let sites = scan_source("src/lib.rs", text);
        let summary: Vec<(String, u32, u32, &str)> = sites
            .iter()
            .map(|s| (s.event.clone(), s.line, s.column, s.written_with.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                ("OrderPlaced".to_owned(), 5, 13, "emits"),
                ("OrderFailed".to_owned(), 5, 40, "emits"),
                ("OrderRetried".to_owned(), 7, 15, "emit"),
                ("OrderRetried".to_owned(), 8, 39, "emit"),
                ("CacheCleared".to_owned(), 14, 22, "emit"),
            ]
        );
    }
}

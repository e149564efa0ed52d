//! Reading one crate target's sources: its module tree from the root file,
//! with the `cfg` gate of every module and item, and the sites and event
//! enums they hold.

use super::cfg::CfgSet;
use crate::syntax::emit::{is_emit_path, rewrite_body_emits, EmitInput};
use crate::syntax::emits::EmitsArgs;
use crate::syntax::event_enum::EventEnum;
use proc_macro2::{Span, TokenStream, TokenTree};
use std::path::{Path, PathBuf};
use syn::spanned::Spanned;
use syn::visit::Visit;

/// Where a token starts: line and column both counted from 1, as `line!()`
/// and `column!()` count them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// The line.
    pub line: u32,
    /// The column, in characters.
    pub column: u32,
}

impl Position {
    fn start(span: Span) -> Position {
        let at = span.start();
        Position {
            line: u32::try_from(at.line).unwrap_or(u32::MAX),
            column: u32::try_from(at.column + 1).unwrap_or(u32::MAX),
        }
    }

    fn end(span: Span) -> Position {
        let at = span.end();
        Position {
            line: u32::try_from(at.line).unwrap_or(u32::MAX),
            column: u32::try_from(at.column + 1).unwrap_or(u32::MAX),
        }
    }
}

/// Whether code is compiled, and into what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Compiled into the library or binary.
    Production,
    /// Compiled only for tests: `#[cfg(test)]` or `#[test]` code, an
    /// integration test, a benchmark or an example.
    TestOnly,
    /// Not compiled in this build: the `cfg` is false (given as the reason).
    NotCompiled(String),
    /// Whether it is compiled cannot be decided from what is known (the
    /// `cfg` is given as the reason).
    Undecided(String),
}

/// How a site is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SiteSyntax {
    /// An event listed in `#[emits(..)]`.
    Attribute,
    /// An `emit!(..)`.
    Macro,
}

/// A site as the source spells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceSite {
    /// The file.
    pub file: PathBuf,
    /// Where the event's name is.
    pub position: Position,
    /// The event's variant name.
    pub event: String,
    /// The enum, when written: `event = path` or `emit!(path::Variant)`.
    pub enum_path: Option<String>,
    /// `#[emits]` or `emit!`.
    pub syntax: SiteSyntax,
    /// The enclosing function, as a path from the crate's root.
    pub function: String,
    /// Whether it is compiled.
    pub gate: Gate,
    /// The reason of `untested = ".."`.
    pub waiver: Option<String>,
}

/// An enum that derives `EventType`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceEnum {
    /// The file.
    pub file: PathBuf,
    /// Where its name is.
    pub position: Position,
    /// Its path from the crate's root: `krate::events::EventType`.
    pub path: String,
    /// Its variants: Rust name, dotted name, exemption.
    pub variants: Vec<(String, String, Option<String>)>,
    /// Whether it is compiled.
    pub gate: Gate,
}

/// Something the reading could not follow, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The file it is in.
    pub file: PathBuf,
    /// Where.
    pub position: Position,
    /// What: `module windows`, `emit! in macro_rules! retry`.
    pub what: String,
    /// Why.
    pub reason: String,
}

/// A stretch of a file compiled only for tests.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Region {
    file: PathBuf,
    start: Position,
    end: Position,
}

/// What one target's sources hold.
#[derive(Clone, Debug, Default)]
pub struct CrateScan {
    /// Every file of the module tree, with its gate.
    pub files: Vec<(PathBuf, Gate)>,
    /// Every site.
    pub sites: Vec<SourceSite>,
    /// Every enum that derives `EventType`.
    pub enums: Vec<SourceEnum>,
    /// What was not followed.
    pub skipped: Vec<Skipped>,
    test_regions: Vec<Region>,
}

impl CrateScan {
    /// Whether the code at `position` of `file` is compiled only for tests.
    /// `file` is compared after canonicalisation.
    pub fn is_test_only_at(&self, file: &Path, position: Position) -> bool {
        let file = canonical(file);
        self.files
            .iter()
            .any(|(f, gate)| *f == file && *gate == Gate::TestOnly)
            || self
                .test_regions
                .iter()
                .any(|r| r.file == file && r.start <= position && position <= r.end)
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Reads a target from its root file: `src/lib.rs`, `tests/orders.rs`.
/// `crate_name` starts every path; `test_target` is true for integration
/// tests, benchmarks and examples, all of whose code is test-only.
pub fn scan_crate(root: &Path, crate_name: &str, test_target: bool, cfg: &CfgSet) -> CrateScan {
    let mut scan = CrateScan::default();
    let compiled = if test_target {
        Compiled {
            with_test: Some(true),
            without_test: Some(false),
        }
    } else {
        Compiled::ALWAYS
    };
    let module = ModuleFile {
        path: canonical(root),
        children: canonical(root)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
        module: vec![crate_name.to_owned()],
        compiled,
        why: String::new(),
    };
    read_module_file(&module, cfg, &mut scan, 0);
    scan
}

/// Deeper than this, `mod` declarations are taken for a cycle of `#[path]`s.
const MAX_DEPTH: usize = 64;

struct ModuleFile {
    path: PathBuf,
    /// Where its `mod x;` declarations are looked for.
    children: PathBuf,
    module: Vec<String>,
    compiled: Compiled,
    why: String,
}

fn read_module_file(file: &ModuleFile, cfg: &CfgSet, scan: &mut CrateScan, depth: usize) {
    if scan.files.iter().any(|(f, _)| *f == file.path) || depth > MAX_DEPTH {
        return;
    }
    let position = Position { line: 1, column: 1 };
    let text = match std::fs::read_to_string(&file.path) {
        Ok(text) => text,
        Err(error) => {
            scan.files
                .push((file.path.clone(), file.compiled.gate(&file.why)));
            scan.skipped.push(Skipped {
                file: file.path.clone(),
                position,
                what: format!("module `{}`", file.module.join("::")),
                reason: format!("could not read {}: {error}", file.path.display()),
            });
            return;
        }
    };
    let ast = match syn::parse_file(&text) {
        Ok(ast) => ast,
        Err(error) => {
            scan.files
                .push((file.path.clone(), file.compiled.gate(&file.why)));
            let at = Position::start(error.span());
            scan.skipped.push(Skipped {
                file: file.path.clone(),
                position: at,
                what: format!("module `{}`", file.module.join("::")),
                reason: format!("it does not parse: {error}"),
            });
            return;
        }
    };
    let (inner, inner_why) = attrs_compiled(&ast.attrs, cfg);
    let compiled = file.compiled.and(inner);
    let why = [file.why.clone(), inner_why]
        .into_iter()
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    scan.files.push((file.path.clone(), compiled.gate(&why)));
    let mut reader = Reader {
        file: &file.path,
        cfg,
        scan,
        modules: file.module.clone(),
        children: file.children.clone(),
        inline_depth: 0,
        compiled: vec![compiled],
        why: vec![why],
        self_types: Vec::new(),
        functions: Vec::new(),
        pending: Vec::new(),
    };
    reader.visit_file(&ast);
    let pending = std::mem::take(&mut reader.pending);
    for child in pending {
        read_module_file(&child, cfg, scan, depth + 1);
    }
}

/// Whether code is compiled with and without `test`, each true, false or unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Compiled {
    with_test: Option<bool>,
    without_test: Option<bool>,
}

fn and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

impl Compiled {
    const ALWAYS: Compiled = Compiled {
        with_test: Some(true),
        without_test: Some(true),
    };

    fn and(self, other: Compiled) -> Compiled {
        Compiled {
            with_test: and(self.with_test, other.with_test),
            without_test: and(self.without_test, other.without_test),
        }
    }

    fn gate(self, why: &str) -> Gate {
        match (self.with_test, self.without_test) {
            (_, Some(true)) => Gate::Production,
            (Some(false), Some(false)) => Gate::NotCompiled(why.to_owned()),
            (_, Some(false)) => Gate::TestOnly,
            (_, None) => Gate::Undecided(why.to_owned()),
        }
    }
}

/// What the attributes of one item say: its `cfg`s, and whether it is a
/// test (`#[test]`, `#[tokio::test]`, `#[bench]`), with the `cfg` text.
fn attrs_compiled(attrs: &[syn::Attribute], cfg: &CfgSet) -> (Compiled, String) {
    let mut compiled = Compiled::ALWAYS;
    let mut why = Vec::new();
    for attr in attrs {
        let path = attr.path();
        let last = path.segments.last().map(|s| s.ident.to_string());
        if path.is_ident("cfg") {
            let Ok(list) = attr.meta.require_list() else {
                continue;
            };
            let predicate = list.tokens.to_string();
            compiled = compiled.and(Compiled {
                with_test: cfg.eval(&predicate, true),
                without_test: cfg.eval(&predicate, false),
            });
            why.push(format!("#[cfg({predicate})]"));
        } else if matches!(last.as_deref(), Some("test" | "bench")) {
            compiled.without_test = Some(false);
            why.push(format!(
                "#[{}]",
                quote::quote!(#path).to_string().replace(' ', "")
            ));
        }
    }
    (compiled, why.join(" "))
}

struct Reader<'a> {
    file: &'a Path,
    cfg: &'a CfgSet,
    scan: &'a mut CrateScan,
    modules: Vec<String>,
    /// Where `mod x;` declarations of the current (inline) module are looked for.
    children: PathBuf,
    inline_depth: usize,
    compiled: Vec<Compiled>,
    why: Vec<String>,
    self_types: Vec<String>,
    functions: Vec<String>,
    pending: Vec<ModuleFile>,
}

impl Reader<'_> {
    fn current(&self) -> (Compiled, String) {
        (
            self.compiled.last().copied().unwrap_or(Compiled::ALWAYS),
            self.why.last().cloned().unwrap_or_default(),
        )
    }

    /// Runs `inside` with the gate of an item with these attributes.
    fn gated(&mut self, attrs: &[syn::Attribute], span: Span, inside: impl FnOnce(&mut Self)) {
        let (own, own_why) = attrs_compiled(attrs, self.cfg);
        let (parent, parent_why) = self.current();
        let compiled = parent.and(own);
        let why = [parent_why, own_why]
            .into_iter()
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if compiled.gate("") == Gate::TestOnly && parent.gate("") != Gate::TestOnly {
            self.scan.test_regions.push(Region {
                file: self.file.to_path_buf(),
                start: Position::start(span),
                end: Position::end(span),
            });
        }
        self.compiled.push(compiled);
        self.why.push(why);
        inside(self);
        self.compiled.pop();
        self.why.pop();
    }

    fn gate(&self) -> Gate {
        let (compiled, why) = self.current();
        compiled.gate(&why)
    }

    fn function_path(&self, name: &str) -> String {
        let mut path = self.modules.clone();
        path.extend(self.functions.iter().cloned());
        if let Some(ty) = self.self_types.last() {
            path.push(ty.clone());
        }
        path.push(name.to_owned());
        path.join("::")
    }

    fn site(
        &mut self,
        ident: &syn::Ident,
        enum_path: Option<String>,
        syntax: SiteSyntax,
        function: &str,
        waiver: Option<String>,
    ) {
        self.scan.sites.push(SourceSite {
            file: self.file.to_path_buf(),
            position: Position::start(ident.span()),
            event: ident.to_string(),
            enum_path,
            syntax,
            function: function.to_owned(),
            gate: self.gate(),
            waiver,
        });
    }

    /// A function: the sites of its `#[emits]`, and the `emit!`s of its body.
    fn function(&mut self, attrs: &[syn::Attribute], name: &syn::Ident, body: Option<&syn::Block>) {
        let function = self.function_path(&name.to_string());
        let emits = attrs
            .iter()
            .find(|a| a.path().segments.last().is_some_and(|s| s.ident == "emits"));
        let args = emits.and_then(|attr| attr.parse_args::<EmitsArgs>().ok());
        let mut by_hand: Vec<EmitInput> = Vec::new();
        if let Some(body) = body {
            let mut block = body.clone();
            rewrite_body_emits(&mut block, &mut |call| {
                if let Ok(input) = syn::parse2::<EmitInput>(call.args) {
                    by_hand.push(input);
                }
                None
            });
        }
        let enum_path = args
            .as_ref()
            .and_then(|a| a.event_enum.as_ref())
            .map(|p| quote::quote!(#p).to_string().replace(' ', ""));
        if let Some(args) = &args {
            for event in &args.events {
                if !by_hand.iter().any(|e| e.variant == event.ident) {
                    self.site(
                        &event.ident,
                        enum_path.clone(),
                        SiteSyntax::Attribute,
                        &function,
                        event.options.waiver(),
                    );
                }
            }
        }
        for input in &by_hand {
            let path = input
                .enum_path
                .as_ref()
                .map(|p| quote::quote!(#p).to_string().replace(' ', ""))
                .or_else(|| args.as_ref().and(enum_path.clone()));
            self.site(
                &input.variant,
                path,
                SiteSyntax::Macro,
                &function,
                input.options.waiver(),
            );
        }
    }

    /// `emit!` and `#[emits]` written in a `macro_rules!` body: templates,
    /// placed by the compiler where the macro is invoked.
    fn macro_template(&mut self, name: &str, tokens: &TokenStream) {
        let mut found = Vec::new();
        templates_in(tokens, &mut found);
        for (what, span) in found {
            self.scan.skipped.push(Skipped {
                file: self.file.to_path_buf(),
                position: Position::start(span),
                what: format!("{what} in macro_rules! {name}"),
                reason: "a macro body: its sites are registered where the macro is invoked"
                    .to_owned(),
            });
        }
    }

    fn declared_module(&mut self, item: &syn::ItemMod) {
        let name = item.ident.to_string();
        let name = name.trim_start_matches("r#").to_owned();
        let path_attr = item.attrs.iter().find_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        });
        let (compiled, why) = self.current();
        let candidates: Vec<(PathBuf, PathBuf)> = match &path_attr {
            Some(path) => {
                let base = if self.inline_depth > 0 {
                    self.children.clone()
                } else {
                    self.file
                        .parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_default()
                };
                let file = base.join(path);
                let children = file.parent().map(Path::to_path_buf).unwrap_or_default();
                vec![(file, children)]
            }
            None => vec![
                (
                    self.children.join(format!("{name}.rs")),
                    self.children.join(&name),
                ),
                (
                    self.children.join(&name).join("mod.rs"),
                    self.children.join(&name),
                ),
            ],
        };
        let found = candidates.iter().find(|(file, _)| file.is_file());
        let mut module = self.modules.clone();
        module.push(name.clone());
        match found {
            Some((file, children)) => self.pending.push(ModuleFile {
                path: canonical(file),
                children: children.clone(),
                module,
                compiled,
                why,
            }),
            None => {
                if compiled.gate("") == Gate::Production {
                    self.scan.skipped.push(Skipped {
                        file: self.file.to_path_buf(),
                        position: Position::start(item.ident.span()),
                        what: format!("module `{}`", module.join("::")),
                        reason: format!(
                            "its file is not at {}",
                            candidates
                                .iter()
                                .map(|(f, _)| f.display().to_string())
                                .collect::<Vec<_>>()
                                .join(" or ")
                        ),
                    });
                }
            }
        }
    }
}

/// `emit!(..)` and `#[emits(..)]` among tokens, with the span of each.
fn templates_in(tokens: &TokenStream, found: &mut Vec<(&'static str, Span)>) {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) if ident == "emit" => {
                let bang =
                    matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
                if bang && matches!(trees.get(i + 2), Some(TokenTree::Group(_))) {
                    found.push(("emit!", ident.span()));
                }
            }
            TokenTree::Punct(p) if p.as_char() == '#' => {
                if let Some(TokenTree::Group(attr)) = trees.get(i + 1) {
                    let first = attr.stream().into_iter().next();
                    if matches!(first, Some(TokenTree::Ident(ref id)) if id == "emits") {
                        found.push(("#[emits]", attr.span()));
                    }
                }
            }
            TokenTree::Group(group) => templates_in(&group.stream(), found),
            _ => {}
        }
    }
}

fn derives_event_type(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|attr| {
            let mut found = false;
            let _ = attr.parse_nested_meta(|meta| {
                if meta
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "EventType")
                {
                    found = true;
                }
                Ok(())
            });
            found
        })
}

fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        syn::Type::Reference(r) => type_name(&r.elem),
        other => quote::quote!(#other).to_string(),
    }
}

impl<'ast> Visit<'ast> for Reader<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Const(i) => &i.attrs,
            syn::Item::Enum(i) => &i.attrs,
            syn::Item::ExternCrate(i) => &i.attrs,
            syn::Item::Fn(i) => &i.attrs,
            syn::Item::ForeignMod(i) => &i.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Macro(i) => &i.attrs,
            syn::Item::Mod(i) => &i.attrs,
            syn::Item::Static(i) => &i.attrs,
            syn::Item::Struct(i) => &i.attrs,
            syn::Item::Trait(i) => &i.attrs,
            syn::Item::TraitAlias(i) => &i.attrs,
            syn::Item::Type(i) => &i.attrs,
            syn::Item::Union(i) => &i.attrs,
            syn::Item::Use(i) => &i.attrs,
            _ => &[],
        };
        self.gated(attrs, item.span(), |this| {
            syn::visit::visit_item(this, item)
        });
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        let attrs: &[syn::Attribute] = match item {
            syn::ImplItem::Const(i) => &i.attrs,
            syn::ImplItem::Fn(i) => &i.attrs,
            syn::ImplItem::Type(i) => &i.attrs,
            syn::ImplItem::Macro(i) => &i.attrs,
            _ => &[],
        };
        self.gated(attrs, item.span(), |this| {
            syn::visit::visit_impl_item(this, item);
        });
    }

    fn visit_trait_item(&mut self, item: &'ast syn::TraitItem) {
        let attrs: &[syn::Attribute] = match item {
            syn::TraitItem::Const(i) => &i.attrs,
            syn::TraitItem::Fn(i) => &i.attrs,
            syn::TraitItem::Type(i) => &i.attrs,
            syn::TraitItem::Macro(i) => &i.attrs,
            _ => &[],
        };
        self.gated(attrs, item.span(), |this| {
            syn::visit::visit_trait_item(this, item);
        });
    }

    fn visit_stmt(&mut self, stmt: &'ast syn::Stmt) {
        // Statements' own `cfg`s: `#[cfg(test)] let ..`.
        let attrs: &[syn::Attribute] = match stmt {
            syn::Stmt::Local(local) => &local.attrs,
            syn::Stmt::Macro(m) => &m.attrs,
            _ => &[],
        };
        self.gated(attrs, stmt.span(), |this| {
            syn::visit::visit_stmt(this, stmt)
        });
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        match &item.content {
            None => self.declared_module(item),
            Some((_, items)) => {
                let name = item.ident.to_string().trim_start_matches("r#").to_owned();
                self.modules.push(name.clone());
                let inner = self.children.join(&name);
                let children = std::mem::replace(&mut self.children, inner);
                self.inline_depth += 1;
                for inner in items {
                    self.visit_item(inner);
                }
                self.inline_depth -= 1;
                self.children = children;
                self.modules.pop();
            }
        }
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        self.self_types.push(type_name(&item.self_ty));
        syn::visit::visit_item_impl(self, item);
        self.self_types.pop();
    }

    fn visit_item_trait(&mut self, item: &'ast syn::ItemTrait) {
        self.self_types.push(item.ident.to_string());
        syn::visit::visit_item_trait(self, item);
        self.self_types.pop();
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.function(&item.attrs, &item.sig.ident, Some(&item.block));
        // Items nested in the body belong to this function's path.
        let outer = std::mem::take(&mut self.self_types);
        self.functions.push(item.sig.ident.to_string());
        syn::visit::visit_block(self, &item.block);
        self.functions.pop();
        self.self_types = outer;
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.function(&item.attrs, &item.sig.ident, Some(&item.block));
        let outer = std::mem::take(&mut self.self_types);
        self.functions.push(item.sig.ident.to_string());
        self.functions.insert(
            self.functions.len() - 1,
            outer.last().cloned().unwrap_or_default(),
        );
        syn::visit::visit_block(self, &item.block);
        self.functions.pop();
        self.functions.pop();
        self.self_types = outer;
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        self.function(&item.attrs, &item.sig.ident, item.default.as_ref());
        if let Some(block) = &item.default {
            let outer = std::mem::take(&mut self.self_types);
            self.functions
                .push(outer.last().cloned().unwrap_or_default());
            self.functions.push(item.sig.ident.to_string());
            syn::visit::visit_block(self, block);
            self.functions.pop();
            self.functions.pop();
            self.self_types = outer;
        }
    }

    fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
        if derives_event_type(&item.attrs) {
            let input = syn::DeriveInput::from(item.clone());
            if let Ok(parsed) = EventEnum::from_input(&input) {
                let mut path = self.modules.clone();
                path.extend(self.functions.iter().cloned());
                path.push(parsed.ident.to_string());
                let gate = self.gate();
                self.scan.enums.push(SourceEnum {
                    file: self.file.to_path_buf(),
                    position: Position::start(item.ident.span()),
                    path: path.join("::"),
                    variants: parsed
                        .variants
                        .into_iter()
                        .map(|v| (v.ident.to_string(), v.dotted, v.exemption))
                        .collect(),
                    gate,
                });
            }
        }
        syn::visit::visit_item_enum(self, item);
    }

    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        if item.mac.path.is_ident("macro_rules") {
            let name = item
                .ident
                .as_ref()
                .map_or_else(String::new, ToString::to_string);
            self.macro_template(&name, &item.mac.tokens);
        }
    }

    // A function's `emit!`s are read by `function`; nested items are visited.
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let _ = is_emit_path(&mac.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    fn linux() -> CfgSet {
        CfgSet::from_print_cfg("target_os=\"linux\"\ntarget_family=\"unix\"\nunix\n")
    }

    fn tempdir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("eventwire-grammar-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn summary(scan: &CrateScan) -> Vec<(String, u32, u32, String, Gate)> {
        let mut rows: Vec<_> = scan
            .sites
            .iter()
            .map(|s| {
                (
                    s.event.clone(),
                    s.position.line,
                    s.position.column,
                    s.function.clone(),
                    s.gate.clone(),
                )
            })
            .collect();
        rows.sort_by_key(|a| (a.1, a.2));
        rows
    }

    #[test]
    fn reads_sites_with_the_macros_grammar() {
        let dir = tempdir("grammar");
        write(
            &dir,
            &[(
                "src/lib.rs",
                r#"use eventwire::{emit, emits};

impl Shop {
    #[emits(OrderPlaced, OrderRetried, OrderFailed(on = err), bus = f::<A, B>(), fields(id))]
    fn buy(&self, id: u32) -> Result<(), String> {
        emit!(OrderRetried, id);
        let _ = vec![emit!(EventType::OrderRetried)];
        fn nested() { eventwire::emit!(Nested, bus = b); }
        Ok(())
    }
}

macro_rules! retry {
    () => { emit!(Templated) };
}
"#,
            )],
        );
        let scan = scan_crate(&dir.join("src/lib.rs"), "shop", false, &linux());
        let p = Gate::Production;
        assert_eq!(
            summary(&scan),
            [
                (
                    "OrderPlaced".into(),
                    4,
                    13,
                    "shop::Shop::buy".into(),
                    p.clone()
                ),
                (
                    "OrderFailed".into(),
                    4,
                    40,
                    "shop::Shop::buy".into(),
                    p.clone()
                ),
                (
                    "OrderRetried".into(),
                    6,
                    15,
                    "shop::Shop::buy".into(),
                    p.clone()
                ),
                (
                    "OrderRetried".into(),
                    7,
                    39,
                    "shop::Shop::buy".into(),
                    p.clone()
                ),
                ("Nested".into(), 8, 40, "shop::Shop::buy::nested".into(), p),
            ]
        );
        assert_eq!(scan.skipped.len(), 1, "{:?}", scan.skipped);
        assert_eq!(scan.skipped[0].what, "emit! in macro_rules! retry");
        assert_eq!(scan.skipped[0].position.line, 14);
    }

    #[test]
    fn follows_the_module_tree_and_its_gates() {
        let dir = tempdir("tree");
        write(
            &dir,
            &[
                (
                    "src/lib.rs",
                    "mod a;\n#[cfg(windows)] mod win;\n#[cfg(test)] mod tests;\n#[cfg(feature = \"x\")] mod maybe;\n#[path = \"other/place.rs\"] mod moved;\n#[cfg(test)]\nmod inline {\n    fn helper() { emit!(InlineTest); }\n}\n#[test]\nfn t() { emit!(InTest); }\n",
                ),
                ("src/a.rs", "mod b;\nfn f() { emit!(InA); }\n"),
                ("src/a/b.rs", "fn g() { emit!(InB); }\n"),
                ("src/win.rs", "fn w() { emit!(OnWindows); }\n"),
                ("src/tests.rs", "fn h() { emit!(InTests); }\n"),
                ("src/maybe.rs", "fn m() { emit!(Maybe); }\n"),
                ("src/other/place.rs", "fn p() { emit!(Moved); }\n"),
                ("src/stray.rs", "fn s() { emit!(NotInTheTree); }\n"),
            ],
        );
        let scan = scan_crate(&dir.join("src/lib.rs"), "k", false, &linux());
        let gate_of = |event: &str| {
            scan.sites
                .iter()
                .find(|s| s.event == event)
                .map(|s| s.gate.clone())
        };
        assert_eq!(gate_of("InA"), Some(Gate::Production));
        assert_eq!(gate_of("InB"), Some(Gate::Production));
        assert_eq!(gate_of("Moved"), Some(Gate::Production));
        assert_eq!(gate_of("InTests"), Some(Gate::TestOnly));
        assert_eq!(gate_of("InlineTest"), Some(Gate::TestOnly));
        assert_eq!(gate_of("InTest"), Some(Gate::TestOnly));
        assert!(
            matches!(gate_of("OnWindows"), Some(Gate::NotCompiled(why)) if why == "#[cfg(windows)]")
        );
        assert!(matches!(gate_of("Maybe"), Some(Gate::Undecided(_))));
        assert_eq!(gate_of("NotInTheTree"), None);
        let in_b = scan.sites.iter().find(|s| s.event == "InB").unwrap();
        assert_eq!(in_b.function, "k::a::b::g");
        let helper = scan.sites.iter().find(|s| s.event == "InlineTest").unwrap();
        assert!(scan.is_test_only_at(&helper.file, helper.position));
        let in_a = scan.sites.iter().find(|s| s.event == "InA").unwrap();
        assert!(!scan.is_test_only_at(&in_a.file, in_a.position));
    }

    #[test]
    fn finds_event_enums_and_test_targets() {
        let dir = tempdir("enums");
        write(
            &dir,
            &[(
                "tests/it.rs",
                "#[derive(Clone, Copy, eventwire::EventType)]\npub enum EventType { PlanApplied, #[event(name = \"x.y\", unwired = \"later\")] Other }\n#[test]\nfn t() { emit!(PlanApplied); }\n",
            )],
        );
        let scan = scan_crate(&dir.join("tests/it.rs"), "it", true, &linux());
        assert_eq!(scan.enums.len(), 1);
        assert_eq!(scan.enums[0].path, "it::EventType");
        assert_eq!(scan.enums[0].gate, Gate::TestOnly);
        assert_eq!(
            scan.enums[0].variants,
            [
                ("PlanApplied".to_owned(), "plan.applied".to_owned(), None),
                (
                    "Other".to_owned(),
                    "x.y".to_owned(),
                    Some("later".to_owned())
                ),
            ]
        );
        assert_eq!(scan.sites[0].gate, Gate::TestOnly);
    }
}

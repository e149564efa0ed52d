//! Reading one crate target's sources: its module tree from the root file,
//! the `cfg` gate of every place in it, and the sites and event enums it
//! holds.
//!
//! A gate belongs to a place, not to a function: every node that carries
//! attributes (an item, a statement, a block, an expression, a match arm, a
//! field) and says `#[cfg(..)]`, `#[test]` or the like makes a region of its
//! file, and the gate at a position is that of its file and of every region
//! around it. So `#[cfg(test)] { emit!(X) }` inside a production function is
//! test code, and so is `#[cfg_attr(test, emits(X))]`.

use super::cfg::CfgSet;
use crate::syntax::emit::{is_emit_path, rewrite_body_emits_named, EmitInput, EmitNames};
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
    /// The enum as written: `event = path` or `emit!(path::Variant)`.
    pub enum_path: Option<String>,
    /// The module the site is in, from the crate's root: `krate::tools`.
    pub module: String,
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
    /// Its path as `module_path!()` and its name give it: `krate::events::EventType`.
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

/// A stretch of a file under attributes that gate it.
#[derive(Clone, Debug)]
struct Region {
    file: PathBuf,
    start: Position,
    end: Position,
    compiled: Compiled,
    why: String,
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
    file_gates: Vec<(PathBuf, Compiled, String)>,
    regions: Vec<Region>,
    /// The modules that define a `macro_rules! emit` of their own.
    emit_macros: Vec<String>,
    /// The sites written `emit!(..)` outside an `#[emits]` body, with no
    /// `use` of eventwire's `emit` in scope: the crate's own macro where
    /// one is defined in its module or a parent, not eventwire's.
    bare_emits: Vec<usize>,
    /// The names each module's `use` items bring in, by module path: to
    /// follow a site's enum through the crate's re-exports.
    module_imports: std::collections::HashMap<String, Imports>,
    /// The names of eventwire's crate besides `eventwire` (renamed
    /// dependencies), as the reading was given them.
    eventwire_crates: Vec<String>,
}

impl CrateScan {
    /// The gate of the code at `position` of `file` (compared after
    /// canonicalisation); `None` for a file outside the module tree.
    pub fn gate_at(&self, file: &Path, position: Position) -> Option<Gate> {
        let file = canonical(file);
        let (_, mut compiled, why) = self.file_gates.iter().find(|(f, ..)| *f == file)?.clone();
        let mut whys = vec![why];
        for region in self
            .regions
            .iter()
            .filter(|r| r.file == file && r.start <= position && position <= r.end)
        {
            compiled = compiled.and(region.compiled);
            whys.push(region.why.clone());
        }
        let why = whys
            .into_iter()
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Some(compiled.gate(&why))
    }

    /// Whether the code at `position` of `file` is compiled only for tests.
    pub fn is_test_only_at(&self, file: &Path, position: Position) -> bool {
        self.gate_at(file, position) == Some(Gate::TestOnly)
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Reads a target from its root file: `src/lib.rs`, `tests/orders.rs`.
/// `crate_name` starts every path; `test_target` is true for integration
/// tests, benchmarks and examples, all of whose code is test-only.
pub fn scan_crate(root: &Path, crate_name: &str, test_target: bool, cfg: &CfgSet) -> CrateScan {
    scan_crate_with(root, crate_name, test_target, cfg, &[])
}

/// [`scan_crate`], for a crate that also names eventwire's crate
/// otherwise: `eventwire_crates` are the names its manifest gives it
/// (`ew = { package = "eventwire", .. }` gives `ew`).
pub fn scan_crate_with(
    root: &Path,
    crate_name: &str,
    test_target: bool,
    cfg: &CfgSet,
    eventwire_crates: &[String],
) -> CrateScan {
    let mut scan = CrateScan {
        eventwire_crates: eventwire_crates.to_vec(),
        ..CrateScan::default()
    };
    let compiled = if test_target {
        Compiled {
            with_test: Some(true),
            without_test: Some(false),
        }
    } else {
        Compiled::ALWAYS
    };
    let root = canonical(root);
    let module = ModuleFile {
        children: root.parent().map(Path::to_path_buf).unwrap_or_default(),
        path: root,
        module: vec![crate_name.to_owned()],
        compiled,
        why: if test_target {
            "test target".to_owned()
        } else {
            String::new()
        },
    };
    read_module_file(&module, cfg, &mut scan, 0);
    // A bare `emit!` where the crate's own macro is in scope (defined in
    // the site's module or one around it) is that macro's.
    let bare = std::mem::take(&mut scan.bare_emits);
    let own_macro = |site: &SourceSite| {
        scan.emit_macros
            .iter()
            .any(|m| site.module == *m || site.module.starts_with(&format!("{m}::")))
    };
    let dropped: Vec<usize> = bare
        .into_iter()
        .filter(|i| scan.sites.get(*i).is_some_and(own_macro))
        .collect();
    let mut index = 0;
    scan.sites.retain(|_| {
        index += 1;
        !dropped.contains(&(index - 1))
    });
    // A site's enum, followed through the crate's own re-exports.
    let imports = std::mem::take(&mut scan.module_imports);
    for site in &mut scan.sites {
        if let Some(path) = &site.enum_path {
            site.enum_path = Some(through_reexports(path, &site.module, &imports));
        }
    }
    let gates: Vec<Gate> = scan
        .sites
        .iter()
        .map(|s| {
            scan.gate_at(&s.file, s.position)
                .unwrap_or(Gate::Production)
        })
        .collect();
    for (site, gate) in scan.sites.iter_mut().zip(gates) {
        site.gate = gate;
    }
    let gates: Vec<Gate> = scan
        .enums
        .iter()
        .map(|e| {
            scan.gate_at(&e.file, e.position)
                .unwrap_or(Gate::Production)
        })
        .collect();
    for (found, gate) in scan.enums.iter_mut().zip(gates) {
        found.gate = gate;
    }
    scan.files = scan
        .file_gates
        .iter()
        .map(|(file, compiled, why)| (file.clone(), compiled.gate(why)))
        .collect();
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
    if scan.file_gates.iter().any(|(f, ..)| *f == file.path) || depth > MAX_DEPTH {
        return;
    }
    let position = Position { line: 1, column: 1 };
    let skip = |scan: &mut CrateScan, at: Position, reason: String| {
        scan.file_gates
            .push((file.path.clone(), file.compiled, file.why.clone()));
        scan.skipped.push(Skipped {
            file: file.path.clone(),
            position: at,
            what: format!("module `{}`", file.module.join("::")),
            reason,
        });
    };
    let text = match std::fs::read_to_string(&file.path) {
        Ok(text) => text,
        Err(error) => {
            skip(
                scan,
                position,
                format!("could not read {}: {error}", file.path.display()),
            );
            return;
        }
    };
    let ast = match syn::parse_file(&text) {
        Ok(ast) => ast,
        Err(error) => {
            skip(
                scan,
                Position::start(error.span()),
                format!("it does not parse: {error}"),
            );
            return;
        }
    };
    let (inner, inner_why) = attrs_compiled(&ast.attrs, cfg);
    let why = join_why(&file.why, &inner_why);
    scan.file_gates
        .push((file.path.clone(), file.compiled.and(inner), why));
    let mut reader = Reader {
        file: &file.path,
        cfg,
        scan,
        modules: file.module.clone(),
        children: file.children.clone(),
        inline_depth: 0,
        self_types: Vec::new(),
        functions: Vec::new(),
        pending: Vec::new(),
        imports: vec![imports_of(&ast.items)],
    };
    reader
        .scan
        .module_imports
        .insert(file.module.join("::"), reader.imports[0].clone());
    reader.visit_file(&ast);
    let pending = std::mem::take(&mut reader.pending);
    for child in pending {
        read_module_file(&child, cfg, scan, depth + 1);
    }
}

fn join_why(a: &str, b: &str) -> String {
    [a, b]
        .into_iter()
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
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

    const TEST_ONLY: Compiled = Compiled {
        with_test: Some(true),
        without_test: Some(false),
    };

    fn and(self, other: Compiled) -> Compiled {
        Compiled {
            with_test: and(self.with_test, other.with_test),
            without_test: and(self.without_test, other.without_test),
        }
    }

    fn of(cfg: &CfgSet, predicate: &str) -> Compiled {
        Compiled {
            with_test: cfg.eval(predicate, true),
            without_test: cfg.eval(predicate, false),
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

/// Attributes that make a function a test, compiled only by test builds.
const TEST_ATTRIBUTES: &[&str] = &[
    "test",
    "bench",
    "rstest",
    "test_case",
    "wasm_bindgen_test",
    "quickcheck",
    "proptest",
];

/// Item macros whose invocations are tests.
const TEST_MACROS: &[&str] = &["proptest", "quickcheck"];

/// What the attributes of one node say: its `cfg`s, and whether it is a
/// test (`#[test]`, `#[tokio::test]`, `#[rstest]`, ..), with the attributes' text.
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
            compiled = compiled.and(Compiled::of(cfg, &predicate));
            why.push(format!("#[cfg({predicate})]"));
        } else if last
            .as_deref()
            .is_some_and(|l| TEST_ATTRIBUTES.contains(&l))
        {
            compiled = compiled.and(Compiled::TEST_ONLY);
            why.push(format!(
                "#[{}]",
                quote::quote!(#path).to_string().replace(' ', "")
            ));
        }
    }
    (compiled, why.join(" "))
}

/// The `emits(..)` attributes of a function, with the `cfg` each is under:
/// `#[emits(..)]` itself, and `#[cfg_attr(pred, emits(..))]`.
fn emits_attributes(
    attrs: &[syn::Attribute],
    aliases: &[String],
) -> Vec<(TokenStream, Option<(String, Span)>)> {
    let mut found = Vec::new();
    for attr in attrs {
        let is_emits = attr
            .path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "emits")
            || attr
                .path()
                .get_ident()
                .is_some_and(|i| aliases.iter().any(|a| i == a));
        if is_emits {
            if let Ok(list) = attr.meta.require_list() {
                found.push((list.tokens.clone(), None));
            }
        } else if attr.path().is_ident("cfg_attr") {
            let Ok(list) = attr.meta.require_list() else {
                continue;
            };
            let trees: Vec<TokenTree> = list.tokens.clone().into_iter().collect();
            let mut parts = trees.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','));
            let predicate: TokenStream = parts.next().unwrap_or_default().iter().cloned().collect();
            for part in parts {
                let is_emits = match part {
                    [TokenTree::Ident(name), TokenTree::Group(_)] => {
                        name == "emits" || aliases.iter().any(|a| name == a)
                    }
                    [.., TokenTree::Ident(name), TokenTree::Group(_)] => name == "emits",
                    _ => false,
                };
                if let (true, Some(TokenTree::Group(args))) = (is_emits, part.last()) {
                    found.push((args.stream(), Some((predicate.to_string(), attr.span()))));
                }
            }
        }
    }
    found
}

/// The attributes of an expression, when it can carry some.
fn expr_attrs(expr: &syn::Expr) -> &[syn::Attribute] {
    use syn::Expr;
    match expr {
        Expr::Array(e) => &e.attrs,
        Expr::Assign(e) => &e.attrs,
        Expr::Async(e) => &e.attrs,
        Expr::Await(e) => &e.attrs,
        Expr::Binary(e) => &e.attrs,
        Expr::Block(e) => &e.attrs,
        Expr::Break(e) => &e.attrs,
        Expr::Call(e) => &e.attrs,
        Expr::Cast(e) => &e.attrs,
        Expr::Closure(e) => &e.attrs,
        Expr::Const(e) => &e.attrs,
        Expr::Continue(e) => &e.attrs,
        Expr::Field(e) => &e.attrs,
        Expr::ForLoop(e) => &e.attrs,
        Expr::Group(e) => &e.attrs,
        Expr::If(e) => &e.attrs,
        Expr::Index(e) => &e.attrs,
        Expr::Infer(e) => &e.attrs,
        Expr::Let(e) => &e.attrs,
        Expr::Lit(e) => &e.attrs,
        Expr::Loop(e) => &e.attrs,
        Expr::Macro(e) => &e.attrs,
        Expr::Match(e) => &e.attrs,
        Expr::MethodCall(e) => &e.attrs,
        Expr::Paren(e) => &e.attrs,
        Expr::Path(e) => &e.attrs,
        Expr::Range(e) => &e.attrs,
        Expr::RawAddr(e) => &e.attrs,
        Expr::Reference(e) => &e.attrs,
        Expr::Repeat(e) => &e.attrs,
        Expr::Return(e) => &e.attrs,
        Expr::Struct(e) => &e.attrs,
        Expr::Try(e) => &e.attrs,
        Expr::TryBlock(e) => &e.attrs,
        Expr::Tuple(e) => &e.attrs,
        Expr::Unary(e) => &e.attrs,
        Expr::Unsafe(e) => &e.attrs,
        Expr::While(e) => &e.attrs,
        Expr::Yield(e) => &e.attrs,
        _ => &[],
    }
}

struct Reader<'a> {
    file: &'a Path,
    cfg: &'a CfgSet,
    scan: &'a mut CrateScan,
    modules: Vec<String>,
    /// Where `mod x;` declarations of the current (inline) module are looked for.
    children: PathBuf,
    inline_depth: usize,
    self_types: Vec<String>,
    functions: Vec<String>,
    pending: Vec<ModuleFile>,
    /// The names `use` brings into scope, innermost scope last: a name's
    /// path as written (`EventType` → `events::EventType`).
    imports: Vec<Imports>,
}

/// The names one scope's `use` items bring in, and the paths they stand for.
type Imports = std::collections::HashMap<String, String>;

/// The key of [`Imports`] that says a glob brought in eventwire's items
/// (no identifier can be spelt so).
const EVENTWIRE_GLOB: &str = "*eventwire";

/// The names the `use` items among `items` bring in (not those of a glob:
/// what it brings is not in the source).
fn imports_of<'a>(items: impl IntoIterator<Item = &'a syn::Item>) -> Imports {
    fn walk(prefix: &mut Vec<String>, tree: &syn::UseTree, out: &mut Imports) {
        let name = |ident: &syn::Ident| ident.to_string().trim_start_matches("r#").to_owned();
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(name(&p.ident));
                walk(prefix, &p.tree, out);
                prefix.pop();
            }
            syn::UseTree::Name(n) if n.ident == "self" => {
                if let Some(last) = prefix.last() {
                    out.insert(last.clone(), prefix.join("::"));
                }
            }
            syn::UseTree::Name(n) => {
                let mut path = prefix.clone();
                path.push(name(&n.ident));
                out.insert(name(&n.ident), path.join("::"));
            }
            syn::UseTree::Rename(r) if r.rename != "_" => {
                let mut path = prefix.clone();
                if r.ident != "self" {
                    path.push(name(&r.ident));
                }
                out.insert(name(&r.rename), path.join("::"));
            }
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    walk(prefix, tree, out);
                }
            }
            // What a glob brings is not in the source, but one from
            // eventwire brings its `emit` (see `function`).
            syn::UseTree::Glob(_)
                if prefix.iter().find(|s| !s.is_empty()).map(String::as_str)
                    == Some("eventwire") =>
            {
                out.insert(EVENTWIRE_GLOB.to_owned(), "eventwire::*".to_owned());
            }
            syn::UseTree::Rename(_) | syn::UseTree::Glob(_) => {}
        }
    }
    let mut out = Imports::new();
    let mut declared = Vec::new();
    for item in items {
        match item {
            syn::Item::Use(item) => {
                let mut prefix = Vec::new();
                if item.leading_colon.is_some() {
                    prefix.push(String::new());
                }
                walk(&mut prefix, &item.tree, &mut out);
            }
            syn::Item::Enum(i) => declared.push(i.ident.to_string()),
            syn::Item::Struct(i) => declared.push(i.ident.to_string()),
            syn::Item::Type(i) => declared.push(i.ident.to_string()),
            syn::Item::Mod(i) => declared.push(i.ident.to_string()),
            // `extern crate eventwire as ev;`: `ev` names the crate.
            syn::Item::ExternCrate(i) => {
                if let Some((_, rename)) = &i.rename {
                    out.insert(rename.to_string(), i.ident.to_string());
                }
            }
            _ => {}
        }
    }
    // A name an item of the scope declares is that item (what a `use` of
    // the same name brings is a macro: `use eventwire::EventType;`, the
    // derive, beside `enum EventType`); and eventwire's `EventType` is only
    // ever the derive.
    for name in declared {
        out.remove(name.trim_start_matches("r#"));
    }
    out.retain(|name, path| {
        !(name == "EventType"
            && matches!(
                path.trim_start_matches("::").split("::").next(),
                Some("eventwire")
            ))
    });
    out
}

/// `path`, an enum's path as a site in `module` writes it, followed through
/// the crate's own modules and their `use` items (a re-export, `pub use
/// other::EventType;`) to where it is declared or to another crate: from
/// the crate's root (`krate::events::EventType`), or as the `use` names
/// the other crate (`lifecycle::EventType`). Unchanged when it does not
/// lead through a module the crate's reading knows.
fn through_reexports(
    path: &str,
    module: &str,
    imports: &std::collections::HashMap<String, Imports>,
) -> String {
    let mut current = path.to_owned();
    let mut here = module.to_owned();
    // A `use` may lead to another; a cycle ends the walk.
    for _ in 0..8 {
        let Some(absolute) = absolute(&current, &here, imports) else {
            return current;
        };
        let Some((owner, name)) = absolute.rsplit_once("::") else {
            return absolute;
        };
        match imports.get(owner).and_then(|names| names.get(name)) {
            Some(next) => {
                current = next.clone();
                here = owner.to_owned();
            }
            None => return absolute,
        }
    }
    current
}

/// `path` from the crate's root when it starts there (`crate::`, `self::`,
/// `super::`, or a module of `module` the reading knows); `None` for a path
/// of another crate.
fn absolute(
    path: &str,
    module: &str,
    imports: &std::collections::HashMap<String, Imports>,
) -> Option<String> {
    let segments: Vec<&str> = path.split("::").collect();
    let krate = module.split("::").next().unwrap_or_default();
    let mut here: Vec<&str> = module.split("::").collect();
    match segments.first().copied() {
        Some("crate") => Some(format!("{krate}::{}", segments[1..].join("::"))),
        Some("self") => Some(format!("{module}::{}", segments[1..].join("::"))),
        Some("super") => {
            let mut rest = &segments[..];
            while rest.first() == Some(&"super") {
                here.pop();
                rest = &rest[1..];
            }
            Some(format!("{}::{}", here.join("::"), rest.join("::")))
        }
        Some(first)
            if segments.len() > 1 && imports.contains_key(&format!("{module}::{first}")) =>
        {
            Some(format!("{module}::{}", segments.join("::")))
        }
        Some(first) if first == krate && segments.len() > 1 => Some(path.to_owned()),
        _ => None,
    }
}

/// The `use` items written directly in a function's body.
/// The names the `use` items anywhere inside `body` bring in, in its
/// blocks and closures (not only at its top).
fn nested_imports(body: &syn::Block) -> Imports {
    struct Uses(Vec<syn::Item>);
    impl<'ast> syn::visit::Visit<'ast> for Uses {
        fn visit_item(&mut self, item: &'ast syn::Item) {
            if matches!(item, syn::Item::Use(_)) {
                self.0.push(item.clone());
            }
            syn::visit::visit_item(self, item);
        }
    }
    let mut uses = Uses(Vec::new());
    syn::visit::visit_block(&mut uses, body);
    imports_of(&uses.0)
}

fn body_imports(body: Option<&syn::Block>) -> Imports {
    imports_of(
        body.into_iter()
            .flat_map(|b| &b.stmts)
            .filter_map(|stmt| match stmt {
                syn::Stmt::Item(item) => Some(item),
                _ => None,
            }),
    )
}

impl Reader<'_> {
    /// The enum of a site as the compiler finds it: `path` as written (for
    /// an event named alone, `EventType`, the name the macros look up),
    /// its first segment replaced by what a `use` in scope brought in
    /// under that name. Unchanged when no `use` names it (declared here, a
    /// glob, or a path from the crate's root).
    fn imported(&self, path: Option<String>) -> Option<String> {
        let written = path.as_deref().unwrap_or("EventType");
        let (first, rest) = match written.split_once("::") {
            Some((first, rest)) => (first, Some(rest)),
            None => (written, None),
        };
        if first.is_empty() || matches!(first, "crate" | "self" | "super" | "Self") {
            return path;
        }
        match self.imports.iter().rev().find_map(|scope| scope.get(first)) {
            Some(full) => Some(match rest {
                Some(rest) => format!("{full}::{rest}"),
                None => full.clone(),
            }),
            None => path,
        }
    }

    /// Records the region of a node with these attributes, if they gate it.
    fn gate(&mut self, attrs: &[syn::Attribute], span: Span) {
        let (compiled, why) = attrs_compiled(attrs, self.cfg);
        if compiled != Compiled::ALWAYS {
            self.region(span, compiled, why);
        }
    }

    /// The branches of a `cfg_if! { if #[cfg(a)] { .. } else if #[cfg(b)]
    /// { .. } else { .. } }`: each is compiled when its own predicate holds
    /// and no earlier one's does, recorded as a region like an item under
    /// that `cfg` (a test helper in its `cfg(test)` branch is test code).
    fn cfg_if(&mut self, tokens: &TokenStream) {
        use proc_macro2::{Delimiter, TokenTree};
        let mut earlier: Vec<String> = Vec::new();
        let mut tokens = tokens.clone().into_iter().peekable();
        loop {
            let predicate = match tokens.next() {
                Some(TokenTree::Ident(word)) if word == "if" => {
                    // `#[cfg(..)]`
                    let (Some(TokenTree::Punct(_)), Some(TokenTree::Group(attr))) =
                        (tokens.next(), tokens.next())
                    else {
                        return;
                    };
                    let Ok(meta) = syn::parse2::<syn::Meta>(attr.stream()) else {
                        return;
                    };
                    let Ok(list) = meta.require_list() else {
                        return;
                    };
                    if !list.path.is_ident("cfg") {
                        return;
                    }
                    Some(list.tokens.to_string())
                }
                Some(TokenTree::Group(_)) if earlier.is_empty() => return,
                _ => return,
            };
            let Some(TokenTree::Group(body)) = tokens.next() else {
                return;
            };
            if body.delimiter() != Delimiter::Brace {
                return;
            }
            self.cfg_if_branch(body.span(), predicate.as_deref(), &earlier);
            earlier.extend(predicate);
            match tokens.next() {
                Some(TokenTree::Ident(word)) if word == "else" => {}
                _ => return,
            }
            if let Some(TokenTree::Group(last)) = tokens.peek() {
                let last = last.clone();
                if last.delimiter() == Delimiter::Brace {
                    self.cfg_if_branch(last.span(), None, &earlier);
                }
                return;
            }
        }
    }

    fn cfg_if_branch(&mut self, span: Span, predicate: Option<&str>, earlier: &[String]) {
        let none_earlier =
            (!earlier.is_empty()).then(|| format!("not(any({}))", earlier.join(", ")));
        let predicate = match (predicate, none_earlier) {
            (Some(own), Some(none)) => format!("all({own}, {none})"),
            (Some(own), None) => own.to_owned(),
            (None, Some(none)) => none,
            (None, None) => return,
        };
        let compiled = Compiled::of(self.cfg, &predicate);
        self.region(span, compiled, format!("cfg_if! #[cfg({predicate})]"));
    }

    fn region(&mut self, span: Span, compiled: Compiled, why: String) {
        self.scan.regions.push(Region {
            file: self.file.to_path_buf(),
            start: Position::start(span),
            end: Position::end(span),
            compiled,
            why,
        });
    }

    /// The gate here, so far (regions around `span` are already recorded).
    fn compiled_at(&self, span: Span) -> (Compiled, String) {
        let position = Position::start(span);
        let mut compiled = Compiled::ALWAYS;
        let mut whys = Vec::new();
        if let Some((_, file_compiled, why)) =
            self.scan.file_gates.iter().find(|(f, ..)| f == self.file)
        {
            compiled = *file_compiled;
            whys.push(why.clone());
        }
        for region in self
            .scan
            .regions
            .iter()
            .filter(|r| r.file == self.file && r.start <= position && position <= r.end)
        {
            compiled = compiled.and(region.compiled);
            whys.push(region.why.clone());
        }
        let why = whys
            .into_iter()
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        (compiled, why)
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
            module: self.modules.join("::"),
            syntax,
            function: function.to_owned(),
            // Decided once the whole crate is read: see `scan_crate`.
            gate: Gate::Production,
            waiver,
        });
    }

    /// The names eventwire's crate goes by here: `eventwire`, a renamed
    /// dependency's, and what a `use` or `extern crate` in scope renames
    /// either to (`use eventwire as ev;`).
    fn crate_names(&self) -> Vec<String> {
        let mut names = self.scan.eventwire_crates.clone();
        for scope in &self.imports {
            for (name, path) in scope {
                let path = path.trim_start_matches("::");
                if path == "eventwire" || self.scan.eventwire_crates.iter().any(|c| c == path) {
                    names.push(name.clone());
                }
            }
        }
        names
    }

    /// The names the `use` items in scope give eventwire's `item` (`emit`,
    /// `emits`) other than its own: `use eventwire::emit as fire;`, also
    /// through a renamed dependency of eventwire.
    fn aliases_of(&self, item: &str) -> Vec<String> {
        let crates = self.crate_names();
        // The innermost `use` of a name is what it means (a function's
        // `use other::fire;` hides its module's `use eventwire::emit as fire;`).
        let mut bound: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
        for scope in &self.imports {
            for (name, path) in scope {
                bound.insert(name.as_str(), path.as_str());
            }
        }
        bound
            .into_iter()
            .filter(|(name, path)| {
                let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
                *name != item
                    && matches!(segments.as_slice(), [krate, last]
                        if *last == item
                            && (*krate == "eventwire" || crates.iter().any(|c| c == krate)))
            })
            .map(|(name, _)| name.to_owned())
            .collect()
    }

    /// A function: the sites of its `#[emits]`, and the `emit!`s of its body.
    /// (With the `use`s of its body in scope: see the visitors.)
    fn function(&mut self, attrs: &[syn::Attribute], name: &syn::Ident, body: Option<&syn::Block>) {
        let function = self.function_path(&name.to_string());
        let mut listed: Vec<EmitsArgs> = Vec::new();
        for (tokens, gate) in emits_attributes(attrs, &self.aliases_of("emits")) {
            let Ok(args) = syn::parse2::<EmitsArgs>(tokens) else {
                continue;
            };
            if let Some((predicate, span)) = gate {
                let compiled = Compiled::of(self.cfg, &predicate);
                self.region(span, compiled, format!("#[cfg_attr({predicate}, ..)]"));
            }
            listed.push(args);
        }
        // Each `emit!` with whether it was written without a path (`emit!`),
        // and whether the attribute sees it as the call's (`emit!`,
        // `eventwire::emit!`; one under another name expands as a free
        // `emit!`, a site of its own beside the attribute's).
        let mut by_hand: Vec<(EmitInput, bool, bool)> = Vec::new();
        if let Some(body) = body {
            let mut block = body.clone();
            let mut names = EmitNames {
                aliases: self.aliases_of("emit"),
                crates: self.crate_names(),
            };
            // A `use` in a block or closure of the body (`{ use
            // eventwire::emit as fire; fire!(..) }`) names it there too.
            for (name, path) in nested_imports(body) {
                let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
                if let [krate, "emit"] = segments.as_slice() {
                    if name != "emit"
                        && (*krate == "eventwire" || names.crates.iter().any(|c| c == krate))
                    {
                        names.aliases.push(name);
                    }
                }
            }
            rewrite_body_emits_named(&mut block, &names, &mut |call| {
                if let Ok(input) = syn::parse2::<EmitInput>(call.args) {
                    // The attribute's own rule: what it rewrites as the call's.
                    let seen = syn::parse2::<syn::Path>(call.path.clone())
                        .is_ok_and(|path| is_emit_path(&path));
                    let bare = call.path.to_string().trim() == "emit";
                    by_hand.push((input, bare, seen));
                }
                None
            });
        }
        // Outside an `#[emits]` body (where `emit!` is always eventwire's),
        // a bare `emit!` may be the crate's own macro: decided once the
        // crate is read, unless a `use` brings eventwire's into scope.
        let eventwire_emit = match self
            .imports
            .iter()
            .rev()
            .find_map(|scope| scope.get("emit"))
        {
            Some(path) => !matches!(path.split("::").next(), Some("crate" | "self" | "super")),
            None => self
                .imports
                .iter()
                .any(|scope| scope.contains_key(EVENTWIRE_GLOB)),
        };
        let maybe_own = listed.is_empty() && !eventwire_emit;
        let path_text = |p: &syn::Path| quote::quote!(#p).to_string().replace(' ', "");
        let written = listed
            .iter()
            .find_map(|a| a.event_enum.as_ref())
            .map(path_text);
        let enum_path = self.imported(written.clone());
        for args in &listed {
            for event in &args.events {
                if !by_hand
                    .iter()
                    .any(|(e, _, seen)| *seen && e.variant == event.ident)
                {
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
        for (input, bare, _) in &by_hand {
            if *bare && maybe_own {
                self.scan.bare_emits.push(self.scan.sites.len());
            }
            let path = input
                .enum_path
                .as_ref()
                .map(path_text)
                .or_else(|| (!listed.is_empty()).then(|| written.clone()).flatten());
            let path = self.imported(path);
            self.site(
                &input.variant,
                path,
                SiteSyntax::Macro,
                &function,
                input.options.waiver(),
            );
        }
    }

    /// The `emit!`s of a `static`'s or `const`'s initializer.
    fn initializer(&mut self, name: &syn::Ident, expr: &syn::Expr) {
        let block = syn::Block {
            brace_token: syn::token::Brace::default(),
            stmts: vec![syn::Stmt::Expr(expr.clone(), None)],
        };
        self.function(&[], name, Some(&block));
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

    /// `include!("file.rs")` at item level: the file's items belong here.
    fn included(&mut self, item: &syn::ItemMacro) {
        let Ok(literal) = item.mac.parse_body::<syn::LitStr>() else {
            return;
        };
        let base = self
            .file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let (compiled, why) = self.compiled_at(item.span());
        self.pending.push(ModuleFile {
            path: canonical(&base.join(literal.value())),
            children: self.children.clone(),
            module: self.modules.clone(),
            compiled,
            why,
        });
    }

    /// Where a `#[path]` of a module declared here is relative to: the
    /// directory of the file, or, inside an inline module, its children's.
    fn path_base(&self) -> PathBuf {
        if self.inline_depth > 0 {
            self.children.clone()
        } else {
            self.file
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
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
        let (mut compiled, mut why) = self.compiled_at(item.ident.span());
        // `#[cfg_attr(pred, path = "other.rs")]`: where `pred` holds the
        // module is that file (read too, under `pred`); elsewhere, the
        // usual one (under `not(pred)`).
        if let Some((predicate, other)) = cfg_attr_path(&item.attrs) {
            let base = self.path_base();
            let file = base.join(&other);
            if file.is_file() {
                let mut module = self.modules.clone();
                module.push(name.clone());
                self.pending.push(ModuleFile {
                    path: canonical(&file),
                    children: file.parent().map(Path::to_path_buf).unwrap_or_default(),
                    module,
                    compiled: compiled.and(Compiled::of(self.cfg, &predicate)),
                    why: format!("{why} #[cfg_attr({predicate}, path = {other:?})]")
                        .trim()
                        .to_owned(),
                });
            }
            compiled = compiled.and(Compiled::of(self.cfg, &format!("not({predicate})")));
            why = format!("{why} #[cfg(not({predicate}))]").trim().to_owned();
        }
        let candidates: Vec<(PathBuf, PathBuf)> = match &path_attr {
            Some(path) => {
                let base = self.path_base();
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

/// The predicate and file of a `#[cfg_attr(pred, path = "file.rs")]`.
fn cfg_attr_path(attrs: &[syn::Attribute]) -> Option<(String, String)> {
    use syn::punctuated::Punctuated;
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg_attr"))
        .find_map(|attr| {
            let args = attr
                .parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
                .ok()?;
            let mut args = args.into_iter();
            let predicate = args.next()?;
            let path = args.find_map(|meta| match meta {
                syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                },
                _ => None,
            })?;
            Some((quote::quote!(#predicate).to_string(), path))
        })
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

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
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
    }
}

impl<'ast> Visit<'ast> for Reader<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        self.gate(item_attrs(item), item.span());
        syn::visit::visit_item(self, item);
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        let attrs: &[syn::Attribute] = match item {
            syn::ImplItem::Const(i) => &i.attrs,
            syn::ImplItem::Fn(i) => &i.attrs,
            syn::ImplItem::Type(i) => &i.attrs,
            syn::ImplItem::Macro(i) => &i.attrs,
            _ => &[],
        };
        self.gate(attrs, item.span());
        syn::visit::visit_impl_item(self, item);
    }

    fn visit_trait_item(&mut self, item: &'ast syn::TraitItem) {
        let attrs: &[syn::Attribute] = match item {
            syn::TraitItem::Const(i) => &i.attrs,
            syn::TraitItem::Fn(i) => &i.attrs,
            syn::TraitItem::Type(i) => &i.attrs,
            syn::TraitItem::Macro(i) => &i.attrs,
            _ => &[],
        };
        self.gate(attrs, item.span());
        syn::visit::visit_trait_item(self, item);
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        self.gate(&local.attrs, local.span());
        syn::visit::visit_local(self, local);
    }

    fn visit_stmt_macro(&mut self, stmt: &'ast syn::StmtMacro) {
        self.gate(&stmt.attrs, stmt.span());
    }

    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        self.gate(expr_attrs(expr), expr.span());
        syn::visit::visit_expr(self, expr);
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.gate(&arm.attrs, arm.span());
        syn::visit::visit_arm(self, arm);
    }

    fn visit_field_value(&mut self, field: &'ast syn::FieldValue) {
        self.gate(&field.attrs, field.span());
        syn::visit::visit_field_value(self, field);
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
                // A module sees its own `use`s, not its parent's.
                let own = imports_of(items);
                self.scan
                    .module_imports
                    .insert(self.modules.join("::"), own.clone());
                let outer = std::mem::replace(&mut self.imports, vec![own]);
                for inner in items {
                    self.visit_item(inner);
                }
                self.imports = outer;
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
        // The body's `use`s are in scope for its sites and its items.
        self.imports.push(body_imports(Some(&item.block)));
        self.function(&item.attrs, &item.sig.ident, Some(&item.block));
        // Items nested in the body belong to this function's path.
        let outer = std::mem::take(&mut self.self_types);
        self.functions.push(item.sig.ident.to_string());
        syn::visit::visit_block(self, &item.block);
        self.functions.pop();
        self.self_types = outer;
        self.imports.pop();
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.imports.push(body_imports(Some(&item.block)));
        self.function(&item.attrs, &item.sig.ident, Some(&item.block));
        let outer = std::mem::take(&mut self.self_types);
        self.functions
            .push(outer.last().cloned().unwrap_or_default());
        self.functions.push(item.sig.ident.to_string());
        syn::visit::visit_block(self, &item.block);
        self.functions.pop();
        self.functions.pop();
        self.self_types = outer;
        self.imports.pop();
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        self.imports.push(body_imports(item.default.as_ref()));
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
        self.imports.pop();
    }

    // A `static` or `const` initializer may hold an `emit!` (in a closure:
    // `LazyLock::new(|| emit!(..))`), run once where it is first used: a
    // site of its own, named after the item.
    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        self.initializer(&item.ident, &item.expr);
        syn::visit::visit_item_static(self, item);
    }

    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        self.initializer(&item.ident, &item.expr);
        syn::visit::visit_item_const(self, item);
    }

    fn visit_impl_item_const(&mut self, item: &'ast syn::ImplItemConst) {
        self.initializer(&item.ident, &item.expr);
        syn::visit::visit_impl_item_const(self, item);
    }

    fn visit_trait_item_const(&mut self, item: &'ast syn::TraitItemConst) {
        if let Some((_, expr)) = &item.default {
            self.initializer(&item.ident, expr);
        }
        syn::visit::visit_trait_item_const(self, item);
    }

    fn visit_variant(&mut self, variant: &'ast syn::Variant) {
        self.gate(&variant.attrs, variant.span());
        syn::visit::visit_variant(self, variant);
    }

    fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
        if derives_event_type(&item.attrs) {
            let input = syn::DeriveInput::from(item.clone());
            if let Ok(parsed) = EventEnum::from_input(&input) {
                // `module_path!()` names modules, not functions.
                let mut path = self.modules.clone();
                path.push(parsed.ident.to_string());
                // The variants a production build compiles: not one under
                // `#[cfg(test)]`, nor behind a `cfg` this build's facts make
                // false (one that cannot be decided is kept).
                let production = |name: &syn::Ident| {
                    item.variants
                        .iter()
                        .find(|v| v.ident == *name)
                        .is_none_or(|v| {
                            attrs_compiled(&v.attrs, self.cfg).0.without_test != Some(false)
                        })
                };
                self.scan.enums.push(SourceEnum {
                    file: self.file.to_path_buf(),
                    position: Position::start(item.ident.span()),
                    path: path.join("::"),
                    variants: parsed
                        .variants
                        .into_iter()
                        .filter(|v| production(&v.ident))
                        .map(|v| (v.ident.to_string(), v.dotted, v.exemption))
                        .collect(),
                    gate: Gate::Production,
                });
            }
        }
        syn::visit::visit_item_enum(self, item);
    }

    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        let name = item
            .mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if item.mac.path.is_ident("macro_rules") {
            let name = item
                .ident
                .as_ref()
                .map_or_else(String::new, ToString::to_string);
            // A macro defined in a function is that function's alone.
            if name == "emit" && self.functions.is_empty() {
                self.scan.emit_macros.push(self.modules.join("::"));
            }
            self.macro_template(&name, &item.mac.tokens);
        } else if item.mac.path.is_ident("include") {
            self.included(item);
        } else if name == "cfg_if" {
            self.cfg_if(&item.mac.tokens);
        } else if TEST_MACROS.contains(&name.as_str()) {
            self.region(item.span(), Compiled::TEST_ONLY, format!("{name}!"));
        }
    }

    // A function's `emit!`s are read by `function`; nested items are visited.
    fn visit_macro(&mut self, _: &'ast syn::Macro) {}
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

    /// A crate of one file, `src/main.rs` holding `text`: its root.
    fn main_rs(name: &str, text: &str) -> PathBuf {
        let dir = tempdir(name);
        write(&dir, &[("src/main.rs", text)]);
        dir.join("src/main.rs")
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

    /// What `use` brings under a name an item of the same scope declares is
    /// not that item (`use eventwire::EventType;` is the derive); a path
    /// through the crate's own modules is followed through their `use`s
    /// (a re-export of another crate's enum) to where it leads.
    #[test]
    fn a_sites_enum_follows_re_exports_and_ignores_the_derives_name() {
        let dir = tempdir("reexports");
        write(
            &dir,
            &[
                (
                    "src/main.rs",
                    r#"use eventwire::{emit, EventType};
mod ev;
mod prelude { pub use super::ev::Kinds as EventType; }
#[derive(EventType)]
enum EventType { Started }
fn own() { emit!(Started); }
fn through() { emit!(crate::ev::EventType::Stopped); }
fn prelude_alias() { emit!(crate::prelude::EventType::Stopped); }
fn child() { emit!(ev::Kinds::Stopped); }
"#,
                ),
                (
                    "src/ev.rs",
                    "pub use lifecycle::EventType;\npub use lifecycle::EventType as Kinds;\n",
                ),
            ],
        );
        let scan = scan_crate(&dir.join("src/main.rs"), "ops", false, &linux());
        let of = |f: &str| {
            scan.sites
                .iter()
                .find(|s| s.function == f)
                .unwrap_or_else(|| panic!("{f}"))
                .enum_path
                .clone()
        };
        assert_eq!(of("ops::own"), None);
        assert_eq!(of("ops::through").as_deref(), Some("lifecycle::EventType"));
        assert_eq!(
            of("ops::prelude_alias").as_deref(),
            Some("lifecycle::EventType")
        );
        assert_eq!(of("ops::child").as_deref(), Some("lifecycle::EventType"));
    }

    /// `emit!` and `#[emits]` under other names are sites: imported under
    /// another name (`use eventwire::emit as fire;`, also inside another
    /// macro's tokens) and through a renamed dependency (`ew::emit!`); a
    /// macro of another crate that happens to share the alias's name is
    /// not.
    #[test]
    fn emit_and_emits_under_other_names_are_sites() {
        let root = main_rs(
            "aliases",
            r#"use eventwire::emit as fire;
use ew::emits as wire;
use ew::{emit as shoot};
use other::emit as bang;
struct Cli;
impl Cli {
    #[wire(Paid, event = svc::EventType)]
    fn settle(&self) {}
}
fn main() {
    fire!(svc::EventType::Placed);
    vec![shoot!(svc::EventType::Shipped)];
    ew::emit!(svc::EventType::Refunded);
    bang!(svc::EventType::NotOurs);
}
fn nested() {
    if true {
        use eventwire::emit as inner;
        inner!(svc::EventType::Nested);
    }
    let later = || {
        use eventwire::emit as late;
        late!(svc::EventType::InClosure);
    };
    later();
}
fn crate_aliases() {
    use eventwire as ev;
    use eventwire::{self as ev2};
    ev::emit!(svc::EventType::ThroughUse);
    ev2::emit!(svc::EventType::ThroughSelf);
    ev3::emit!(svc::EventType::ThroughExtern);
}
extern crate eventwire as ev3;
"#,
        );
        let scan = scan_crate_with(&root, "tool", false, &linux(), &["ew".to_owned()]);
        let mut events: Vec<(&str, &str)> = scan
            .sites
            .iter()
            .map(|s| (s.event.as_str(), s.function.as_str()))
            .collect();
        events.sort_unstable();
        assert_eq!(
            events,
            [
                ("InClosure", "tool::nested"),
                ("Nested", "tool::nested"),
                ("Paid", "tool::Cli::settle"),
                ("Placed", "tool::main"),
                ("Refunded", "tool::main"),
                ("Shipped", "tool::main"),
                ("ThroughExtern", "tool::crate_aliases"),
                ("ThroughSelf", "tool::crate_aliases"),
                ("ThroughUse", "tool::crate_aliases"),
            ]
        );
        // Inside an `#[emits]` body, an `emit!` under another name is a
        // site of its own, beside the attribute's; a `use` in a function
        // hides its module's of the same name.
        let in_body_root = main_rs(
            "aliases_in_body",
            r#"use eventwire::emit as fire;
struct S;
impl S {
    #[eventwire::emits(Paid, event = svc::EventType)]
    fn pay(&self) { fire!(svc::EventType::Paid); }
}
fn hidden() {
    use other::fire;
    fire!(svc::EventType::NotOurs);
}
"#,
        );
        let in_body = scan_crate(&in_body_root, "tool", false, &linux());
        let mut rows: Vec<(&str, u32)> = in_body
            .sites
            .iter()
            .map(|s| (s.event.as_str(), s.position.line))
            .collect();
        rows.sort_unstable();
        assert_eq!(rows, [("Paid", 4), ("Paid", 5)]);
        // Without the manifest's name, `ew` is some other crate.
        let unrenamed = scan_crate(&root, "tool", false, &linux());
        let events: Vec<&str> = unrenamed
            .sites
            .iter()
            .map(|s| s.event.as_str())
            .filter(|e| ["Placed", "Refunded", "Shipped", "Paid"].contains(e))
            .collect();
        assert_eq!(events, ["Placed"]);
    }

    /// An `emit!` in a `static`'s initializer (a `LazyLock`'s closure) is a
    /// site, named after the item.
    #[test]
    fn an_emit_in_a_static_initializer_is_a_site() {
        let dir = tempdir("statics");
        write(
            &dir,
            &[(
                "src/main.rs",
                "static STARTED: std::sync::LazyLock<()> =\n    std::sync::LazyLock::new(|| eventwire::emit!(WorkerStarted));\nfn main() { std::sync::LazyLock::force(&STARTED); }\nstruct Svc;\nimpl Svc {\n    const HOOK: fn() = || eventwire::emit!(Hooked);\n}\n",
            )],
        );
        let scan = scan_crate(&dir.join("src/main.rs"), "worker", false, &linux());
        let sites: Vec<(&str, &str, u32)> = scan
            .sites
            .iter()
            .map(|s| (s.event.as_str(), s.function.as_str(), s.position.line))
            .collect();
        assert_eq!(
            sites,
            [
                ("WorkerStarted", "worker::STARTED", 2),
                ("Hooked", "worker::Svc::HOOK", 6)
            ]
        );
    }

    /// A crate's own `macro_rules! emit` is not eventwire's: what it is
    /// invoked on in its module, or a module inside it, is no site, unless
    /// `emit` is imported from eventwire there (by name or by a glob);
    /// `eventwire::emit!`, and `emit!` in an `#[emits]` body, always are.
    /// A macro in a `#[cfg(test)]` module, or another module, changes
    /// nothing elsewhere.
    #[test]
    fn a_crates_own_emit_macro_makes_no_sites() {
        let dir = tempdir("own-emit");
        write(
            &dir,
            &[(
                "src/lib.rs",
                r#"mod vm {
    macro_rules! emit {
        ($op:path) => { $op };
    }
    fn compile() { emit!(Op::Push); }
    fn real() { eventwire::emit!(Started); }
    mod imported {
        use eventwire::emit;
        fn f() { emit!(Stopped); }
    }
    mod globbed {
        use eventwire::*;
        fn g() { emit!(Paused); }
    }
    mod local {
        fn h() { emit!(Op::Pop); }
    }
    #[emits(Resumed)]
    fn annotated() { emit!(Resumed); }
}
mod service {
    pub(crate) use eventwire::emit;
    fn s() { emit!(Served); }
    mod handlers {
        use super::emit;
        #[emits(Handled)]
        fn run() { emit!(Handled); }
        fn plain() { emit!(Plain); }
    }
}
#[cfg(test)]
mod tests {
    macro_rules! emit { () => {} }
}
fn production() { emit!(Produced); }
"#,
            )],
        );
        let scan = scan_crate(&dir.join("src/lib.rs"), "app", false, &linux());
        let mut events: Vec<&str> = scan.sites.iter().map(|s| s.event.as_str()).collect();
        events.sort_unstable();
        assert_eq!(
            events,
            ["Handled", "Paused", "Plain", "Produced", "Resumed", "Served", "Started", "Stopped"]
        );
        // An `emit!` in an `#[emits]` body is that site, not the attribute.
        let handled = scan.sites.iter().find(|s| s.event == "Handled").unwrap();
        assert_eq!(handled.syntax, SiteSyntax::Macro);
    }

    /// The enum a site means, as the compiler finds it: through the `use`
    /// items in scope (the file's, an inline module's, a function body's),
    /// for an event named alone (`EventType` is looked up) or through a
    /// path whose first segment was imported; unchanged otherwise.
    #[test]
    fn a_sites_enum_is_found_through_the_uses_in_scope() {
        let dir = tempdir("imports");
        write(
            &dir,
            &[(
                "src/main.rs",
                r#"use events::EventType;
use ::other::{self as o, kinds::Kinds as K};
use events::*;

fn alone() { eventwire::emit!(Stopped); }
fn named() { eventwire::emit!(EventType::Stopped); }
#[eventwire::emits(Started, event = K)]
fn renamed() {}
fn through_module() { eventwire::emit!(o::EventType::Started); }
fn from_root() { eventwire::emit!(crate::EventType::Started); }
fn in_body() {
    use shop::EventType;
    eventwire::emit!(Opened);
    fn nested() { eventwire::emit!(Closed); }
}
mod inner {
    use crate::mine::Local;
    fn local() { eventwire::emit!(Local::Started); }
    fn outer_use() { eventwire::emit!(Stopped); }
}
"#,
            )],
        );
        let scan = scan_crate(&dir.join("src/main.rs"), "ops", false, &linux());
        let enums: Vec<(String, Option<String>)> = scan
            .sites
            .iter()
            .map(|s| (s.function.clone(), s.enum_path.clone()))
            .collect();
        let of = |f: &str| {
            enums
                .iter()
                .find(|(function, _)| function == f)
                .unwrap_or_else(|| panic!("{f} in {enums:?}"))
                .1
                .clone()
        };
        assert_eq!(of("ops::alone").as_deref(), Some("events::EventType"));
        assert_eq!(of("ops::named").as_deref(), Some("events::EventType"));
        assert_eq!(of("ops::renamed").as_deref(), Some("::other::kinds::Kinds"));
        assert_eq!(
            of("ops::through_module").as_deref(),
            Some("::other::EventType")
        );
        // `crate::EventType` is the root's `use`: followed to its enum.
        assert_eq!(of("ops::from_root").as_deref(), Some("events::EventType"));
        assert_eq!(of("ops::in_body").as_deref(), Some("shop::EventType"));
        assert_eq!(
            of("ops::in_body::nested").as_deref(),
            Some("shop::EventType")
        );
        assert_eq!(of("ops::inner::local").as_deref(), Some("ops::mine::Local"));
        // An inline module does not see its parent's `use`s: `EventType`
        // there is what the module declares or imports, unknown here.
        assert_eq!(of("ops::inner::outer_use"), None);
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
                    "mod a;\n#[cfg(windows)] mod win;\n#[cfg(test)] mod tests;\n#[cfg(feature = \"x\")] mod maybe;\n#[path = \"other/place.rs\"] mod moved;\n#[cfg(test)]\nmod inline {\n    fn helper() { emit!(InlineTest); }\n}\n#[test]\nfn t() { emit!(InTest); }\n#[cfg(test)]\ninclude!(\"included.rs\");\n",
                ),
                ("src/a.rs", "mod b;\nfn f() { emit!(InA); }\n"),
                ("src/a/b.rs", "fn g() { emit!(InB); }\n"),
                ("src/win.rs", "fn w() { emit!(OnWindows); }\n"),
                ("src/tests.rs", "fn h() { emit!(InTests); }\n"),
                ("src/maybe.rs", "fn m() { emit!(Maybe); }\n"),
                ("src/other/place.rs", "fn p() { emit!(Moved); }\n"),
                ("src/included.rs", "fn i() { emit!(Included); }\n"),
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
        assert_eq!(gate_of("Included"), Some(Gate::TestOnly));
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
    fn gates_belong_to_places_inside_functions_too() {
        let dir = tempdir("places");
        write(
            &dir,
            &[(
                "src/lib.rs",
                r#"impl Plans {
    pub fn apply(&self) {
        #[cfg(test)] { eventwire::emit!(Applied); }
        #[cfg(test)]
        eventwire::emit!(AppliedStatement);
        match 1 {
            #[cfg(test)]
            1 => eventwire::emit!(InArm),
            _ => eventwire::emit!(Live),
        }
    }

    #[cfg_attr(test, emits(Created))]
    pub fn create(&self) {}
}

proptest! {
    #[test]
    fn p(x in 0..1) { eventwire::emit!(InProptest); }
}

#[rstest]
fn r() { eventwire::emit!(InRstest); }

fn outer() {
    #[derive(EventType)]
    enum Local { A }
}
"#,
            )],
        );
        let scan = scan_crate(&dir.join("src/lib.rs"), "k", false, &linux());
        let gate_of = |event: &str| {
            scan.sites
                .iter()
                .find(|s| s.event == event)
                .map(|s| s.gate.clone())
        };
        for test_code in [
            "Applied",
            "AppliedStatement",
            "InArm",
            "Created",
            "InRstest",
        ] {
            assert_eq!(gate_of(test_code), Some(Gate::TestOnly), "{test_code}");
        }
        assert_eq!(gate_of("Live"), Some(Gate::Production));
        assert_eq!(gate_of("InProptest"), None, "inside a macro: not read");
        assert_eq!(
            scan.enums[0].path, "k::Local",
            "module_path!() names no function"
        );
    }

    #[test]
    fn cfg_if_branches_and_cfg_attr_paths_are_gated_like_cfgs() {
        let dir = tempdir("cfg_if");
        write(
            &dir,
            &[
                (
                    "src/lib.rs",
                    r#"cfg_if::cfg_if! {
    if #[cfg(test)] {
        pub fn fake_pay() { eventwire::emit!(OrderPaid); }
    } else if #[cfg(windows)] {
        pub fn windows_pay() { eventwire::emit!(OrderPaid); }
    } else {
        pub fn pay() { eventwire::emit!(OrderPaid); }
    }
}
cfg_if! {
    if #[cfg(not(test))] {
        pub fn live() {}
    } else {
        pub fn helper() {}
    }
}
#[cfg_attr(test, path = "fake_gateway.rs")]
mod gateway;
"#,
                ),
                (
                    "src/gateway.rs",
                    "pub fn charge() { eventwire::emit!(Charged); }\n",
                ),
                (
                    "src/fake_gateway.rs",
                    "pub fn charge() { eventwire::emit!(Charged); }\n",
                ),
            ],
        );
        let scan = scan_crate(&dir.join("src/lib.rs"), "k", false, &linux());
        let lib = dir.join("src/lib.rs");
        let at = |line: u32| scan.gate_at(&lib, Position { line, column: 30 });
        assert_eq!(at(3), Some(Gate::TestOnly), "the cfg(test) branch");
        assert!(
            matches!(at(5), Some(Gate::NotCompiled(_))),
            "windows, on linux: {:?}",
            at(5)
        );
        assert_eq!(at(7), Some(Gate::Production), "the else branch: not(test)");
        assert_eq!(at(12), Some(Gate::Production), "cfg(not(test))");
        assert_eq!(at(14), Some(Gate::TestOnly), "its else: test");
        let gate_of_file = |file: &str| {
            scan.sites
                .iter()
                .find(|s| s.file.ends_with(file))
                .map(|s| s.gate.clone())
        };
        assert_eq!(gate_of_file("fake_gateway.rs"), Some(Gate::TestOnly));
        assert_eq!(gate_of_file("src/gateway.rs"), Some(Gate::Production));
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

//! The event enum a site means when it does not name one: the package's
//! default from its manifest, else the name `EventType` in scope.
//!
//! ```toml
//! [package.metadata.eventwire]
//! event-type = "events::EventType"   # a path in the package's library
//! ```
//!
//! In the library itself the path is `crate::events::EventType`; in the
//! package's other targets (binaries, integration tests, examples,
//! benchmarks), which use the library as a dependency, it is
//! `::library_name::events::EventType`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote_spanned;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The enum path for a site without `event = ..`, spanned at `span`.
pub(crate) fn default_enum(span: Span) -> syn::Path {
    match configured() {
        Some(Ok(path)) => match syn::parse_str::<syn::Path>(path) {
            Ok(path) => {
                let tokens: TokenStream = quote_spanned!(span=> #path);
                syn::parse2(crate::runtime_path::respan(tokens, span))
                    .unwrap_or_else(|_| name_in_scope(span))
            }
            Err(_) => name_in_scope(span),
        },
        _ => name_in_scope(span),
    }
}

/// Why the manifest's `event-type` could not be used, to report once at a
/// site, or `None` when it is fine or absent.
pub(crate) fn problem() -> Option<&'static str> {
    match configured() {
        Some(Err(why)) => Some(why.as_str()),
        _ => None,
    }
}

fn name_in_scope(span: Span) -> syn::Path {
    Ident::new("EventType", span).into()
}

/// The configured path as this target names it, read once.
fn configured() -> Option<&'static Result<String, String>> {
    static CONFIGURED: OnceLock<Option<Result<String, String>>> = OnceLock::new();
    CONFIGURED.get_or_init(read).as_ref()
}

fn read() -> Option<Result<String, String>> {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let manifest: toml::Table = text.parse().ok()?;
    let value = manifest
        .get("package")?
        .get("metadata")?
        .get("eventwire")?
        .get("event-type")?;
    let Some(path) = value.as_str() else {
        return Some(Err(
            "[package.metadata.eventwire] event-type must be a string: event-type = \"events::EventType\"".to_owned(),
        ));
    };
    let relative = path.trim_start_matches("crate::");
    if syn::parse_str::<syn::Path>(relative).is_err() || relative.starts_with("::") {
        return Some(Err(format!(
            "[package.metadata.eventwire] event-type = \"{path}\" is not a path in the library, such as \"events::EventType\""
        )));
    }
    let library = library_name(&manifest);
    let full = if compiling_library(library.as_deref()) {
        format!("crate::{relative}")
    } else {
        match library {
            Some(library) => format!("::{library}::{relative}"),
            None => {
                return Some(Err(
                    "[package.metadata.eventwire] event-type names a path in the package's library, and this package has none".to_owned(),
                ))
            }
        }
    };
    Some(Ok(full))
}

/// The library's crate name: `[lib] name`, else the package's name.
fn library_name(manifest: &toml::Table) -> Option<String> {
    if let Some(name) = manifest
        .get("lib")
        .and_then(|lib| lib.get("name"))
        .and_then(|n| n.as_str())
    {
        return Some(name.to_owned());
    }
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let declared = manifest.contains_key("lib") || dir.join("src/lib.rs").is_file();
    declared.then(|| {
        manifest
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .unwrap_or_default()
            .replace('-', "_")
    })
}

/// Whether the crate being compiled is the package's library (or its unit
/// tests): Cargo names the crate, and sets `CARGO_BIN_NAME` for binaries
/// and `CARGO_TARGET_TMPDIR` for integration tests and benchmarks. A
/// documentation example is a crate of its own, although it inherits the
/// library's `CARGO_CRATE_NAME`.
fn compiling_library(library: Option<&str>) -> bool {
    let crate_name = std::env::var("CARGO_CRATE_NAME").ok();
    library.is_some()
        && crate_name.as_deref() == library
        && std::env::var_os("CARGO_BIN_NAME").is_none()
        && std::env::var_os("CARGO_TARGET_TMPDIR").is_none()
        && !crate::test_code::is_doctest()
}

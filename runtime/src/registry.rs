//! The link-time registry of emission sites.
//!
//! Every event of every `#[emits]` and every `emit!` puts one static
//! [`SiteRecord`] into an `inventory` collection, whether or not the function
//! is ever called. The coverage check reads them back.

use crate::event::Site;
use crate::kind::EventKind;
use crate::phase::Phases;
use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// How a site was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteOrigin {
    /// An event listed in `#[emits(..)]`.
    Attribute,
    /// An `emit!(..)`.
    Macro,
}

/// What an event enum declares, for tools that read registries without
/// knowing the enum's type.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EnumInfo {
    /// The enum's path, e.g. `agent_services::EventType`.
    pub name: String,
    /// Its variants, in declaration order.
    pub variants: Vec<VariantInfo>,
}

/// One variant of an [`EnumInfo`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VariantInfo {
    /// The Rust name, e.g. `ToolInvoked`.
    pub variant: String,
    /// The dotted name, e.g. `tool.invoked`.
    pub name: String,
    /// The reason given with `#[event(unwired = "..")]`.
    pub exemption: Option<String>,
}

impl EnumInfo {
    /// The description of `E`.
    pub fn of<E: EventKind>() -> EnumInfo {
        EnumInfo {
            name: E::ENUM_NAME.to_owned(),
            variants: E::ALL
                .iter()
                .map(|kind| VariantInfo {
                    variant: kind.variant_name().to_owned(),
                    name: kind.dotted_name().to_owned(),
                    exemption: kind.exemption().map(str::to_owned),
                })
                .collect(),
        }
    }
}

/// One registered emission site.
pub struct SiteRecord {
    kind: &'static (dyn Any + Send + Sync),
    variant: usize,
    enum_info: fn() -> EnumInfo,
    phases: Phases,
    origin: SiteOrigin,
    function: fn() -> &'static str,
    file: &'static str,
    line: u32,
    column: u32,
    hits: AtomicU64,
    names: OnceLock<(String, String)>,
}

impl SiteRecord {
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        kind: &'static (dyn Any + Send + Sync),
        variant: usize,
        enum_info: fn() -> EnumInfo,
        phases: Phases,
        origin: SiteOrigin,
        function: fn() -> &'static str,
        file: &'static str,
        line: u32,
        column: u32,
    ) -> Self {
        SiteRecord {
            kind,
            variant,
            enum_info,
            phases,
            origin,
            function,
            file,
            line,
            column,
            hits: AtomicU64::new(0),
            names: OnceLock::new(),
        }
    }

    /// The event this site emits, if it is of the enum `E`.
    pub fn kind<E: EventKind>(&self) -> Option<E> {
        self.kind.downcast_ref::<E>().copied()
    }

    /// The position of its event in the enum's declaration.
    pub fn variant_index(&self) -> usize {
        self.variant
    }

    /// The enum its event belongs to.
    pub fn enum_info(&self) -> EnumInfo {
        (self.enum_info)()
    }

    /// The phases it fires on.
    pub fn phases(&self) -> Phases {
        self.phases
    }

    /// Whether it was written in `#[emits]` or with `emit!`.
    pub fn origin(&self) -> SiteOrigin {
        self.origin
    }

    /// `Type::method`, or `module::function` for a free function.
    pub fn function(&self) -> &str {
        &self.names().0
    }

    /// The full path of the enclosing function.
    pub fn path(&self) -> &str {
        &self.names().1
    }

    /// The source file.
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The line of the event's name.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The column of the event's name.
    pub fn column(&self) -> u32 {
        self.column
    }

    /// How many times this site ran in this process (fired, or would have
    /// with a bus), when the `coverage` feature counts them; always 0
    /// without it.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Counts one run; returns the count so far.
    #[cfg(feature = "coverage")]
    pub(crate) fn count_hit(&self) -> u64 {
        self.hits.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn names(&self) -> &(String, String) {
        self.names.get_or_init(|| {
            let path = function_path((self.function)());
            (short_name(&path).to_owned(), path)
        })
    }

    /// The site as an event carries it.
    pub fn site(&'static self) -> Site {
        let (function, path) = self.names();
        Site {
            function: Cow::Borrowed(function),
            path: Cow::Borrowed(path),
            file: Cow::Borrowed(self.file),
            line: self.line,
            column: self.column,
        }
    }
}

impl fmt::Debug for SiteRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SiteRecord")
            .field("function", &self.function())
            .field("phases", &self.phases)
            .field("origin", &self.origin)
            .field("file", &self.file)
            .field("line", &self.line)
            .field("column", &self.column)
            .finish_non_exhaustive()
    }
}

/// What `inventory` collects: the site records of one function (or one
/// `emit!`), registered together so that a function costs one registration.
#[doc(hidden)]
#[derive(Debug)]
pub struct Registered(pub &'static [&'static SiteRecord]);

inventory::collect!(Registered);

/// Every site linked into this binary, of every enum.
pub fn sites() -> impl Iterator<Item = &'static SiteRecord> {
    inventory::iter::<Registered>
        .into_iter()
        .flat_map(|r| r.0.iter().copied())
}

/// Every site of the enum `E` linked into this binary, with its event.
pub fn sites_of<E: EventKind>() -> impl Iterator<Item = (E, &'static SiteRecord)> {
    sites().filter_map(|site| site.kind::<E>().map(|kind| (kind, site)))
}

/// The enclosing function's path from the type name of a marker function
/// declared inside it: `krate::Type<_>::method::{{closure}}::marker` becomes
/// `krate::Type::method`, and `<krate::A as krate::Tr>::f::marker` becomes
/// `krate::A::f`.
pub(crate) fn function_path(marker: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    let plain = strip_angles(marker);
    for segment in plain.split("::") {
        if !segment.is_empty() && !segment.starts_with("{{") {
            segments.push(segment);
        }
    }
    segments.pop(); // the marker itself
    segments.join("::")
}

/// Removes generic arguments, and turns a qualified `<A as Tr>` into `A`.
fn strip_angles(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let qualified = open == 0 || rest[..open].ends_with("::");
        out.push_str(&rest[..open]);
        let close = matching_close(rest, open);
        let inner = &rest[open + 1..close];
        if qualified {
            let self_type = top_level_as(inner).map_or(inner, |at| &inner[..at]);
            out.push_str(&strip_angles(self_type));
        }
        rest = rest.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// The index of the `>` that closes the `<` at `open` (or the end).
fn matching_close(text: &str, open: usize) -> usize {
    let mut depth = 0usize;
    let mut previous = ' ';
    for (i, c) in text.char_indices().skip_while(|(i, _)| *i < open) {
        let arrow = previous == '-';
        previous = c;
        match c {
            '<' => depth += 1,
            '>' if !arrow => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    text.len()
}

/// Where ` as ` stands outside any nested `<..>`.
fn top_level_as(inner: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in inner.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            ' ' if depth == 0 && inner[i..].starts_with(" as ") => return Some(i),
            _ => {}
        }
    }
    None
}

/// `Type::method` or `module::function`: the last two segments.
pub(crate) fn short_name(path: &str) -> &str {
    match path.rmatch_indices("::").nth(1) {
        Some((at, _)) => &path[at + 2..],
        None => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_paths_drop_generics_closures_and_the_marker() {
        assert_eq!(function_path("svc::Store<_>::put::here"), "svc::Store::put");
        assert_eq!(
            function_path("svc::tools::Runner::run::{{closure}}::{{closure}}::here"),
            "svc::tools::Runner::run"
        );
        assert_eq!(
            function_path("<svc::Bar as svc::Tr>::d::here"),
            "svc::Bar::d"
        );
        assert_eq!(
            function_path("<svc::Foo<u8, svc::X<i32>> as svc::Tr<u8>>::d::here"),
            "svc::Foo::d"
        );
        assert_eq!(function_path("svc::m::free::here"), "svc::m::free");
        assert_eq!(function_path("svc::Tr::d::here"), "svc::Tr::d");
        assert_eq!(
            function_path("svc::outer::<svc::A as svc::Tr>::d::here"),
            "svc::outer::svc::A::d"
        );
        assert_eq!(
            function_path("svc::Runner<fn() -> u8>::run::here"),
            "svc::Runner::run"
        );
    }

    #[test]
    fn short_names_are_the_last_two_segments() {
        assert_eq!(short_name("svc::tools::Runner::run"), "Runner::run");
        assert_eq!(short_name("svc::run"), "svc::run");
        assert_eq!(short_name("run"), "run");
    }
}

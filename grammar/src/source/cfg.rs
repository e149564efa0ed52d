//! `cfg` predicates, decided where the facts allow it.
//!
//! Parsing and the three-valued evaluation are `cfg-expr`'s; this module
//! says which facts are known. A predicate is true when its fact is
//! present, false when its key is known and the fact is absent, and
//! unknown otherwise, so that code is only ever skipped when it certainly
//! is not compiled.

use cfg_expr::{Expression, Predicate, TargetPredicate};
use std::collections::BTreeSet;

/// What is known of a build's configuration.
#[derive(Clone, Debug, Default)]
pub struct CfgSet {
    /// Facts that hold, spelt as `rustc --print cfg` does: `unix`,
    /// `target_os="linux"`, `feature="json"`.
    facts: BTreeSet<String>,
    /// Keys whose every fact is listed: a fact of them that is absent is false.
    closed: BTreeSet<String>,
    /// Whether every key not otherwise known is absent (true inside rustc,
    /// which is given every `--cfg`).
    closed_world: bool,
    /// Keys left open even in a closed world.
    open: BTreeSet<String>,
}

/// The keys of the target facts that `rustc --print cfg` lists in full.
const TARGET_KEYS: &[&str] = &[
    "target_os",
    "target_family",
    "target_arch",
    "target_pointer_width",
    "target_endian",
    "target_env",
    "target_vendor",
    "target_abi",
    "target_has_atomic",
    "unix",
    "windows",
];

impl CfgSet {
    /// Nothing known: every predicate but `test` is undecided.
    pub fn unknown() -> CfgSet {
        CfgSet::default()
    }

    /// The facts `rustc --print cfg` printed, each of its keys known in full.
    pub fn from_print_cfg(text: &str) -> CfgSet {
        let mut set = CfgSet::default();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let key = line.split('=').next().unwrap_or(line).to_owned();
            set.closed.insert(key);
            set.facts.insert(line.to_owned());
        }
        for key in TARGET_KEYS {
            set.closed.insert((*key).to_owned());
        }
        set
    }

    /// The target facts of the platform this code was compiled for.
    pub fn host() -> CfgSet {
        let mut set = CfgSet::default();
        let mut fact = |key: &str, value: &str| {
            set.facts.insert(format!("{key}=\"{value}\""));
        };
        fact("target_os", std::env::consts::OS);
        fact("target_family", std::env::consts::FAMILY);
        fact("target_arch", std::env::consts::ARCH);
        fact("target_pointer_width", &(usize::BITS).to_string());
        fact(
            "target_endian",
            if cfg!(target_endian = "little") {
                "little"
            } else {
                "big"
            },
        );
        if !std::env::consts::FAMILY.is_empty() {
            set.facts.insert(std::env::consts::FAMILY.to_owned());
        }
        for key in [
            "target_os",
            "target_family",
            "target_arch",
            "target_pointer_width",
            "target_endian",
            "unix",
            "windows",
        ] {
            set.closed.insert(key.to_owned());
        }
        set
    }

    /// Adds facts, such as `feature="json"` or a bare `tokio_unstable`.
    #[must_use]
    pub fn with_facts<'a>(mut self, facts: impl IntoIterator<Item = &'a str>) -> CfgSet {
        for fact in facts {
            self.facts.insert(fact.trim().to_owned());
        }
        self
    }

    /// Declares that `key`'s facts are all known (e.g. `feature`, once the
    /// enabled features are added).
    #[must_use]
    pub fn closing(mut self, key: &str) -> CfgSet {
        self.closed.insert(key.to_owned());
        self
    }

    /// Declares that `key`'s facts are not all known (features a reading was
    /// not told), even in a closed world.
    #[must_use]
    pub fn opening(mut self, key: &str) -> CfgSet {
        self.closed.remove(key);
        self.open.insert(key.to_owned());
        self
    }

    /// Declares that every key not otherwise known is absent: true inside
    /// the compiler, which is handed every `--cfg`, except for the facts it
    /// decides itself (`debug_assertions`, `panic`, `target_feature`, ..).
    #[must_use]
    pub fn closed_world(mut self) -> CfgSet {
        self.closed_world = true;
        self
    }

    fn fact(&self, key: &str, value: Option<&str>) -> Option<bool> {
        let text = match value {
            Some(value) => format!("{key}=\"{value}\""),
            None => key.to_owned(),
        };
        if self.facts.contains(&text) {
            return Some(true);
        }
        const DECIDED_BY_RUSTC: &[&str] = &[
            "debug_assertions",
            "panic",
            "target_feature",
            "overflow_checks",
            "ub_checks",
            "proc_macro",
            "relocation_model",
            "sanitize",
            "fmt_debug",
            "contract_checks",
        ];
        let builtin = DECIDED_BY_RUSTC.contains(&key) || TARGET_KEYS.contains(&key);
        if self.open.contains(key) {
            None
        } else if self.closed.contains(key) || (self.closed_world && !builtin) {
            Some(false)
        } else {
            None
        }
    }

    /// The value of the predicate inside `cfg(..)`, given whether `test` holds;
    /// `None` when it cannot be decided (or does not parse).
    pub fn eval(&self, predicate: &str, test: bool) -> Option<bool> {
        let expression = Expression::parse(predicate).ok()?;
        expression.eval(|p| self.predicate(p, test))
    }

    fn predicate(&self, predicate: &Predicate<'_>, test: bool) -> Option<bool> {
        match predicate {
            Predicate::Test => Some(test),
            Predicate::DebugAssertions => self.fact("debug_assertions", None),
            Predicate::ProcMacro => self.fact("proc_macro", None),
            Predicate::Feature(name) => self.fact("feature", Some(name)),
            Predicate::TargetFeature(name) => self.fact("target_feature", Some(name)),
            Predicate::Flag(name) => self.fact(name, None),
            Predicate::KeyValue { key, val } => self.fact(key, Some(val)),
            Predicate::Target(target) => {
                let (key, value) = target_fact(target);
                match (key, value) {
                    // `cfg(unix)` parses as the family.
                    ("target_family", Some(family)) if family == "unix" || family == "windows" => {
                        match self.fact(key, Some(&family)) {
                            Some(true) => Some(true),
                            _ => self.fact(&family, None),
                        }
                    }
                    (key, value) => self.fact(key, value.as_deref()),
                }
            }
        }
    }
}

fn target_fact(target: &TargetPredicate) -> (&'static str, Option<String>) {
    match target {
        TargetPredicate::Abi(v) => ("target_abi", Some(v.to_string())),
        TargetPredicate::Arch(v) => ("target_arch", Some(v.to_string())),
        TargetPredicate::Endian(v) => ("target_endian", Some(format!("{v:?}"))),
        TargetPredicate::Env(v) => ("target_env", Some(v.to_string())),
        TargetPredicate::Family(v) => ("target_family", Some(v.to_string())),
        TargetPredicate::HasAtomic(v) => ("target_has_atomic", Some(v.to_string())),
        TargetPredicate::Os(v) => ("target_os", Some(v.to_string())),
        TargetPredicate::Panic(v) => ("panic", Some(v.to_string())),
        TargetPredicate::PointerWidth(v) => ("target_pointer_width", Some(v.to_string())),
        TargetPredicate::Vendor(v) => ("target_vendor", Some(v.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINUX: &str = "debug_assertions\npanic=\"unwind\"\ntarget_arch=\"x86_64\"\ntarget_endian=\"little\"\ntarget_env=\"gnu\"\ntarget_family=\"unix\"\ntarget_os=\"linux\"\ntarget_pointer_width=\"64\"\ntarget_vendor=\"unknown\"\nunix\n";

    #[test]
    fn target_facts_are_decided_from_print_cfg() {
        let linux = CfgSet::from_print_cfg(LINUX);
        assert_eq!(linux.eval("windows", false), Some(false));
        assert_eq!(linux.eval("unix", false), Some(true));
        assert_eq!(linux.eval("target_os = \"macos\"", false), Some(false));
        assert_eq!(
            linux.eval("all(unix, not(target_os = \"macos\"))", false),
            Some(true)
        );
        assert_eq!(linux.eval("debug_assertions", false), Some(true));
    }

    #[test]
    fn unknown_keys_stay_undecided_unless_the_world_is_closed() {
        let linux = CfgSet::from_print_cfg(LINUX);
        assert_eq!(linux.eval("feature = \"json\"", false), None);
        assert_eq!(
            linux.eval("any(unix, feature = \"json\")", false),
            Some(true)
        );
        assert_eq!(
            linux.eval("all(windows, feature = \"json\")", false),
            Some(false)
        );
        let features = linux
            .clone()
            .with_facts(["feature=\"json\""])
            .closing("feature");
        assert_eq!(features.eval("feature = \"json\"", false), Some(true));
        assert_eq!(features.eval("feature = \"xml\"", false), Some(false));
        assert_eq!(features.eval("tokio_unstable", false), None);
        let rustc = CfgSet::host().closed_world();
        assert_eq!(rustc.eval("tokio_unstable", false), Some(false));
        assert_eq!(rustc.eval("debug_assertions", false), None);
    }

    #[test]
    fn test_is_what_the_caller_says() {
        let set = CfgSet::unknown();
        assert_eq!(set.eval("test", true), Some(true));
        assert_eq!(set.eval("test", false), Some(false));
        assert_eq!(set.eval("not(test)", false), Some(true));
        assert_eq!(set.eval("all(test, feature = \"x\")", false), Some(false));
        assert_eq!(set.eval("any(test, feature = \"x\")", false), None);
        assert_eq!(set.eval("not a cfg", false), None);
    }
}

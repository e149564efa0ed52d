//! The sites and event enums the sources hold, read with the grammar the
//! macros use, from each target's root through its module tree.

use crate::workspace::Workspace;
use eventwire_grammar::source::{scan_crate, CfgSet, Gate, SiteSyntax};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// A site found in the sources.
#[derive(Clone, Debug)]
pub struct Site {
    /// The package that holds it.
    pub package: String,
    /// The file, relative to the workspace's root.
    pub file: String,
    /// The line of the event's name.
    pub line: u32,
    /// Its column.
    pub column: u32,
    /// The variant.
    pub event: String,
    /// The enum, when the site names it.
    pub enum_path: Option<String>,
    /// `#[emits]` or `emit!`.
    pub syntax: SiteSyntax,
    /// The enclosing function.
    pub function: String,
    /// Whether, and into what, it is compiled.
    pub gate: Gate,
}

/// An enum that derives `EventType`.
#[derive(Clone, Debug)]
pub struct Enum {
    /// The package that holds it.
    pub package: String,
    /// Its path, as `module_path!()` and the enum's name give it.
    pub path: String,
    /// Rust name, dotted name and exemption of each variant.
    pub variants: Vec<(String, String, Option<String>)>,
    /// Whether it is test code.
    pub test_only: bool,
    /// The file, relative to the workspace's root.
    pub file: String,
}

/// Something not read, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Skip {
    /// The file, relative to the workspace's root.
    pub file: String,
    /// The line.
    pub line: u32,
    /// What.
    pub what: String,
    /// Why.
    pub reason: String,
}

/// Everything read.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// Every site, once, with the strongest gate any target gives it.
    pub sites: Vec<Site>,
    /// Every enum that derives `EventType`.
    pub enums: Vec<Enum>,
    /// What was not followed.
    pub skipped: Vec<Skip>,
}

/// The target facts of this build, from `rustc --print cfg`.
pub fn target_cfg() -> CfgSet {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    match Command::new(rustc).args(["--print", "cfg"]).output() {
        Ok(output) if output.status.success() => {
            CfgSet::from_print_cfg(&String::from_utf8_lossy(&output.stdout))
        }
        _ => CfgSet::host(),
    }
}

/// Reads every member's targets. `features` gives, per package name, the
/// features a run built it with; a package without an entry is read with
/// its features unknown (code behind them is undecided, not skipped).
pub fn read(ws: &Workspace, features: &BTreeMap<String, Vec<String>>, target: &CfgSet) -> Sources {
    let mut sources = Sources::default();
    let mut seen: BTreeMap<(String, u32, u32), usize> = BTreeMap::new();
    let mut enums_seen = BTreeSet::new();
    for member in &ws.members {
        let cfg = match features.get(&member.name) {
            Some(enabled) => {
                let facts: Vec<String> =
                    enabled.iter().map(|f| format!("feature=\"{f}\"")).collect();
                target
                    .clone()
                    .with_facts(facts.iter().map(String::as_str))
                    .closing("feature")
            }
            None => target.clone(),
        };
        for target in &member.targets {
            let crate_name = target.name.replace('-', "_");
            let scan = scan_crate(&target.root, &crate_name, target.kind.is_test_code(), &cfg);
            for site in scan.sites {
                let file = ws.relative(&site.file);
                let key = (file.clone(), site.position.line, site.position.column);
                let found = Site {
                    package: member.name.clone(),
                    file,
                    line: site.position.line,
                    column: site.position.column,
                    event: site.event,
                    enum_path: site.enum_path,
                    syntax: site.syntax,
                    function: site.function,
                    gate: site.gate,
                };
                match seen.get(&key) {
                    Some(&at) => {
                        if strength(&found.gate) > strength(&sources.sites[at].gate) {
                            sources.sites[at] = found;
                        }
                    }
                    None => {
                        seen.insert(key, sources.sites.len());
                        sources.sites.push(found);
                    }
                }
            }
            for found in scan.enums {
                let file = ws.relative(&found.file);
                if !enums_seen.insert((file.clone(), found.position.line)) {
                    continue;
                }
                sources.enums.push(Enum {
                    package: member.name.clone(),
                    path: found.path,
                    variants: found.variants,
                    test_only: found.gate == Gate::TestOnly,
                    file,
                });
            }
            for skipped in scan.skipped {
                let skip = Skip {
                    file: ws.relative(&skipped.file),
                    line: skipped.position.line,
                    what: skipped.what,
                    reason: skipped.reason,
                };
                if !sources.skipped.contains(&skip) {
                    sources.skipped.push(skip);
                }
            }
        }
    }
    sources.skipped.sort();
    sources
}

/// Which gate wins when targets disagree: production, then undecided, then
/// test code, then not compiled.
fn strength(gate: &Gate) -> u8 {
    match gate {
        Gate::Production => 3,
        Gate::Undecided(_) => 2,
        Gate::TestOnly => 1,
        Gate::NotCompiled(_) => 0,
    }
}

//! The sites and event enums the sources hold, read with the grammar the
//! macros use, from each target's root through its module tree.

use crate::workspace::{Target, Workspace};
use eventwire_grammar::source::{scan_crate_with, CfgSet, CrateScan, Gate, Position, SiteSyntax};
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
    /// The module the site is in: `krate::tools`.
    pub module: String,
    /// `#[emits]` or `emit!`.
    pub syntax: SiteSyntax,
    /// The enclosing function.
    pub function: String,
    /// Whether, and into what, it is compiled.
    pub gate: Gate,
    /// Why it needs no test (`untested = ".."`), if it says so.
    pub waiver: Option<String>,
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
    /// The line of its name.
    pub line: u32,
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
    /// Each target's scan, to ask where test code is.
    scans: Vec<CrateScan>,
}

impl Sources {
    /// Whether the code at `line`:`column` of `file` (absolute) is test code
    /// in every target that compiles the file: a site a macro registered
    /// there, wherever the macro's own tokens come from, is a test's.
    pub fn is_test_code_at(&self, file: &std::path::Path, line: u32, column: u32) -> bool {
        let position = Position { line, column };
        let gates: Vec<Gate> = self
            .scans
            .iter()
            .filter_map(|scan| scan.gate_at(file, position))
            .collect();
        // A site a process registered was compiled: where the reading says
        // no target compiles it, the reading's `cfg` is wrong, and the
        // site is not hidden as a test's.
        gates.iter().any(|gate| matches!(gate, Gate::TestOnly))
            && gates
                .iter()
                .all(|gate| matches!(gate, Gate::TestOnly | Gate::NotCompiled(_)))
    }
}

/// What the compiler is told for the tests' build, as Cargo tells it:
/// `cargo rustc --print cfg` on one member in the test profile (target
/// facts, `RUSTFLAGS` and configured flags). Features and build-script
/// `cfg`s differ by package; they are added per member by [`read`]. Falls
/// back to `rustc --print cfg` alone.
pub fn build_cfg(ws: &Workspace, package: Option<&str>, cargo_args: &[String]) -> CfgSet {
    let member = package.and_then(|p| ws.members.iter().find(|m| m.name == p));
    let selector: Option<Vec<String>> = member.and_then(|m| {
        let lib = m
            .targets
            .iter()
            .find(|t| t.kind == crate::workspace::Kind::Lib);
        let bin = m
            .targets
            .iter()
            .find(|t| t.kind == crate::workspace::Kind::Bin);
        match (lib, bin) {
            (Some(_), _) => Some(vec!["--lib".to_owned()]),
            (None, Some(bin)) => Some(vec!["--bin".to_owned(), bin.name.clone()]),
            _ => None,
        }
    });
    let mut forwarded = Vec::new();
    // The tests' profile decides `debug_assertions` and `overflow_checks`
    // (the arguments are Cargo's, as `build_args` spells them for nextest).
    let mut profile = "test".to_owned();
    let mut args = cargo_args.iter().take_while(|a| *a != "--");
    while let Some(arg) = args.next() {
        if ["--target", "--manifest-path", "--config"].contains(&arg.as_str()) {
            forwarded.push(arg.clone());
            forwarded.extend(args.next().cloned());
        } else if arg.starts_with("--target=")
            || arg.starts_with("--manifest-path=")
            || arg.starts_with("--config=")
        {
            forwarded.push(arg.clone());
        } else if arg == "--release" || arg == "-r" {
            profile = "bench".to_owned();
        } else if arg == "--profile" {
            if let Some(name) = args.next() {
                profile = name.clone();
            }
        } else if let Some(name) = arg.strip_prefix("--profile=") {
            profile = name.to_owned();
        }
    }
    let printed = match (member, selector) {
        (Some(member), Some(selector)) => crate::binaries::cargo()
            .args(["rustc", "-q", "-p", &member.name])
            .args(&selector)
            .args(["--profile", &profile])
            .args(&forwarded)
            .args(["--", "--print", "cfg"])
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success()),
        _ => None,
    };
    // Printed for the tests' profile, the facts rustc decides from the
    // profile and the flags are all there: one it does not print is false.
    let of_profile = printed.is_some();
    let printed = printed.or_else(|| {
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        Command::new(rustc)
            .args(["--print", "cfg"])
            .output()
            .ok()
            .filter(|o| o.status.success())
    });
    match printed {
        Some(output) if of_profile => {
            // Tests always unwind (Cargo ignores a profile's `panic` for
            // them and the libraries linked into them).
            let text: String = String::from_utf8_lossy(&output.stdout)
                .lines()
                .filter(|l| !l.starts_with("panic="))
                .chain(["panic=\"unwind\""])
                .map(|l| format!("{l}\n"))
                .collect();
            ["debug_assertions", "panic", "target_feature"]
                .into_iter()
                .fold(printed_facts(&text), CfgSet::closing)
        }
        Some(output) => printed_facts(&String::from_utf8_lossy(&output.stdout)),
        None => CfgSet::host(),
    }
}

/// What `--print cfg` printed, in a closed world.
fn printed_facts(text: &str) -> CfgSet {
    // Features and `test` are the member's and the reading's to say.
    let facts: String = text
        .lines()
        .filter(|l| !l.starts_with("feature=") && l.trim() != "test")
        .map(|l| format!("{l}\n"))
        .collect();
    CfgSet::from_print_cfg(&facts).closed_world()
}

/// What one member is built with, besides the build's `cfg`s.
#[derive(Clone, Debug, Default)]
pub struct MemberFacts {
    /// Its enabled features.
    pub features: Vec<String>,
    /// What its build script set with `cargo:rustc-cfg`.
    pub script_cfgs: Vec<String>,
    /// The targets Cargo built, when the run knows them.
    pub built: Option<BTreeSet<String>>,
}

/// Reads every member's targets. `facts` gives, per package name, what a
/// run built it with; a package without an entry is read with its
/// features unknown (code behind them is undecided, not skipped).
pub fn read(ws: &Workspace, facts: &BTreeMap<String, MemberFacts>, target: &CfgSet) -> Sources {
    let mut sources = Sources::default();
    let mut seen: BTreeMap<(String, u32, u32), usize> = BTreeMap::new();
    let mut enums_seen = BTreeSet::new();
    for member in &ws.members {
        let cfg = match facts.get(&member.name) {
            Some(known) => {
                let mut given: Vec<String> = known
                    .features
                    .iter()
                    .map(|f| format!("feature=\"{f}\""))
                    .collect();
                given.extend(known.script_cfgs.iter().cloned());
                target
                    .clone()
                    .with_facts(given.iter().map(String::as_str))
                    .closing("feature")
            }
            None => target.clone().opening("feature"),
        };
        for target in member.targets.iter().filter(|t| !t.proc_macro) {
            let crate_name = target.name.replace('-', "_");
            let mut scan = scan_crate_with(
                &target.root,
                &crate_name,
                target.kind.is_test_code(),
                &cfg,
                &member.eventwire_crates,
            );
            if let Some(gate) = left_out(target, facts.get(&member.name)) {
                for site in &mut scan.sites {
                    if strength(&site.gate) > strength(&gate) {
                        site.gate = gate.clone();
                    }
                }
                // Nor are the enums it declares in the build.
                if matches!(gate, Gate::NotCompiled(_)) {
                    scan.enums.clear();
                }
            }
            for site in scan.sites.clone() {
                let file = ws.relative(&site.file);
                let key = (file.clone(), site.position.line, site.position.column);
                let found = Site {
                    package: member.name.clone(),
                    file,
                    line: site.position.line,
                    column: site.position.column,
                    event: site.event,
                    enum_path: site.enum_path,
                    module: site.module,
                    syntax: site.syntax,
                    function: site.function,
                    gate: site.gate,
                    waiver: site.waiver,
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
            for found in scan.enums.clone() {
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
                    line: found.position.line,
                });
            }
            for skipped in &scan.skipped {
                let skip = Skip {
                    file: ws.relative(&skipped.file),
                    line: skipped.position.line,
                    what: skipped.what.clone(),
                    reason: skipped.reason.clone(),
                };
                if !sources.skipped.contains(&skip) {
                    sources.skipped.push(skip);
                }
            }
            sources.scans.push(scan);
        }
    }
    sources.skipped.sort();
    sources
}

/// Whether the run leaves `target` out of the build for want of its
/// `required-features`: not compiled when the member's features are known
/// and one is missing, undecided when they are not known (or a feature of
/// a dependency is required, `dep/feature`, which this reading does not
/// follow); `None` when it is built.
fn left_out(target: &Target, facts: Option<&MemberFacts>) -> Option<Gate> {
    if target.required_features.is_empty() {
        return None;
    }
    // What Cargo built says it exactly (the features of one build of the
    // member, a build dependency's, need not be the target's).
    if let Some(built) = facts.and_then(|f| f.built.as_ref()) {
        if built.contains(&target.name) {
            return None;
        }
        return Some(Gate::NotCompiled(format!(
            "`required-features = [{}]` of the target `{}` (Cargo did not build it)",
            target
                .required_features
                .iter()
                .map(|f| format!("\"{f}\""))
                .collect::<Vec<_>>()
                .join(", "),
            target.name
        )));
    }
    let missing: Vec<&String> = target
        .required_features
        .iter()
        .filter(|f| facts.is_none_or(|known| !known.features.contains(f)))
        .collect();
    if missing.is_empty() {
        return None;
    }
    // Read as a condition: "not compiled in this build: .. is false".
    let why = format!(
        "`required-features = [{}]` of the target `{}`",
        missing
            .iter()
            .map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(", "),
        target.name
    );
    match facts {
        Some(_) if missing.iter().all(|f| !f.contains('/')) => Some(Gate::NotCompiled(why)),
        _ => Some(Gate::Undecided(why)),
    }
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

//! Reads every process's hits file and merges registries and hits.

use eventwire::coverage_data::{Line, SiteEntry};
use eventwire::registry::{EnumInfo, VariantInfo};
use eventwire::{FieldType, Phase};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Everything the test processes wrote.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Merged {
    /// Every enum seen, once each (an enum is its path and where it is declared).
    pub enums: Vec<EnumInfo>,
    /// Every site seen, by key.
    pub sites: BTreeMap<String, SiteEntry>,
    /// What ran each site, by key.
    pub runs: BTreeMap<String, SiteRuns>,
    /// How many process files were read.
    pub processes: usize,
    /// The executables that wrote a registry, canonical.
    pub executables: BTreeSet<std::path::PathBuf>,
    /// The JSON types captured for each field, by field key, joined over
    /// every process (a generic function captures one type per instance).
    pub field_types: BTreeMap<String, FieldType>,
}

/// Why a variant under `#[cfg(test)]` is exempt.
const TEST_VARIANT: &str = "a variant under `#[cfg(test)]`: test code, never required";

/// What the tests did with one site.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SiteRuns {
    /// Runs counted, summed over processes (each process's count is exact
    /// up to 64 and within a factor of two beyond: it is written at each of
    /// the first 64 runs, then at powers of two).
    pub count: u64,
    /// Who ran it.
    pub by: BTreeSet<Runner>,
    /// The phases of the site that came in some run; a line of an older
    /// runtime, which did not say, counts as every phase.
    pub phases: BTreeSet<Phase>,
    /// Some line did not say which phases came.
    pub any_phase: bool,
}

/// Who ran a site: a process's executable, and the test its runner named
/// or the thread it ran on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Runner {
    /// The test binary, canonical.
    pub executable: Option<std::path::PathBuf>,
    /// The test, as the runner named it (nextest).
    pub test: Option<String>,
    /// The thread's name.
    pub thread: Option<String>,
}

/// Reads every `*.jsonl` file of `dir`. A line that does not parse (a
/// process killed mid-write) is skipped.
///
/// # Errors
///
/// The directory cannot be read.
pub fn read_dir(dir: &Path) -> std::io::Result<Merged> {
    let mut merged = Merged::default();
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        merged.add_process(&text);
    }
    merged.finish();
    Ok(merged)
}

/// The merged enum's list of variants, joined over builds.
trait Variants {
    /// Where `variant` is in the list, added at its end if no build before
    /// had it (one build may compile a variant that another leaves out).
    fn place(&mut self, variant: &VariantInfo) -> usize;
}

impl Variants for EnumInfo {
    fn place(&mut self, variant: &VariantInfo) -> usize {
        match self
            .variants
            .iter()
            .position(|v| v.variant == variant.variant)
        {
            // Test code, or exempt, only if every build that has it says
            // so (`#[cfg_attr(test, event(unwired = ..))]` exempts it in
            // the unit tests' build alone).
            Some(at) => {
                let known = &mut self.variants[at];
                known.test_only &= variant.test_only;
                if variant.exemption.is_none() {
                    known.exemption = None;
                }
                at
            }
            None => {
                self.variants.push(variant.clone());
                self.variants.len() - 1
            }
        }
    }
}

impl Merged {
    /// Adds the lines one process wrote.
    pub fn add_process(&mut self, text: &str) {
        self.processes += 1;
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        let mut executable = None;
        for line in text.lines() {
            match serde_json::from_str::<Line>(line) {
                Ok(Line::Registry {
                    enums,
                    sites,
                    executable: exe,
                    ..
                }) => {
                    // Each enum of this process, with where each of its
                    // variants is in the merged enum's list.
                    let mut indices: Vec<(EnumInfo, Vec<usize>)> = Vec::new();
                    for info in enums {
                        let at = match self.enums.iter().position(|e| e.same_enum(&info)) {
                            // Test code only if every build that links it says so.
                            Some(at) => {
                                let known = &mut self.enums[at];
                                known.test_only &= info.test_only;
                                known.doctest &= info.doctest;
                                at
                            }
                            None => {
                                self.enums.push(info.clone());
                                self.enums.len() - 1
                            }
                        };
                        let places: Vec<usize> = info
                            .variants
                            .iter()
                            .map(|v| self.enums[at].place(v))
                            .collect();
                        indices.push((info, places));
                    }
                    for mut site in sites {
                        // A site gives its event as an index into its own
                        // build's variants, which another build may number
                        // otherwise (a variant under `#[cfg(test)]`), and
                        // by name: placed by name in the merged list (by
                        // index through its build's list, from a runtime
                        // that did not write the name).
                        let same = |info: &EnumInfo| {
                            info.name == site.enum_name
                                && (site.enum_file.is_empty()
                                    || (info.file == site.enum_file && info.line == site.enum_line))
                        };
                        let by_name = self.enums.iter().position(&same).and_then(|at| {
                            self.enums[at].variants.iter().position(|v| {
                                !site.variant_name.is_empty() && v.variant == site.variant_name
                            })
                        });
                        let by_index = || {
                            indices
                                .iter()
                                .find(|(info, _)| same(info))
                                .and_then(|(_, at)| at.get(site.variant).copied())
                        };
                        if let Some(to) = by_name.or_else(by_index) {
                            site.variant = to;
                        }
                        for field in &site.fields {
                            self.saw(&field.key, field.types);
                        }
                        match self.sites.get_mut(&site.key) {
                            // A site is production code if any build compiles it so.
                            Some(known) => {
                                known.test_only &= site.test_only;
                                known.doctest &= site.doctest;
                            }
                            None => {
                                self.sites.insert(site.key.clone(), site);
                            }
                        }
                    }
                    let exe = exe.map(|e| {
                        let path = std::path::PathBuf::from(e);
                        path.canonicalize().unwrap_or(path)
                    });
                    if let Some(exe) = &exe {
                        self.executables.insert(exe.clone());
                    }
                    executable = exe;
                }
                Ok(Line::Hit {
                    site,
                    test,
                    thread,
                    count,
                    phases,
                }) => {
                    let entry = counts.entry(site.clone()).or_default();
                    *entry = (*entry).max(count);
                    let runs = self.runs.entry(site).or_default();
                    runs.any_phase |= phases.is_empty();
                    runs.phases.extend(phases);
                    runs.by.insert(Runner {
                        executable: executable.clone(),
                        test,
                        thread,
                    });
                }
                Ok(Line::FieldTyped { field, types }) => self.saw(&field, types),
                Err(_) => {}
            }
        }
        for (site, count) in counts {
            self.runs.entry(site).or_default().count += count;
        }
    }

    /// After every process is read: a variant that is test code in every
    /// build that has it (under `#[cfg(test)]`) is exempt from the check,
    /// unless it is exempt already.
    pub fn finish(&mut self) {
        for variant in self.enums.iter_mut().flat_map(|e| e.variants.iter_mut()) {
            if variant.test_only && variant.exemption.is_none() {
                variant.exemption = Some(TEST_VARIANT.to_owned());
            }
        }
    }

    fn saw(&mut self, field: &str, types: FieldType) {
        let known = self.field_types.entry(field.to_owned()).or_default();
        *known = known.union(types);
    }

    /// The JSON types captured for the field of `key` (unknown if none was).
    pub fn field_type(&self, key: &str) -> FieldType {
        self.field_types.get(key).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(keys: &[&str]) -> String {
        let sites: Vec<serde_json::Value> = keys
            .iter()
            .map(|k| {
                serde_json::json!({
                    "key": k, "enum_name": "shop::EventType", "variant": 0, "phases": ["ok"],
                    "origin": "attribute", "function": "Shop::buy", "path": "shop::Shop::buy",
                    "file": "src/lib.rs", "line": 3, "column": 9
                })
            })
            .collect();
        serde_json::json!({
            "kind": "registry", "binary": "shop", "executable": "/t/shop-1", "sites": sites,
            "enums": [{"name": "shop::EventType", "variants": [
                {"variant": "OrderPlaced", "name": "order.placed", "exemption": null}
            ]}]
        })
        .to_string()
    }

    #[test]
    fn processes_merge_by_site_key_and_sum_counts() {
        let hit = |site: &str, thread: &str, count: u64| {
            serde_json::json!({"kind": "hit", "site": site, "test": null, "thread": thread, "count": count})
                .to_string()
        };
        let mut merged = Merged::default();
        merged.add_process(
            &[
                registry(&["a", "b"]),
                hit("a", "t1", 1),
                hit("a", "t1", 2),
                hit("a", "t2", 4),
            ]
            .join("\n"),
        );
        merged.add_process(
            &[
                registry(&["a"]),
                hit("a", "t3", 1),
                "{\"kind\":\"hi".to_owned(),
            ]
            .join("\n"),
        );
        assert_eq!(merged.processes, 2);
        assert_eq!(merged.sites.len(), 2);
        let a = &merged.runs["a"];
        assert_eq!(a.count, 5);
        let threads: Vec<&str> = a.by.iter().filter_map(|r| r.thread.as_deref()).collect();
        assert_eq!(threads, ["t1", "t2", "t3"]);
        assert!(a
            .by
            .iter()
            .all(|r| r.executable.as_deref() == Some(std::path::Path::new("/t/shop-1"))));
        assert!(!merged.runs.contains_key("b"));
    }

    /// Two builds of one enum, one of which compiles a variant the other
    /// leaves out (`#[cfg(test)]` on it): each site keeps its own event,
    /// whichever build's file is read first.
    #[test]
    fn a_variant_only_one_build_has_shifts_no_site_onto_another_event() {
        let build = |variants: &[&str], site: (&str, usize)| {
            let variants: Vec<serde_json::Value> = variants
                .iter()
                .map(|v| {
                    serde_json::json!({"variant": v, "name": v.to_lowercase(), "exemption": null,
                                       "test_only": *v == "Probe"})
                })
                .collect();
            serde_json::json!({
                "kind": "registry", "binary": "b", "executable": null,
                "sites": [{
                    "key": site.0, "enum_name": "events::EventType", "enum_file": "events/src/lib.rs",
                    "enum_line": 2, "variant": site.1, "phases": ["body"], "origin": "macro",
                    "function": "f", "path": "f", "file": "events/src/lib.rs", "line": 9, "column": 5
                }],
                "enums": [{"name": "events::EventType", "variants": variants,
                           "file": "events/src/lib.rs", "line": 2}]
            })
            .to_string()
        };
        for order in [[0, 1], [1, 0]] {
            let files = [
                build(&["Started", "Probe", "Paid", "Shipped"], ("resend", 3)),
                build(&["Started", "Paid", "Shipped"], ("ship", 2)),
            ];
            let mut merged = Merged::default();
            for i in order {
                merged.add_process(&files[i]);
            }
            merged.finish();
            let probe = &merged.enums[0]
                .variants
                .iter()
                .find(|v| v.variant == "Probe")
                .unwrap();
            assert!(probe
                .exemption
                .as_deref()
                .is_some_and(|e| e.contains("#[cfg(test)]")));
            assert!(
                merged.enums[0]
                    .variants
                    .iter()
                    .filter(|v| v.exemption.is_some())
                    .count()
                    == 1
            );
            let variants: Vec<&str> = merged.enums[0]
                .variants
                .iter()
                .map(|v| v.variant.as_str())
                .collect();
            let event = |key: &str| variants[merged.sites[key].variant];
            assert_eq!(
                (event("resend"), event("ship")),
                ("Shipped", "Shipped"),
                "{order:?}"
            );
            assert_eq!(variants.len(), 4, "{variants:?}");
        }
    }

    #[test]
    fn field_types_join_over_lines_and_processes() {
        let typed = |types: &str| {
            format!(r#"{{"kind":"field_typed","field":"src/lib.rs:3:9:n","types":{types}}}"#)
        };
        let mut merged = Merged::default();
        merged.add_process(&[registry(&["a"]), typed(r#"["integer"]"#)].join("\n"));
        merged.add_process(&[registry(&["a"]), typed(r#"["string","none"]"#)].join("\n"));
        assert_eq!(
            merged.field_type("src/lib.rs:3:9:n").to_string(),
            "integer | string | none"
        );
        assert!(merged.field_type("src/lib.rs:4:1:m").is_unknown());
    }
}

//! Reads every process's hits file and merges registries and hits.

use eventwire::coverage_data::{Line, SiteEntry};
use eventwire::registry::EnumInfo;
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
    Ok(merged)
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
                    for info in enums {
                        match self.enums.iter_mut().find(|e| e.same_enum(&info)) {
                            // Test code only if every build that links it says so.
                            Some(known) => {
                                known.test_only &= info.test_only;
                                known.doctest &= info.doctest;
                            }
                            None => self.enums.push(info),
                        }
                    }
                    for site in sites {
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

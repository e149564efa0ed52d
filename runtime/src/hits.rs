//! Recording which sites ran (feature `coverage`): a count at each site,
//! and a line in this process's hits file when a site first runs in a test.
//!
//! Nothing is written unless a coverage run asks for it by setting
//! `EVENTWIRE_COVERAGE_DIR` (which `cargo eventwire coverage` does), read
//! once per process: a binary built with the feature by accident (Cargo's
//! older feature resolver unifies dev-dependency features into normal
//! builds) does no file I/O.
//!
//! Written at the hit, not at exit, so that a test that panics or aborts
//! still leaves its hits behind.

use crate::coverage_data::{Line, SiteEntry};
use crate::phase::{Phase, Phases};
use crate::registry::{enums, sites, SiteRecord};
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// Counts up to this are written at every run.
const EXACT_UP_TO: u64 = 64;

/// The environment variable that turns recording on and names the directory.
pub(crate) const DIR_VARIABLE: &str = "EVENTWIRE_COVERAGE_DIR";

/// Who ran a site: the test named by the runner, else the thread.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Runner {
    test: Option<String>,
    thread: Option<String>,
}

/// Counts one run of `site`; writes a line when it is the first run by this
/// test (or thread), and while the count is small or a power of two, so that
/// the merged count is exact up to `EXACT_UP_TO` runs per process and
/// within a factor of two above.
pub(crate) fn hit(site: &'static SiteRecord) {
    hit_on(site, site.phases(), true);
}

/// A run of `site` in which `fired` came (some of its phases: a site on
/// `err | cancel` ran on one of them), so that the report can tell a site
/// whose every phase a test ran from one whose `cancel` never came.
/// `counted`: whether this is the call's first phase of the site, which
/// counts the run (a site on `entry | exit` runs once per call, not twice).
fn hit_on(site: &'static SiteRecord, fired: Phases, counted: bool) {
    let count = if counted {
        site.count_hit()
    } else {
        site.hits()
    };
    let Some(file) = hits_file() else { return };
    let runner = Runner {
        test: runner_test().clone(),
        thread: std::thread::current().name().map(str::to_owned),
    };
    let first = {
        static SEEN: OnceLock<Mutex<HashSet<(usize, Phases, Runner)>>> = OnceLock::new();
        let seen = SEEN.get_or_init(Mutex::default);
        let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.insert((std::ptr::from_ref(site) as usize, fired, runner.clone()))
    };
    if first || count <= EXACT_UP_TO || count.is_power_of_two() {
        write_line(
            file,
            &Line::Hit {
                site: site.key().to_string(),
                test: runner.test,
                thread: runner.thread,
                count,
                phases: fired.iter().collect(),
            },
        );
    }
}

/// Counts a run of each of `sites` that fires on `phase`.
pub(crate) fn phase<E>(sites: &'static [(E, &'static SiteRecord)], phase: Phase) {
    for (_, site) in sites {
        if site.phases().contains(phase) {
            // A call reaches `entry` first: a later phase of a site that
            // also fires on `entry` was counted there.
            let counted = phase == Phase::Entry || !site.phases().contains(Phase::Entry);
            hit_on(site, Phases::only(phase), counted);
        }
    }
}

/// Counts the runs of `sites` after a return with `outcome` (`ok` or
/// `err`): those firing on it and those firing on `exit`.
pub(crate) fn returned<'a, E>(
    sites: &'static [(E, &'static SiteRecord)],
    outcome: &dyn Fn() -> crate::private::Outcome<'a>,
) {
    returned_phase(sites, &|| outcome().phase());
}

/// Counts the runs of `sites` after a return in `phase` (`ok` or `err`).
pub(crate) fn returned_phase<E>(
    sites: &'static [(E, &'static SiteRecord)],
    phase: &dyn Fn() -> Phase,
) {
    let phase = phase();
    let fired = Phases::only(phase).with(Phase::Exit);
    for (_, site) in sites {
        if site.phases().intersects(fired) {
            hit_on(
                site,
                site.phases()
                    .iter()
                    .filter(|p| fired.contains(*p))
                    .collect(),
                !site.phases().contains(Phase::Entry),
            );
        }
    }
}

/// A plain field was captured with a value of a type not seen before.
pub(crate) fn field_typed(field: &'static crate::registry::FieldDecl) {
    let Some(file) = hits_file() else { return };
    write_line(
        file,
        &Line::FieldTyped {
            field: crate::coverage_data::field_key(field),
            types: field.field_type(),
        },
    );
}

/// Makes sure this process's registry is written, if it records at all.
pub(crate) fn write_registry() {
    let _ = hits_file();
}

/// The test this process runs, when the runner says so: nextest runs one
/// test per process and names it on the command line (`--exact <name>`).
/// Under `cargo test` many tests share a process; each runs on a thread
/// named after it, which `cargo eventwire` checks against the binary's
/// list of tests.
fn runner_test() -> &'static Option<String> {
    static TEST: OnceLock<Option<String>> = OnceLock::new();
    TEST.get_or_init(|| {
        std::env::var_os("NEXTEST")?;
        if let Ok(name) = std::env::var("NEXTEST_TEST_NAME") {
            return Some(name);
        }
        let args: Vec<String> = std::env::args().collect();
        let at = args.iter().position(|a| a == "--exact")?;
        args.get(at + 1).cloned()
    })
}

/// Where this process writes: the directory a coverage run named in
/// `EVENTWIRE_COVERAGE_DIR`. A documentation example records like any
/// test (the sites it writes itself are test code, marked so when they are
/// compiled); not while rustdoc compiles one.
pub(crate) fn hits_dir() -> Option<PathBuf> {
    if std::env::var_os("UNSTABLE_RUSTDOC_TEST_PATH").is_some() {
        return None;
    }
    let dir = std::env::var_os(DIR_VARIABLE)?;
    (!dir.is_empty()).then(|| PathBuf::from(dir))
}

fn hits_file() -> Option<&'static Mutex<File>> {
    static FILE: OnceLock<Option<Mutex<File>>> = OnceLock::new();
    FILE.get_or_init(open_hits_file).as_ref()
}

fn open_hits_file() -> Option<Mutex<File>> {
    let dir = hits_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let executable = std::env::current_exe().ok();
    let binary = executable
        .as_ref()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "unknown".to_owned());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path = dir.join(format!("{binary}-{}-{nanos}.jsonl", std::process::id()));
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .ok()?;
    let file = Mutex::new(file);
    write_line(
        &file,
        &Line::Registry {
            binary,
            executable: executable.map(|p| p.display().to_string()),
            enums: enums(),
            sites: sites().map(SiteEntry::of).collect(),
        },
    );
    Some(file)
}

/// One `write` per line, to a file opened for appending: a line is never
/// interleaved with another process's or cut by a crash in the middle.
fn write_line(file: &Mutex<File>, line: &Line) {
    let Ok(mut text) = serde_json::to_vec(line) else {
        return;
    };
    text.push(b'\n');
    let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
    let _ = file.write_all(&text);
}

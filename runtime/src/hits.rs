//! Recording which sites ran (feature `coverage`): a count at each site,
//! and a line in this process's hits file when a site first runs in a test.
//!
//! Written at the hit, not at exit, so that a test that panics or aborts
//! still leaves its hits behind.

use crate::coverage_data::{Line, SiteEntry};
use crate::phase::{Phase, Phases};
use crate::registry::{sites, EnumInfo, SiteRecord};
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// Counts up to this are written at every run.
const EXACT_UP_TO: u64 = 64;

/// A site (by address) and the test that ran it.
type SiteInTest = (usize, Option<String>);

/// Counts one run of `site`; writes a line when it is the first run in
/// this test, and while the count is small or a power of two, so that the
/// merged count is exact up to `EXACT_UP_TO` runs per process and within a
/// factor of two above.
pub(crate) fn hit(site: &'static SiteRecord) {
    let count = site.count_hit();
    let Some(file) = hits_file() else { return };
    let test = current_test();
    let first_in_test = {
        static SEEN: OnceLock<Mutex<HashSet<SiteInTest>>> = OnceLock::new();
        let seen = SEEN.get_or_init(Mutex::default);
        let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.insert((std::ptr::from_ref(site) as usize, test.clone()))
    };
    if first_in_test || count <= EXACT_UP_TO || count.is_power_of_two() {
        write_line(
            file,
            &Line::Hit {
                site: SiteEntry::of(site).key,
                test,
                count,
            },
        );
    }
}

/// Counts a run of each of `sites` that fires on `phase`.
pub(crate) fn phase<E>(sites: &'static [(E, &'static SiteRecord)], phase: Phase) {
    for (_, site) in sites {
        if site.phases().contains(phase) {
            hit(site);
        }
    }
}

/// Counts the runs of `sites` after a return with `outcome` (`ok` or
/// `err`): those firing on it and those firing on `exit`.
pub(crate) fn returned<'a, E>(
    sites: &'static [(E, &'static SiteRecord)],
    outcome: &dyn Fn() -> crate::private::Outcome<'a>,
) {
    let phase = outcome().phase();
    let fired = Phases::only(phase).with(Phase::Exit);
    for (_, site) in sites {
        if fired.iter().any(|p| site.phases().contains(p)) {
            hit(site);
        }
    }
}

/// Makes sure this process's registry is written, if it writes hits at all.
pub(crate) fn write_registry() {
    let _ = hits_file();
}

/// The test running on this thread: nextest's name for the process, the
/// `--exact` filter it passes, or the thread name libtest gives each test.
fn current_test() -> Option<String> {
    if let Ok(name) = std::env::var("NEXTEST_TEST_NAME") {
        return Some(name);
    }
    if std::env::var_os("NEXTEST").is_some() {
        let args: Vec<String> = std::env::args().collect();
        if let Some(at) = args.iter().position(|a| a == "--exact") {
            if let Some(name) = args.get(at + 1) {
                return Some(name.clone());
            }
        }
    }
    std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .map(str::to_owned)
}

/// Where this process writes: `EVENTWIRE_COVERAGE_DIR`, else
/// `<target>/eventwire/hits` for a binary under a `target` directory. None
/// for doctests, and for binaries that are not under `target`.
pub(crate) fn hits_dir() -> Option<PathBuf> {
    if std::env::var_os("UNSTABLE_RUSTDOC_TEST_PATH").is_some() {
        return None;
    }
    if let Some(dir) = std::env::var_os("EVENTWIRE_COVERAGE_DIR") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    let exe = std::env::current_exe().ok()?;
    let target = exe
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "target"))?;
    Some(target.join("eventwire").join("hits"))
}

fn hits_file() -> Option<&'static Mutex<File>> {
    static FILE: OnceLock<Option<Mutex<File>>> = OnceLock::new();
    FILE.get_or_init(open_hits_file).as_ref()
}

fn open_hits_file() -> Option<Mutex<File>> {
    let dir = hits_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let binary = std::env::current_exe()
        .ok()
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
    write_line(&file, &registry_line(binary));
    Some(file)
}

fn registry_line(binary: String) -> Line {
    let mut enums: Vec<EnumInfo> = Vec::new();
    let mut entries = Vec::new();
    for site in sites() {
        let info = site.enum_info();
        if !enums.iter().any(|e| e.name == info.name) {
            enums.push(info);
        }
        entries.push(SiteEntry::of(site));
    }
    Line::Registry {
        binary,
        enums,
        sites: entries,
    }
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

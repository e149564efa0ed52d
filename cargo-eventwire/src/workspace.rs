//! The workspace as `cargo metadata` describes it: its members, their
//! targets, and where each file belongs.

use cargo_metadata::{MetadataCommand, TargetKind};
use std::path::{Path, PathBuf};

/// The workspace a run is about.
#[derive(Clone, Debug)]
pub struct Workspace {
    /// Its root directory.
    pub root: PathBuf,
    /// Its target directory.
    pub target: PathBuf,
    /// Its members.
    pub members: Vec<Member>,
}

/// One workspace member.
#[derive(Clone, Debug)]
pub struct Member {
    /// The package's name.
    pub name: String,
    /// Cargo's id of the package.
    pub id: String,
    /// Its version.
    pub version: String,
    /// The directory of its manifest.
    pub dir: PathBuf,
    /// Its targets.
    pub targets: Vec<Target>,
    /// The names its manifest gives eventwire's crate besides `eventwire`
    /// (`ew = { package = "eventwire", .. }`), as code spells them.
    pub eventwire_crates: Vec<String>,
}

/// A target of a member.
#[derive(Clone, Debug)]
pub struct Target {
    /// Its name.
    pub name: String,
    /// What it is.
    pub kind: Kind,
    /// Its root source file.
    pub root: PathBuf,
    /// Whether it has libtest's harness (`harness = false` says not), so
    /// that its binary answers `--list` instead of running.
    pub harness: bool,
    /// Whether `cargo test` tests it by default (`test = false` says not).
    pub tested: bool,
    /// The features it needs to be built at all (`required-features`):
    /// without them, Cargo leaves it out of the build, sites and all.
    pub required_features: Vec<String>,
    /// Whether it is a procedural macro crate: code the compiler runs,
    /// never a place an event is emitted from (an `emit!` in its tokens,
    /// `quote! { emit!(..) }`, is generated into other crates).
    pub proc_macro: bool,
}

/// What a target is, as far as sites are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A library: production code.
    Lib,
    /// A binary: production code.
    Bin,
    /// An integration test: test code.
    Test,
    /// A benchmark: test code.
    Bench,
    /// An example: test code.
    Example,
}

impl Kind {
    /// Whether all of a target of this kind is test code.
    pub fn is_test_code(self) -> bool {
        matches!(self, Kind::Test | Kind::Bench | Kind::Example)
    }

    fn of(kinds: &[TargetKind]) -> Option<Kind> {
        kinds.iter().find_map(|k| match k {
            TargetKind::Lib
            | TargetKind::RLib
            | TargetKind::DyLib
            | TargetKind::CDyLib
            | TargetKind::StaticLib
            | TargetKind::ProcMacro => Some(Kind::Lib),
            TargetKind::Bin => Some(Kind::Bin),
            TargetKind::Test => Some(Kind::Test),
            TargetKind::Bench => Some(Kind::Bench),
            TargetKind::Example => Some(Kind::Example),
            _ => None,
        })
    }
}

impl Workspace {
    /// Asks `cargo metadata` about the workspace of `manifest`, or of the
    /// current directory.
    ///
    /// # Errors
    ///
    /// Cargo could not be run or did not understand the workspace.
    pub fn load(manifest: Option<&Path>) -> Result<Workspace, String> {
        let mut command = MetadataCommand::new();
        command.no_deps();
        if let Some(cargo) = std::env::var_os("CARGO") {
            command.cargo_path(cargo);
        }
        if let Some(manifest) = manifest {
            command.manifest_path(manifest);
        }
        let metadata = command
            .exec()
            .map_err(|e| format!("cargo metadata failed: {e}"))?;
        let members = metadata
            .workspace_packages()
            .into_iter()
            .map(|package| {
                let without_harness = without_harness(package.manifest_path.as_std_path());
                Member {
                    name: package.name.to_string(),
                    id: package.id.repr.clone(),
                    version: package.version.to_string(),
                    dir: package
                        .manifest_path
                        .parent()
                        .map(|p| p.as_std_path().to_path_buf())
                        .unwrap_or_default(),
                    targets: package
                        .targets
                        .iter()
                        .filter_map(|t| {
                            Some(Target {
                                name: t.name.clone(),
                                kind: Kind::of(&t.kind)?,
                                root: t.src_path.as_std_path().to_path_buf(),
                                harness: !without_harness.contains(&t.name),
                                tested: t.test,
                                required_features: t.required_features.clone(),
                                proc_macro: t.kind.contains(&TargetKind::ProcMacro),
                            })
                        })
                        .collect(),
                    eventwire_crates: package
                        .dependencies
                        .iter()
                        .filter(|d| d.name == "eventwire")
                        .filter_map(|d| d.rename.as_ref())
                        .map(|name| name.replace('-', "_"))
                        .collect(),
                }
            })
            .collect();
        Ok(Workspace {
            root: metadata.workspace_root.into_std_path_buf(),
            target: metadata.target_directory.into_std_path_buf(),
            members,
        })
    }

    /// The member whose directory holds `file` (the deepest, for nested
    /// members). `file` is absolute or relative to the workspace's root.
    pub fn member_of(&self, file: &Path) -> Option<&Member> {
        let file = if file.is_absolute() {
            file.to_path_buf()
        } else {
            self.root.join(file)
        };
        self.members
            .iter()
            .filter(|m| file.starts_with(&m.dir))
            .max_by_key(|m| m.dir.components().count())
    }

    /// The member of `id`.
    pub fn member(&self, id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }

    /// `file` relative to the workspace's root, as `file!()` spells the
    /// files of workspace members; other files as they are.
    pub fn relative(&self, file: &Path) -> String {
        file.strip_prefix(&self.root)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/")
    }

    /// Where reports of this workspace go: `target/eventwire`, or, when the
    /// target directory is shared with other workspaces, a directory of
    /// this workspace's own inside it.
    pub fn report_dir(&self) -> PathBuf {
        let base = self.target.join("eventwire");
        if self.target.starts_with(&self.root) {
            return base;
        }
        let name = self.root.file_name().map_or_else(
            || "workspace".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
        base.join(format!("{name}-{:08x}", fnv(&self.root.to_string_lossy())))
    }
}

/// The targets a manifest declares with `harness = false`.
fn without_harness(manifest: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(manifest) else {
        return Vec::new();
    };
    let Ok(value) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for section in ["test", "bench", "bin", "example"] {
        for target in value
            .get(section)
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            if target.get("harness").and_then(toml::Value::as_bool) == Some(false) {
                if let Some(name) = target.get("name").and_then(toml::Value::as_str) {
                    names.push(name.to_owned());
                }
            }
        }
    }
    if let Some(lib) = value.get("lib") {
        if lib.get("harness").and_then(toml::Value::as_bool) == Some(false) {
            names.push(
                lib.get("name")
                    .and_then(toml::Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_default(),
            );
        }
    }
    names
}

/// A small stable hash (FNV-1a), for directory names.
fn fnv(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

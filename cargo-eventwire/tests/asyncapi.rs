//! The AsyncAPI documents `cargo eventwire catalog` writes are accepted by
//! the official AsyncAPI parser (`@asyncapi/parser`, run with node from
//! `tests/asyncapi`; ignored, with the reason, where it is not installed —
//! `npm ci --prefix cargo-eventwire/tests/asyncapi` installs it).

use cargo_eventwire::catalog::{self, asyncapi, Catalog, CatalogEvent, CatalogField, Mode};
use eventwire::FieldType;
use std::path::{Path, PathBuf};
use std::process::Command;

fn here() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The committed catalog of the main example.
fn agent_services() -> Catalog {
    catalog::read(&here().join("../examples/agent-services/catalog")).unwrap()
}

/// Runs the parser on `files`: its output, and whether all were valid.
fn parse(files: &[&Path]) -> (String, bool) {
    let output = Command::new("node")
        .arg(here().join("tests/asyncapi/validate.mjs"))
        .args(files)
        .current_dir(here().join("tests/asyncapi"))
        .output()
        .expect("node runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (text, output.status.success())
}

fn write(dir: &Path, name: &str, catalog: &Catalog) -> PathBuf {
    let path = dir.join(name);
    let doc = serde_json::to_string_pretty(&asyncapi::document(catalog)).unwrap();
    std::fs::write(&path, doc).unwrap();
    path
}

#[test]
#[cfg_attr(
    not(asyncapi_parser),
    ignore = "the AsyncAPI parser is not installed: `npm ci --prefix cargo-eventwire/tests/asyncapi` runs this test"
)]
fn the_documents_are_valid_asyncapi_3() {
    let dir = tempfile::tempdir().unwrap();
    let committed = here().join("../examples/agent-services/catalog/asyncapi.json");
    let mut binary = agent_services();
    binary.transport.mode = Mode::Binary;
    // The odd cases: an event no site emits, a field of unknown type, an
    // event name shared by two enums, a prefix with a dot.
    let mut odd = agent_services();
    odd.transport.prefix = "acme.prod".to_owned();
    let mut lonely = odd.events[0].clone();
    lonely.sites.clear();
    lonely.phases.clear();
    lonely.fields = vec![CatalogField {
        types: FieldType::UNKNOWN,
        typed: false,
        required: false,
        ..lonely.fields[0].clone()
    }];
    lonely.enum_name = "other::EventType".to_owned();
    odd.events.push(lonely);
    odd.events.push(CatalogEvent {
        name: "legacy.exported".to_owned(),
        variant: "LegacyExported".to_owned(),
        exemption: Some("emitted by the exporter, outside Rust".to_owned()),
        fields: Vec::new(),
        sites: Vec::new(),
        phases: Vec::new(),
        ..odd.events[1].clone()
    });
    let files = [
        committed,
        write(dir.path(), "binary.json", &binary),
        write(dir.path(), "odd.json", &odd),
    ];
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let (output, valid) = parse(&paths);
    assert!(valid, "{output}");
    assert!(!output.contains("warning"), "{output}");
    assert!(
        output.contains("38 channels, 38 operations, 38 messages"),
        "{output}"
    );
    assert!(
        output.contains("40 channels, 40 operations, 40 messages"),
        "{output}"
    );
}

#[test]
#[cfg_attr(
    not(asyncapi_parser),
    ignore = "the AsyncAPI parser is not installed: `npm ci --prefix cargo-eventwire/tests/asyncapi` runs this test"
)]
fn the_parser_rejects_a_broken_document() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc = asyncapi::document(&agent_services());
    doc["operations"]["send.plan.created"]["action"] = "publish".into();
    let path = dir.path().join("broken.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let (output, valid) = parse(&[&path]);
    assert!(!valid, "{output}");
    assert!(output.contains("send.plan.created.action"), "{output}");
}

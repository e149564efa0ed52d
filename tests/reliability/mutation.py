#!/usr/bin/env python3
"""Mutation check of the static coverage test on examples/agent-services.

For each of the 38 events, a copy of the example loses that event's emission
site (its name in `#[emits(..)]`, and its `emit!` lines), and the example's
static coverage test must then fail naming exactly that event.

    python3 tests/reliability/mutation.py          # all 38
    python3 tests/reliability/mutation.py PlanApplied ToolRetried
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "agent-services"
WORK = ROOT / "target" / "mutation"
COPY = WORK / "agent-services"

MANIFEST = """[package]
name = "agent-services-mutated"
version = "0.0.0"
edition = "2021"
publish = false

[lib]
name = "agent_services"

[workspace]

[dependencies]
eventwire = {{ path = "{runtime}", features = ["tokio"] }}
serde_json = "1"
tokio = {{ version = "1", features = ["rt", "time", "macros"] }}

[dev-dependencies]
tokio = {{ version = "1", features = ["rt", "time", "macros", "test-util"] }}
"""


def events():
    text = (EXAMPLE / "src" / "events.rs").read_text()
    body = text[text.index("pub enum EventType {"):]
    return re.findall(r"^\s+([A-Z][A-Za-z]+),$", body, re.M)


def list_without(args, event):
    """The `#[emits(..)]` arguments without `event`; None if no event remains."""
    parts, depth, current = [], 0, ""
    for c in args:
        if c == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += c in "([{"
        depth -= c in ")]}"
        current += c
    if current.strip():
        parts.append(current.strip())
    kept = [p for p in parts if p != event and not p.startswith(event + "(")]
    listed = [p for p in kept if re.match(r"^[A-Z]\w*(\(.*\))?$", p)]
    return ", ".join(kept) if listed else None


def remove_site(source, event):
    lines = []
    for line in source.splitlines(keepends=True):
        if re.search(r"\bemit!\((\w+::)*" + event + r"\b", line):
            continue
        match = re.match(r"^(\s*)#\[emits\((.*)\)\](.*)$", line.rstrip("\n"))
        if match and re.search(r"\b" + event + r"\b", match.group(2)):
            rest = list_without(match.group(2), event)
            if rest is None:
                continue
            line = f"{match.group(1)}#[emits({rest})]{match.group(3)}\n"
        lines.append(line)
    return "".join(lines)


def prepare():
    if COPY.exists():
        shutil.rmtree(COPY)
    shutil.copytree(EXAMPLE / "src", COPY / "src")
    shutil.copytree(EXAMPLE / "tests", COPY / "tests")
    (COPY / "Cargo.toml").write_text(MANIFEST.format(runtime=ROOT / "runtime"))


def check(event, originals):
    for path, text in originals.items():
        path.write_text(remove_site(text, event))
    env = dict(os.environ, CARGO_TARGET_DIR=str(WORK / "target"))
    result = subprocess.run(
        ["cargo", "test", "-q", "--manifest-path", str(COPY / "Cargo.toml"), "--test", "coverage"],
        capture_output=True, text=True, env=env)
    for path, text in originals.items():
        path.write_text(text)
    output = result.stdout + result.stderr
    named = re.findall(r"missing \(\d+\):\n((?:  \S+\s+\S+\n)+)", output)
    missing = re.findall(r"^  (\w+)\s", named[0], re.M) if named else []
    return result.returncode != 0 and missing == [event], output


def main():
    wanted = sys.argv[1:] or events()
    prepare()
    originals = {p: p.read_text() for p in (COPY / "src").glob("*.rs")}
    caught = 0
    for event in wanted:
        ok, output = check(event, originals)
        caught += ok
        print(f"{'caught' if ok else 'MISSED'}  {event}", flush=True)
        if not ok:
            print(output[-2000:])
    print(f"{caught}/{len(wanted)} removed sites caught by the static coverage test")
    return 0 if caught == len(wanted) else 1


if __name__ == "__main__":
    sys.exit(main())

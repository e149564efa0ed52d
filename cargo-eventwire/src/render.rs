//! The report as a terminal table, as Markdown for a pull request, and as JSON.

use crate::report::{Report, Status};
use std::fmt::Write as _;

/// Colours for the table, only when writing to a terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    /// ANSI colours.
    On,
    /// Plain text.
    Off,
}

fn paint(text: &str, status: Status, colour: Colour) -> String {
    if colour == Colour::Off {
        return text.to_owned();
    }
    let code = match status {
        Status::Exercised => "32",
        Status::PartlyExercised | Status::WiredNotExercised => "33",
        Status::NoSite | Status::StaleExemption => "31",
        Status::Exempt => "2",
    };
    format!("\u{1b}[{code}m{text}\u{1b}[0m")
}

/// Fits in 100 columns: the event, its status, then one line per site.
pub fn table(report: &Report, colour: Colour) -> String {
    let mut out = format!("eventwire coverage: {}\n", report.summary);
    for enum_report in &report.enums {
        let _ = writeln!(out, "\n{}", enum_report.name);
        let width = enum_report
            .events
            .iter()
            .map(|e| e.variant.len())
            .max()
            .unwrap_or(0)
            + 2;
        let name_width = enum_report
            .events
            .iter()
            .map(|e| e.name.len())
            .max()
            .unwrap_or(0)
            + 2;
        for event in &enum_report.events {
            let mut status = event.status.label().to_owned();
            if let Some(why) = &event.exemption {
                let _ = write!(status, ": {why}");
            }
            let _ = writeln!(
                out,
                "  {:width$}{:name_width$}{}",
                event.variant,
                event.name,
                paint(&status, event.status, colour)
            );
            for site in &event.sites {
                let tests = if site.test_count > site.tests.len() {
                    format!(
                        "{} (+{} more)",
                        site.tests.join(", "),
                        site.test_count - site.tests.len()
                    )
                } else {
                    site.tests.join(", ")
                };
                let _ = writeln!(
                    out,
                    "      {} {}:{} on {}  ran {}x{}",
                    site.function,
                    site.file,
                    site.line,
                    site.phases.join("|"),
                    site.hits,
                    if tests.is_empty() {
                        String::new()
                    } else {
                        format!(" by {tests}")
                    }
                );
            }
            if let Some(function) = &event.duplicated_in {
                let _ = writeln!(
                    out,
                    "      note: every site of {} is in {function}",
                    event.variant
                );
            }
        }
    }
    if !report.unlinked.is_empty() {
        let _ = writeln!(
            out,
            "\nsites in the source that no test binary linked (add `use <crate> as _;` to a test, or test the crate that holds them):"
        );
        for site in &report.unlinked {
            let _ = writeln!(
                out,
                "  {}:{}  {} ({}!)",
                site.file, site.line, site.event, site.written_with
            );
        }
    }
    out
}

/// Markdown for a pull request description.
pub fn markdown(report: &Report) -> String {
    let mut out = format!("**eventwire coverage: {}**\n", report.summary);
    for enum_report in &report.enums {
        let _ = writeln!(out, "\n`{}`\n", enum_report.name);
        out.push_str("| event | status | sites (runs, tests) |\n| --- | --- | --- |\n");
        for event in &enum_report.events {
            let mut status = event.status.label().to_owned();
            if let Some(why) = &event.exemption {
                let _ = write!(status, ": {}", why.replace('|', "\\|"));
            }
            if let Some(function) = &event.duplicated_in {
                let _ = write!(status, " (all sites in `{function}`)");
            }
            let sites: Vec<String> = event
                .sites
                .iter()
                .map(|s| {
                    format!(
                        "`{}` {}:{} on {} ({}×, {} test{})",
                        s.function,
                        s.file,
                        s.line,
                        s.phases.join("\\|"),
                        s.hits,
                        s.test_count,
                        if s.test_count == 1 { "" } else { "s" }
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "| `{}` {} | {} | {} |",
                event.name,
                event.variant,
                status,
                if sites.is_empty() {
                    "—".to_owned()
                } else {
                    sites.join("<br>")
                }
            );
        }
    }
    if !report.unlinked.is_empty() {
        out.push_str("\nSites in the source that no test binary linked:\n\n");
        for site in &report.unlinked {
            let _ = writeln!(out, "- `{}` at {}:{}", site.event, site.file, site.line);
        }
    }
    out
}

/// The JSON form, pretty-printed.
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}

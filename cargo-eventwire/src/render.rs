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

/// The widest of `lengths`, plus two spaces.
fn column_width(lengths: impl Iterator<Item = usize>) -> usize {
    lengths.max().unwrap_or(0) + 2
}

/// Fits in 100 columns: the event, its status, then one line per site.
pub fn table(report: &Report, colour: Colour) -> String {
    let mut out = format!("eventwire coverage: {}\n", report.summary);
    for enum_report in &report.enums {
        let _ = writeln!(out, "\n{}", enum_report.name);
        let width = column_width(enum_report.events.iter().map(|e| e.variant.len()));
        let name_width = column_width(enum_report.events.iter().map(|e| e.name.len()));
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
                let head = format!(
                    "      {} {}:{} on {}  ran {}x",
                    site.function,
                    site.file,
                    site.line,
                    site.phases.join("|"),
                    site.hits
                );
                let tests = tests_that_fit(&head, &site.tests, site.test_count);
                let _ = writeln!(out, "{head}{tests}");
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

/// The table's width: lines are kept to it where the names allow.
pub const WIDTH: usize = 100;

/// ` by a, b (+2 more)`: as many test names as fit in [`WIDTH`] after `head`.
fn tests_that_fit(head: &str, tests: &[String], total: usize) -> String {
    for shown in (0..=tests.len()).rev() {
        let rest = total - shown;
        let mut text = String::new();
        if shown > 0 {
            text = format!(" by {}", tests[..shown].join(", "));
        }
        if rest > 0 {
            text.push_str(&if shown > 0 {
                format!(" (+{rest} more)")
            } else {
                format!(" by {rest} test{}", if rest == 1 { "" } else { "s" })
            });
        }
        if head.chars().count() + text.chars().count() <= WIDTH || shown == 0 {
            return text;
        }
    }
    String::new()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_names_are_cut_to_fit_the_width() {
        let head = "      ToolRuntime::execute src/tools.rs:99 on entry  ran 4x";
        let tests: Vec<String> = ["a_cancelled_tool_call", "a_failing_tool", "a_flaky_tool"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let text = tests_that_fit(head, &tests, 4);
        assert_eq!(text, " by a_cancelled_tool_call (+3 more)");
        assert!(head.len() + text.len() <= WIDTH);
        assert_eq!(
            tests_that_fit("x", &tests[..1], 1),
            " by a_cancelled_tool_call"
        );
        assert_eq!(tests_that_fit(&"x".repeat(99), &tests, 3), " by 3 tests");
    }
}

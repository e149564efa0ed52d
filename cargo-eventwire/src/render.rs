//! The report as a terminal table, as Markdown for a pull request, and as JSON.

use crate::report::{EventReport, Report, SiteReport, SiteStatus, Status};

/// Said first by a report of a run whose tests failed: what it counts ran,
/// but a test that ran a site may be one that failed.
const FAILED_RUN: &str = "TESTS FAILED in this run: a site counted as run may have been run by a failing test, and what the failures stopped never ran";
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
        Status::Exempt | Status::Waived | Status::OutsideRun => "2",
    };
    format!("\u{1b}[{code}m{text}\u{1b}[0m")
}

/// The widest of `lengths`, plus two spaces.
fn column_width(lengths: impl Iterator<Item = usize>) -> usize {
    lengths.max().unwrap_or(0) + 2
}

/// Text on one line: newlines and other control characters become spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The status words of an event, with the exemption's reason.
fn status_text(event: &EventReport) -> String {
    let mut status = event.status.label().to_owned();
    if let Some(why) = &event.exemption {
        let _ = write!(status, ": {}", one_line(why));
    }
    if event.status == Status::OutsideRun {
        let mut packages: Vec<&str> = event
            .outside
            .iter()
            .filter_map(|s| s.package.as_deref())
            .collect();
        packages.dedup();
        if !packages.is_empty() {
            let _ = write!(status, " ({})", packages.join(", "));
        }
    }
    status
}

/// ` ran 3x by a, b and an unknown test`, cut to fit.
fn ran_by(head: &str, site: &SiteReport) -> String {
    let mut text = format!("  ran {}x", site.hits);
    if site.hits > 0 {
        text.push_str(&tests_that_fit(
            &format!("{head}{text}"),
            &site.tests,
            site.test_count,
            site.unknown_tests,
        ));
    }
    match (&site.status, &site.waiver) {
        (SiteStatus::Waived, Some(why)) => {
            let _ = write!(text, "  waived: {}", one_line(why));
        }
        (SiteStatus::StaleWaiver, Some(why)) => {
            let _ = write!(text, "  STALE WAIVER (a test ran it): {}", one_line(why));
        }
        (SiteStatus::PartlyRan, _) => {
            let _ = write!(text, "  NEVER ON {}", site.never_ran_on.join("|"));
        }
        _ => {}
    }
    if !site.registered {
        text = match (&site.status, &site.waiver) {
            (SiteStatus::Waived, Some(why)) => {
                format!(" registered by no test process; waived: {}", one_line(why))
            }
            _ => " registered by no test process".to_owned(),
        };
    }
    text
}

fn site_head(site: &SiteReport) -> String {
    let ordinal = if site.ordinal > 0 {
        format!(" #{}", site.ordinal)
    } else {
        String::new()
    };
    let phases = if site.phases.is_empty() {
        String::new()
    } else {
        format!(" on {}", site.phases.join("|"))
    };
    format!(
        "{} {}:{}{ordinal}{phases}",
        site.function, site.file, site.line
    )
}

/// Fits in 100 columns where names allow: the event, its status, then one
/// line per site.
pub fn table(report: &Report, colour: Colour) -> String {
    let mut out = format!("eventwire coverage: {}\n", report.summary);
    if report.tests_failed {
        out.push_str(FAILED_RUN);
        out.push('\n');
    }
    for enum_report in &report.enums {
        let _ = writeln!(out, "\n{}", enum_report.name);
        let width = column_width(enum_report.events.iter().map(|e| e.variant.len()));
        let name_width = column_width(enum_report.events.iter().map(|e| e.name.len()));
        for event in &enum_report.events {
            let _ = writeln!(
                out,
                "  {:width$}{:name_width$}{}",
                event.variant,
                event.name,
                paint(&status_text(event), event.status, colour)
            );
            for site in &event.sites {
                let head = format!("      {}", site_head(site));
                let _ = writeln!(out, "{head}{}", ran_by(&head, site));
            }
            for site in &event.outside {
                let _ = writeln!(
                    out,
                    "      {}  (in {}, not tested by this run)",
                    site_head(site),
                    site.package.as_deref().unwrap_or("another crate")
                );
            }
            for site in &event.test_sites {
                let head = format!("      {}", site_head(site));
                let _ = writeln!(out, "{head}  in test code, not counted");
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
            "\nsites in the source that no test process registered (test the code that holds them, add `eventwire::coverage_test!` to its crate's tests, or link its crate into a test with `use <crate> as _;`):"
        );
        for site in &report.unlinked {
            let _ = writeln!(
                out,
                "  {}:{}  {} ({}!)",
                site.file, site.line, site.event, site.written_with
            );
        }
    }
    if !report.skipped.is_empty() {
        let _ = writeln!(out, "\nnot read as sites:");
        for skip in &report.skipped {
            let _ = writeln!(
                out,
                "  {}:{}  {}: {}",
                skip.file,
                skip.line,
                skip.what,
                one_line(&skip.reason)
            );
        }
    }
    if !report.test_only_enums.is_empty() {
        let _ = writeln!(
            out,
            "\nenums declared in test code (never required to have sites): {}",
            report.test_only_enums.join(", ")
        );
    }
    out
}

/// The table's width: lines are kept to it where the names allow.
pub const WIDTH: usize = 100;

/// ` by a, b (+2 more)`: as many test names as fit in [`WIDTH`] after
/// `head`; ` and an unknown test` when code outside any known test ran it.
fn tests_that_fit(head: &str, tests: &[String], total: usize, unknown: bool) -> String {
    let unknown_text = match (total, unknown) {
        (0, true) => " by an unknown test",
        (_, true) => " and an unknown test",
        _ => "",
    };
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
        text.push_str(unknown_text);
        if head.chars().count() + text.chars().count() <= WIDTH || shown == 0 {
            return text;
        }
    }
    String::new()
}

/// Text safe inside a Markdown table cell: one line, `|` escaped.
fn cell(text: &str) -> String {
    one_line(text).replace('\\', "\\\\").replace('|', "\\|")
}

/// Markdown for a pull request description.
pub fn markdown(report: &Report) -> String {
    let mut out = format!("**eventwire coverage: {}**\n", report.summary);
    if report.tests_failed {
        let _ = writeln!(out, "\n**{FAILED_RUN}**");
    }
    for enum_report in &report.enums {
        let _ = writeln!(out, "\n`{}`\n", enum_report.name);
        out.push_str("| event | status | sites (runs, tests) |\n| --- | --- | --- |\n");
        for event in &enum_report.events {
            let mut status = cell(&status_text(event));
            if let Some(function) = &event.duplicated_in {
                let _ = write!(status, " (all sites in `{function}`)");
            }
            let mut sites: Vec<String> = event
                .sites
                .iter()
                .map(|s| {
                    let mut text = format!(
                        "`{}` {}:{}{} ({}×, {} test{}{})",
                        s.function,
                        s.file,
                        s.line,
                        if s.phases.is_empty() {
                            String::new()
                        } else {
                            format!(" on {}", s.phases.join("\\|"))
                        },
                        s.hits,
                        s.test_count,
                        if s.test_count == 1 { "" } else { "s" },
                        if s.unknown_tests {
                            " and an unknown test"
                        } else {
                            ""
                        },
                    );
                    if let Some(why) = &s.waiver {
                        let label = if s.status == SiteStatus::StaleWaiver {
                            "stale waiver"
                        } else {
                            "waived"
                        };
                        let _ = write!(text, " {label}: {}", cell(why));
                    }
                    if s.status == SiteStatus::PartlyRan {
                        let _ = write!(text, " never on {}", s.never_ran_on.join("\\|"));
                    }
                    if !s.registered {
                        text.push_str(" registered by no test process");
                    }
                    text
                })
                .collect();
            sites.extend(event.test_sites.iter().map(|s| {
                format!(
                    "`{}` {}:{} in test code, not counted",
                    s.function, s.file, s.line
                )
            }));
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
        out.push_str("\nSites in the source that no test process registered:\n\n");
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
        let text = tests_that_fit(head, &tests, 4, false);
        assert_eq!(text, " by a_cancelled_tool_call (+3 more)");
        assert!(head.len() + text.len() <= WIDTH);
        assert_eq!(
            tests_that_fit("x", &tests[..1], 1, false),
            " by a_cancelled_tool_call"
        );
        assert_eq!(
            tests_that_fit(&"x".repeat(99), &tests, 3, false),
            " by 3 tests"
        );
        assert_eq!(
            tests_that_fit("x", &tests[..1], 1, true),
            " by a_cancelled_tool_call and an unknown test"
        );
        assert_eq!(tests_that_fit("x", &[], 0, true), " by an unknown test");
    }

    #[test]
    fn markdown_cells_hold_any_reason() {
        assert_eq!(
            cell("sent by\nthe | warehouse"),
            "sent by the \\| warehouse"
        );
        assert_eq!(one_line("a\r\nb\tc"), "a  b c");
    }
}

//! The agent platform, driven through a scenario that uses every service on
//! its success and failure paths. Prints the event stream, writes the JSON
//! Lines audit file, prints the buses' statistics, and ends with the
//! coverage table.
//!
//! ```text
//! cargo run -p agent-services            # readable event stream
//! cargo run -p agent-services -- --json  # one JSON object per event
//! ```

use agent_services::actors::Step;
use agent_services::decisions::Verdict;
use agent_services::invariants::Record;
use agent_services::plans::PlanState;
use agent_services::tools::{broken_tool, flaky_tool, slow_tool, ToolRequest};
use agent_services::{EventType, Platform};
use eventwire::buses::{BackgroundBus, Broadcast, JsonLinesSink, SyncBus};
use eventwire::{Event, SharedBus};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

struct Options {
    json: bool,
    audit: PathBuf,
    /// Also publish every event to NATS at this URL, as CloudEvents.
    nats: Option<String>,
    /// In binary mode rather than structured.
    binary: bool,
    /// Keep plans in this SQLite file, `plan.applied` through the outbox.
    sqlite: Option<PathBuf>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        json: false,
        audit: std::env::temp_dir().join("agent-services-audit.jsonl"),
        nats: None,
        binary: false,
        sqlite: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => options.json = true,
            "--audit" => options.audit = args.next().ok_or("--audit needs a path")?.into(),
            "--nats" => options.nats = Some(args.next().ok_or("--nats needs a URL")?),
            "--binary" => options.binary = true,
            "--sqlite" => options.sqlite = Some(args.next().ok_or("--sqlite needs a path")?.into()),
            "--help" | "-h" => {
                return Err(
                    "usage: agent-services [--json] [--audit PATH] [--nats URL [--binary]] [--sqlite PATH]\n  \
                     --nats URL     also publish every event to NATS as a CloudEvent (subjects events.<name>)\n  \
                     --binary       CloudEvents binary mode (ce- headers) instead of structured\n  \
                     --sqlite PATH  keep plans in this SQLite file: `plan.applied` goes through the outbox"
                        .to_owned(),
                );
            }
            other => return Err(format!("unknown option `{other}`; see --help")),
        }
    }
    Ok(options)
}

/// How an event is shown: its dotted name, where it came from, its fields.
fn show(event: &Event<EventType>, colour: bool) -> String {
    let paint = |code: &str, text: &str| {
        if colour {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_owned()
        }
    };
    let failed = event.error.is_some() || event.phase == eventwire::Phase::Cancel;
    let name = paint(
        if failed { "31" } else { "36" },
        &format!("{:<24}", event.name()),
    );
    let fields: Vec<String> = event
        .fields
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let mut line = format!(
        "{name} {} {:<34} {}",
        paint("2", &format!("{:<6}", event.phase)),
        event.site.function,
        fields.join(" ")
    );
    if let Some(error) = &event.error {
        line.push_str(&paint("31", &format!("  error: {error}")));
    }
    line
}

fn main() -> std::process::ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return std::process::ExitCode::from(2);
        }
    };
    let _ = std::fs::remove_file(&options.audit);
    let audit_sink = match JsonLinesSink::append(&options.audit) {
        Ok(sink) => sink,
        Err(error) => {
            eprintln!(
                "cannot write the audit file {}: {error}",
                options.audit.display()
            );
            return std::process::ExitCode::from(1);
        }
    };

    let printer = Arc::new(SyncBus::<EventType>::new());
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let json = options.json;
    printer.subscribe(move |event| {
        if json {
            println!("{}", serde_json::to_string(event).unwrap_or_default());
        } else {
            println!("  {}", show(event, colour));
        }
    });
    let audit = BackgroundBus::builder().capacity(1024).build(audit_sink);
    #[allow(unused_mut)] // pushed to with the `nats` feature
    let mut buses = vec![Arc::clone(&printer) as SharedBus<EventType>, audit.shared()];
    #[cfg(not(feature = "nats"))]
    if options.nats.is_some() {
        eprintln!("--nats: agent-services was built without its `nats` feature");
        return std::process::ExitCode::from(2);
    }
    #[cfg(feature = "nats")]
    let nats = match &options.nats {
        Some(url) => match nats::connect(url, options.binary) {
            Ok(nats) => {
                buses.push(nats.bus.shared());
                Some(nats)
            }
            Err(message) => {
                eprintln!("{message}");
                return std::process::ExitCode::from(1);
            }
        },
        None => None,
    };
    let bus: SharedBus<EventType> = Broadcast::new(buses).shared();
    #[cfg(feature = "persistence")]
    let relay_bus = Arc::clone(&bus);
    #[cfg(not(feature = "persistence"))]
    if options.sqlite.is_some() {
        eprintln!("--sqlite: agent-services was built without its `persistence` feature");
        return std::process::ExitCode::from(2);
    }

    let mut platform = Platform::new(Some(bus));
    let say = |text: &str| {
        if !json {
            println!("\n{text}");
        }
    };

    say("a session opens and a plan is made, validated, decided and applied");
    let session = platform.sessions.create("ada");
    let _ = platform
        .sessions
        .send(session, "please rebuild the search index");
    let plan = platform.plans.create("rebuild the search index");
    let _ = platform.plans.transition(plan, PlanState::Proposed);
    let _ = platform
        .validation
        .validate(&["snapshot the index", "rebuild on staging"]);
    let first = platform.decisions.record(plan, "rebuild in place");
    let _ = platform
        .decisions
        .review(first, Verdict::Correct("rebuild into a new index".into()));
    let second = platform
        .decisions
        .record(plan, "switch the alias after the rebuild");
    let _ = platform.decisions.review(second, Verdict::Approve);
    let third = platform
        .decisions
        .record(plan, "keep the old index for a day");
    let _ = platform.decisions.review(third, Verdict::Approve);
    let _ = platform.plans.transition(plan, PlanState::Approved);
    let _ = platform.plans.apply(plan);

    say("a second plan fails validation, is refused a transition, and is cancelled");
    let risky = platform.plans.create("drop the old tables");
    let _ = platform.validation.validate(&["", "drop tables on prod"]);
    let _ = platform.plans.apply(risky);
    let _ = platform.plans.cancel(risky);

    say("resources are registered, indexed, and a context is built and queried");
    platform
        .resources
        .register("repo://README.md", "how to rebuild the search index");
    platform
        .resources
        .register("repo://src/search.rs", "fn rebuild() {} // index");
    platform.resources.register("repo://logo.png", "binary");
    let _ = platform.resources.read("repo://README.md");
    let _ = platform.indexer.index(&platform.resources);
    let context = platform
        .context_pipeline
        .build("rebuild search index", &platform.indexer);
    let _ = platform.context.query(&context, "README");

    say("invariants are checked on a batch of records");
    platform
        .invariants
        .register("amount is not negative", |r| r.amount >= 0);
    platform
        .invariants
        .register("owner is named", |r| !r.owner.is_empty());
    let _ = platform.invariants.reconcile(&[
        Record {
            id: 1,
            amount: 10,
            owner: "ada".into(),
        },
        Record {
            id: 2,
            amount: -5,
            owner: String::new(),
        },
    ]);

    say("changes are tried in sandboxes, committed or rolled back, around a checkpoint");
    let checkpoint = platform.checkpoints.checkpoint();
    let good = platform.checkpoints.create_sandbox();
    if let Ok(lines) = platform.checkpoints.sandbox(good) {
        lines.push("create index v2".into());
    }
    let _ = platform.checkpoints.commit(good);
    let bad = platform.checkpoints.create_sandbox();
    let _ = platform.checkpoints.roll_back(bad);
    let _ = platform.checkpoints.restore(checkpoint);

    say("tools run: one retried, one failing, one cancelled by a timeout");
    platform.tools.register("fetch", flaky_tool(2, "fetch"));
    platform
        .tools
        .register("rm", broken_tool("permission denied"));
    platform
        .tools
        .register("crawl", slow_tool(Duration::from_secs(30)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build();
    if let Ok(runtime) = runtime {
        runtime.block_on(async {
            let request = |name: &str| ToolRequest {
                name: name.into(),
                input: "repo://README.md".into(),
            };
            let _ = platform.tools.execute(request("fetch")).await;
            let _ = platform.tools.execute(request("rm")).await;
            let _ = tokio::time::timeout(
                Duration::from_millis(20),
                platform.tools.execute(request("crawl")),
            )
            .await;
        });
    }

    say("actors work towards goals: one completes, one fails, one escalates");
    let _ = platform.actors.run(
        "summarise the index",
        |seen| {
            if seen.is_empty() {
                Step::Call("fetch".into(), "index".into())
            } else {
                Step::Done("ok".into())
            }
        },
        |_, input| Ok(format!("read {input}")),
    );
    let _ = platform.actors.run(
        "clean up",
        |_| Step::Call("rm".into(), "/tmp".into()),
        |_, _| Err("permission denied".into()),
    );
    let _ = platform.actors.run(
        "find the flaky test",
        |_| Step::Call("grep".into(), "flaky".into()),
        |_, _| Ok("nothing yet".into()),
    );

    #[cfg(feature = "persistence")]
    if let Some(path) = &options.sqlite {
        say("plans kept in SQLite: one apply commits, one rolls back; the outbox relays what committed");
        match persisted(path, relay_bus) {
            Ok(report) => say(&report),
            Err(error) => {
                eprintln!("--sqlite {}: {error}", path.display());
                return std::process::ExitCode::from(1);
            }
        }
    }

    say("the session closes");
    let _ = platform.sessions.close(session);

    #[cfg(feature = "nats")]
    if let Some(nats) = nats {
        match nats.finish() {
            Ok(report) => eprintln!("{report}"),
            Err(message) => {
                eprintln!("{message}");
                return std::process::ExitCode::from(1);
            }
        }
    }
    let flushed = audit.shutdown(Duration::from_secs(5));
    if json {
        return std::process::ExitCode::SUCCESS;
    }
    let queue = audit.stats();
    let fanout = printer.stats();
    let emission = eventwire::stats();
    println!(
        "\naudit trail: {} ({} events)",
        options.audit.display(),
        queue.delivered
    );
    if let Err(error) = flushed {
        println!("  not all of it was written: {error}");
    }
    println!(
        "bus statistics:\n  printer (SyncBus):     published {}, delivered {}, panicked {}\n  audit (BackgroundBus): published {}, delivered {}, dropped {}, failed {}, queued {}\n  emission:              published {}, bus errors {}, bus panics {}",
        fanout.published,
        fanout.delivered,
        fanout.panicked,
        queue.published,
        queue.delivered,
        queue.dropped,
        queue.failed,
        queue.queued,
        emission.published,
        emission.errors,
        emission.panics
    );
    println!("\ncoverage:\n{}", eventwire::coverage::<EventType>());
    std::process::ExitCode::SUCCESS
}

/// `--sqlite PATH`: two plans applied in transactions, one committed and
/// one rolled back; the outbox's relay publishes what committed to `bus`.
#[cfg(feature = "persistence")]
fn persisted(
    path: &std::path::Path,
    bus: SharedBus<EventType>,
) -> Result<String, Box<dyn std::error::Error>> {
    use agent_services::persistence::{apply, PlanStore};
    use eventwire_outbox::{BusTarget, RelayConfig, Retention};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = PlanStore::open(path).await?;
        let kept = store.add_approved("rebuild the search index").await?;
        let undone = store.add_approved("drop the old index").await?;
        let mut tx = store.begin().await?;
        apply(&mut tx, kept).await?;
        tx.commit().await?;
        let mut tx = store.begin().await?;
        apply(&mut tx, undone).await?;
        tx.rollback().await?;
        let relay = store.outbox().relay(BusTarget(bus), RelayConfig::default());
        while relay.relay_once().await? > 0 {}
        // The next run need not wait for this relay's lease to expire.
        relay.release().await?;
        // `Relay::run` purges as it goes; a relay driven by hand purges here.
        store.outbox().purge(Retention::default()).await?;
        let stats = store.outbox().stats().await?;
        Ok(format!(
            "outbox ({}): {} written, {} rolled back, {} relayed, {} unsent",
            path.display(),
            stats.written,
            stats.rolled_back,
            stats.relayed,
            stats.unsent
        ))
    })
}

/// `--nats URL`: every event also goes to NATS as a CloudEvent.
#[cfg(feature = "nats")]
mod nats {
    use agent_services::EventType;
    use eventwire::buses::TokioBus;
    use eventwire::cloudevents::CloudEvents;
    use eventwire_nats::{Config, Format};
    use std::time::Duration;

    /// The NATS bus and the runtime its task runs on.
    pub(crate) struct Nats {
        pub(crate) bus: TokioBus<EventType>,
        runtime: tokio::runtime::Runtime,
        url: String,
        mode: &'static str,
    }

    pub(crate) fn connect(url: &str, binary: bool) -> Result<Nats, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the NATS runtime: {e}"))?;
        let cloudevents = CloudEvents::new("/agent-services")
            .and_then(|c| c.with_type_prefix("com.example.agents"))
            .map_err(|e| e.to_string())?;
        let (format, mode) = if binary {
            (Format::CloudEventsBinary(cloudevents), "binary")
        } else {
            (Format::CloudEventsStructured(cloudevents), "structured")
        };
        let config = Config {
            format,
            ..Config::default()
        };
        let bus = runtime
            .block_on(eventwire_nats::connect(url, config))
            .map_err(|e| format!("cannot publish to NATS at {url}: {e}"))?;
        Ok(Nats {
            bus,
            runtime,
            url: url.to_owned(),
            mode,
        })
    }

    impl Nats {
        /// Sends what is queued, and says what was sent.
        pub(crate) fn finish(self) -> Result<String, String> {
            let shutdown = self
                .runtime
                .block_on(self.bus.shutdown(Duration::from_secs(10)));
            let stats = self.bus.stats();
            shutdown.map_err(|e| format!("NATS at {}: {e}", self.url))?;
            Ok(format!(
                "NATS: {} events sent to {} as CloudEvents ({} mode), {} dropped, {} failed",
                stats.delivered, self.url, self.mode, stats.dropped, stats.failed
            ))
        }
    }
}

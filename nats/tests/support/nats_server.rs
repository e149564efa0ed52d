//! A `nats-server` with JetStream for tests, started on a free port with a
//! store of its own and stopped by process id; shared by the tests of
//! `eventwire-nats` and `eventwire-outbox` (`#[path]`).

#![allow(dead_code)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `nats-server` with JetStream on a free port, with a store of its own.
pub struct Server {
    pub port: u16,
    store: PathBuf,
    /// A configuration file of settings the command line has no flag for.
    config: Option<PathBuf>,
    child: Option<Child>,
}

impl Server {
    pub fn start(store: &Path) -> Server {
        Server::start_with(store, None)
    }

    /// A server with `settings` (lines of a `nats-server` configuration
    /// file, e.g. `max_payload: 8MB`), kept across restarts.
    pub fn start_with(store: &Path, settings: Option<&str>) -> Server {
        let config = settings.map(|settings| {
            let path = store.join("nats-server.conf");
            std::fs::write(&path, settings).expect("the server's configuration is written");
            path
        });
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut server = Server {
            port,
            store: store.to_path_buf(),
            config,
            child: None,
        };
        server.restart();
        server
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn restart(&mut self) {
        let mut command = Command::new("nats-server");
        if let Some(config) = &self.config {
            command.arg("-c").arg(config);
        }
        let child = command
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(&self.store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not come up");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

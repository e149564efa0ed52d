//! Resources an actor can read, and the indexer that indexes a repository.

use crate::EventType;
use eventwire::{emit, emits, HasBus, SharedBus};
use std::collections::BTreeMap;
use std::fmt;

/// A resource that does not exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotFound(pub String);

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no resource at {}", self.0)
    }
}

impl std::error::Error for NotFound {}

/// Holds resources by URI.
#[derive(Debug, Default, HasBus)]
pub struct ResourceHandler {
    bus: Option<SharedBus<EventType>>,
    resources: BTreeMap<String, String>,
}

impl ResourceHandler {
    /// A handler publishing to `bus`.
    pub fn new(bus: Option<SharedBus<EventType>>) -> Self {
        ResourceHandler {
            bus,
            resources: BTreeMap::new(),
        }
    }

    /// Adds a resource.
    #[emits(ResourceRegistered, fields(uri = %uri))]
    pub fn register(&mut self, uri: &str, content: &str) {
        self.resources.insert(uri.to_owned(), content.to_owned());
    }

    /// Reads a resource.
    ///
    /// # Errors
    ///
    /// No resource at `uri`.
    #[emits(ResourceAccessed, fields(uri = %uri))]
    pub fn read(&self, uri: &str) -> Result<&str, NotFound> {
        self.resources
            .get(uri)
            .map(String::as_str)
            .ok_or_else(|| NotFound(uri.to_owned()))
    }

    /// Every URI, in order.
    pub fn uris(&self) -> Vec<String> {
        self.resources.keys().cloned().collect()
    }
}

/// Indexes the words of a repository's resources.
#[derive(Debug, Default, HasBus)]
pub struct RepositoryIndexer {
    bus: Option<SharedBus<EventType>>,
    index: BTreeMap<String, Vec<String>>,
}

impl RepositoryIndexer {
    /// An indexer publishing to `bus`.
    pub fn new(bus: Option<SharedBus<EventType>>) -> Self {
        RepositoryIndexer {
            bus,
            index: BTreeMap::new(),
        }
    }

    /// Indexes every resource of `handler` with a `.md` or `.rs` URI; returns how many.
    #[emits(ResourceIndexed)]
    pub fn index(&mut self, handler: &ResourceHandler) -> usize {
        let mut indexed = 0;
        for uri in handler.uris() {
            if !(uri.ends_with(".md") || uri.ends_with(".rs")) {
                continue;
            }
            let Ok(content) = handler.read(&uri) else {
                continue;
            };
            let words: Vec<String> = content.split_whitespace().map(str::to_lowercase).collect();
            for word in &words {
                self.index
                    .entry(word.clone())
                    .or_default()
                    .push(uri.clone());
            }
            emit!(ResourceIndexed, uri = %uri, words = words.len());
            indexed += 1;
        }
        indexed
    }

    /// The URIs that contain `word`.
    pub fn lookup(&self, word: &str) -> &[String] {
        self.index
            .get(&word.to_lowercase())
            .map_or(&[], Vec::as_slice)
    }
}

//! `tests/tests/async_fns.rs` of the 2021 crate, compiled under edition 2024.

// As a module rather than a crate root, clippy also names its enum's variants.
#[allow(clippy::enum_variant_names)]
#[path = "../../tests/async_fns.rs"]
mod async_fns;

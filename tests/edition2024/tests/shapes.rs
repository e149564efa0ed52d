//! `tests/tests/shapes.rs` of the 2021 crate, compiled under edition 2024.

// As a module rather than a crate root, clippy also names its enum's variants.
#[allow(clippy::enum_variant_names)]
#[path = "../../tests/shapes.rs"]
mod shapes;

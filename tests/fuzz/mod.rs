//! The fuzzing harness shared by `tests/fuzz_smoke.rs` (a bounded run in
//! every `cargo test`) and `tests/fuzz_long.rs` (the long campaign, on
//! request): case generation, the driver that checks every step, and the
//! seed corpus with its minimiser. See `docs/fuzzing.md`.
#![allow(dead_code)]

pub mod driver;
pub mod gen;
pub mod seeds;

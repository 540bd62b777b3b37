//! Shared pieces of the load tools (`sync_bench`, `ping_bench`): a release airgate started
//! against the test stack, a device without per-response validation, the seeding and message
//! generator of `sync_bench`, a minimal HTTP/1.1 connection and `/proc` readings.
//!
//! See tests/bench/README.md.

pub mod airgate;
pub mod direct;
pub mod http1;
pub mod mailgen;
pub mod procfs;
pub mod seed;

//! The process around a tool: what runs before its `main` and after it (`entry.rs`), how the
//! C allocator gives memory back (`heap.rs`), and the one C maths function the binaries would
//! otherwise load a library for (`libm.rs`).
//!
//! A one-shot publish is over in a few milliseconds, and most of them are the process
//! starting: the loader mapping libraries, the runtime's set-up. What is here, with the
//! root `build.rs`, keeps that start to what the tools use. `tests/startup.rs` checks it.

pub mod entry;
pub mod heap;
pub mod libm;

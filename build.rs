//! How the two binaries are linked: on glibc, with GCC's unwinder inside them instead of
//! `libgcc_s.so.1`.
//!
//! Every shared library the loader maps costs each start: on a one-shot publish, which is
//! over in a few milliseconds, `libgcc_s.so.1` alone took about 0.24 ms (of 2.5). Rust's
//! standard library asks for it by name, for the unwinder its panics and backtraces use.
//! Naming GCC's static copy of the same unwinder (`libgcc_eh.a`, which `-static-libgcc`
//! links in C programs, and Rust itself links for `+crt-static` builds) here puts it first on
//! the link line, so nothing is left for `libgcc_s` to provide and `--as-needed` drops it.
//! `tests/startup.rs` checks which libraries the binaries load.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let glibc = var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu";
    // A static build (`-C target-feature=+crt-static`) links the unwinder statically already.
    let static_crt = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|feature| feature == "crt-static");
    if glibc && !static_crt {
        println!("cargo:rustc-link-lib=static:-bundle=gcc_eh");
    }
}

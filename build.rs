//! How the two binaries are linked: on glibc, with GCC's unwinder inside them instead of
//! `libgcc_s.so.1`; and, where the linker is rustc's own lld, with the functions their common
//! paths run placed side by side.
//!
//! Every shared library the loader maps costs each start: on a one-shot publish, which is
//! over in a few milliseconds, `libgcc_s.so.1` alone took about 0.24 ms (of 2.5). Rust's
//! standard library asks for it by name, for the unwinder its panics and backtraces use.
//! Naming GCC's static copy of the same unwinder (`libgcc_eh.a`, which `-static-libgcc`
//! links in C programs, and Rust itself links for `+crt-static` builds) here puts it first on
//! the link line, so nothing is left for `libgcc_s` to provide and `--as-needed` drops it.
//! `tests/startup.rs` checks which libraries the binaries load.
//!
//! The kernel maps a binary's code a 64 KiB window at a time, on the first touch of each, and
//! a one-shot publish runs about 700 KB of code spread over most of the 3.7 MB: gathering it
//! (the lists in `crates/link-order/`, which its `generate` writes) saved 24-29 page faults,
//! about a twelfth of a one-shot publish (crates/README.md: Benchmark). Only lld reads such a list, and rustc links with its
//! own lld from 1.90 on x86_64 Linux, unless told to use another linker; a release build alone
//! has the names the lists hold. `RPUBSUB_LINK_ORDER=0` builds without them.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    link_order(&var);
    let glibc = var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu";
    // A static build (`-C target-feature=+crt-static`) links the unwinder statically already.
    let static_crt = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|feature| feature == "crt-static");
    if glibc && !static_crt {
        println!("cargo:rustc-link-lib=static:-bundle=gcc_eh");
    }
}

/// The lists of functions to place first, for lld, when rustc links with its own.
fn link_order(var: &dyn Fn(&str) -> String) {
    println!("cargo:rerun-if-env-changed=RPUBSUB_LINK_ORDER");
    let rustflags = var("CARGO_ENCODED_RUSTFLAGS");
    // Another linker named: in the rustc flags, or in cargo's `target.<triple>.linker`.
    let other_linker = rustflags.split('\x1f').any(|flag| {
        flag.contains("linker=") || flag.contains("linker-flavor") || flag.contains("-lld")
    }) || !var("RUSTC_LINKER").is_empty();
    let wanted = var("RPUBSUB_LINK_ORDER") != "0"
        && var("PROFILE") == "release"
        && var("TARGET") == "x86_64-unknown-linux-gnu"
        && !other_linker
        && rustc_links_with_lld(&var("RUSTC"));
    if !wanted {
        return;
    }
    let dir = std::path::Path::new(&var("CARGO_MANIFEST_DIR")).join("crates/link-order");
    for tool in ["rpub", "rsub"] {
        let list = dir.join(format!("{tool}.order"));
        println!("cargo:rerun-if-changed={}", list.display());
        if !list.exists() {
            continue;
        }
        // A name the list holds that this build lacks is skipped: that costs speed, not
        // correctness, and `crates/link-order/generate --check` finds it.
        println!(
            "cargo:rustc-link-arg-bin={tool}=-Wl,--symbol-ordering-file={},--no-warn-symbol-ordering",
            list.display()
        );
    }
}

/// Whether `rustc` is 1.90 or later: from then on it links x86_64 Linux binaries with its own
/// lld by default.
fn rustc_links_with_lld(rustc: &str) -> bool {
    let Ok(out) = std::process::Command::new(rustc).arg("-vV").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let release = text.lines().find_map(|line| line.strip_prefix("release: "));
    let mut parts = release.unwrap_or("").split(['.', '-']);
    let major = parts.next().and_then(|n| n.parse::<u32>().ok());
    let minor = parts.next().and_then(|n| n.parse::<u32>().ok());
    matches!((major, minor), (Some(1), Some(m)) if m >= 90) || matches!(major, Some(n) if n > 1)
}

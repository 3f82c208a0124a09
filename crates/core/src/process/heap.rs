//! How the C allocator hands freed memory back to the kernel: late enough that a steady flow
//! of large messages reuses the same pages instead of faulting fresh ones in for each.
//!
//! Every received PUBLISH is read into a buffer of its own size (its payload leaves the read
//! buffer without a copy, so the next packet needs new room), and freed once it is printed.
//! With glibc's defaults a free at the top of the heap gives the pages back as soon as more
//! than 128 KiB is free there, and the next message takes them again: rsub receiving 64 KiB
//! messages faulted in about two pages per message more than mosquitto_sub (7,000 minor
//! faults against 280 for 3,125 messages) and spent half again its CPU. glibc raises the
//! threshold by itself only after it has handed out and freed a chunk by `mmap`, which
//! payloads below 128 KiB never are.
//!
//! So both thresholds are set once, at start: chunks up to [`MMAP_THRESHOLD`] come from the
//! heap (a 1 MiB payload is not mapped and unmapped for each message either), and up to
//! [`TRIM_THRESHOLD`] of free memory stays at its top. That bounds what an idle tool keeps
//! after a burst; what it keeps is pages it already had at the burst's peak, so the peak RSS
//! is unchanged. Other C libraries (musl) keep their own policy.
//!
//! Fast bins are turned off (`M_MXFAST` 0): the per-thread cache already serves the small
//! chunks a message takes and gives back, and with fast bins every larger request first
//! sweeps them back into the heap. A bulk publish makes such a request for each block of
//! its event queue (511 times in 20,000 QoS 0 messages); without the sweeps the allocator
//! ran a fifth fewer instructions (7.0 million instead of 9.0), the publish 3 % fewer.

/// Allocations this large and larger are mapped on their own and unmapped when freed.
pub const MMAP_THRESHOLD: usize = 4 << 20;

/// Free memory at the top of the heap beyond this is given back to the kernel.
pub const TRIM_THRESHOLD: usize = 8 << 20;

/// Sets glibc's thresholds and turns its fast bins off; does nothing elsewhere. Call before
/// the first thread exists (mallopt is not synchronised with other threads' allocations in
/// every glibc).
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt with documented parameters and in-range values; it only changes
        // the allocator's tunables. A refusal (return 0) leaves the defaults, which work.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD as libc::c_int);
            libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD as libc::c_int);
            libc::mallopt(libc::M_MXFAST, 0);
        }
    }
}

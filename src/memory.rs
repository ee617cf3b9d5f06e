//! What the process asks of glibc's allocator, so that memory freed after a peak (start-up, a
//! bulk save, an export) goes back to the system instead of staying in the resident set.
//!
//! Why glibc with these few settings rather than a global allocator crate: measured with
//! `bench/run.sh` on SQLite (bench/RESULTS.md, ninth session), against the bars of an idle
//! server within 30 MiB and a 1,000,000-answer export within 64 MiB, mimalloc 0.1 with its
//! defaults held 60 MiB idle and peaked at 287 MiB; jemalloc (tikv-jemallocator 0.6, two
//! arenas, no decay) 26.7 MiB idle but 71 MiB at the export's peak, and without its thread
//! caches 67 MiB at a third less throughput. These two calls hold 24.6 MiB and 62.7 MiB.

/// Sets the allocator up; call first thing in `main`, before any other thread exists.
///
/// glibc gives each thread that allocates its own arena and seldom returns their memory: the
/// blocking pool's threads would each keep an export batch's or a bulk save's worth. Two arenas
/// keep the process small at a negligible cost in contention. Fixed mmap and trim thresholds
/// stop glibc from raising them after the first large free (its default), which would leave
/// every later large buffer on the heap for good.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn configure() {
    // SAFETY: mallopt only sets parameters of the allocator; it runs before any other thread.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1024 * 1024);
    }
}

/// Returns the free pages of every arena to the system, after work that peaked (start-up, an
/// export). Costs a walk of the heap: not for every request.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_free() {
    // SAFETY: malloc_trim is thread-safe and only releases memory that is already free.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Releases free memory a second after start (the workers build their apps by then), then
/// every `every`: glibc keeps what a burst freed in the middle of its heaps, where no
/// threshold returns it; this is the decay other allocators do on their own. Runs on the
/// caller's runtime, never on a worker serving requests.
pub async fn release_periodically(every: std::time::Duration) {
    actix_web::rt::time::sleep(std::time::Duration::from_secs(1)).await;
    let mut tick = actix_web::rt::time::interval(every);
    loop {
        tick.tick().await;
        release_free();
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn configure() {}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free() {}

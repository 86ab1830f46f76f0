//! Background threads yield the CPU to the JavaScript thread: on a busy machine (two cores, the
//! work and its helper threads all runnable) the event loop then still runs when its timers are due.

/// Nice 10 for the calling thread (Linux keeps the nice value per thread; threads it starts
/// inherit it). Best effort: where it is refused, the work runs at normal priority.
pub fn lower_priority() {
    set_nice(10);
}

/// Nice 19, for work nothing waits on (the remote tier's uploader thread, which reads and hashes
/// what it sends): it takes a CPU only when the writers and readers of the process have one.
pub fn lowest_priority() {
    set_nice(19);
}

fn set_nice(nice: i32) {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority with PRIO_PROCESS and who = 0 changes only the calling thread on Linux.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, nice);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

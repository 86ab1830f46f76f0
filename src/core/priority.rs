//! Background threads yield the CPU to the JavaScript thread: on a busy machine (two cores, the
//! work and its helper threads all runnable) the event loop then still runs when its timers are due.

/// Nice 10 for the calling thread (Linux keeps the nice value per thread; threads it starts
/// inherit it). Best effort: where it is refused, the work runs at normal priority.
pub fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority with PRIO_PROCESS and who = 0 changes only the calling thread on Linux.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

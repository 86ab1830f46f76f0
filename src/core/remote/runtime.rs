//! The one tokio runtime of the process that every remote request runs on: two worker threads,
//! started on the first store with a remote, so a process without one pays nothing.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::runtime::{Builder, Runtime};

fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        // reqwest is built without a default TLS crypto provider, so that only ring (no aws-lc,
        // no C toolchain beyond cc) is linked; it must be installed once before the first client.
        // An error means another part of the process installed one first, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("nerve-store-remote")
            // Uploads are background work: a write on the JavaScript thread goes first.
            .on_thread_start(crate::core::priority::lower_priority)
            .enable_all()
            .build()
            .expect("the remote tier's runtime starts")
    })
}

/// Installs the TLS provider and starts the runtime (an object store client is built inside it).
pub fn init() {
    runtime();
}

/// Runs `fut` to completion from a thread outside the runtime (the JavaScript thread, a libuv
/// worker or an uploader thread), waiting at most `timeout`; `None` when the time ran out.
pub fn block_on<F: Future>(timeout: Duration, fut: F) -> Option<F::Output> {
    runtime().block_on(async { tokio::time::timeout(timeout, fut).await.ok() })
}

/// As [`block_on`] without a bound, for the uploader's passes (each request has its own timeout).
pub fn block_on_unbounded<F: Future>(fut: F) -> F::Output {
    runtime().block_on(fut)
}

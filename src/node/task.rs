//! Work that runs on the libuv thread pool and settles a promise on the JavaScript thread.

use super::errors::rejection;
use crate::core::{Error, Result};
use napi::bindgen_prelude::{AsyncTask, Env, JsValue, Unknown};
use napi::ScopedTask;
use std::panic::{catch_unwind, AssertUnwindSafe};

type Work<T> = Box<dyn FnOnce() -> Result<T> + Send>;
pub type Convert<T> = for<'e> fn(&'e Env, T) -> napi::Result<Unknown<'e>>;

/// Runs `work` off the JavaScript thread, then `convert`s its result there. A core error rejects
/// the promise with the same error object the synchronous call would throw.
pub struct Job<T: Send + 'static> {
    work: Option<Work<T>>,
    convert: Convert<T>,
}

pub fn spawn<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
    convert: Convert<T>,
) -> AsyncTask<Job<T>> {
    AsyncTask::new(Job { work: Some(Box::new(work)), convert })
}

impl<'task, T: Send + 'static> ScopedTask<'task> for Job<T> {
    type Output = Result<T>;
    type JsValue = Unknown<'task>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let work = self.work.take().ok_or_else(|| napi::Error::from_reason("task ran twice"))?;
        Ok(catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|_| Err(Error::internal("a background task panicked"))))
    }

    fn resolve(&mut self, env: &'task Env, output: Self::Output) -> napi::Result<Unknown<'task>> {
        match output {
            Ok(value) => (self.convert)(env, value),
            Err(e) => Err(rejection(env, e)),
        }
    }
}

/// A finished JavaScript value handed through a deferred: built by the resolver in the same
/// handle scope that settles the promise.
struct Built(napi::sys::napi_value);

impl napi::bindgen_prelude::ToNapiValue for Built {
    unsafe fn to_napi_value(_env: napi::sys::napi_env, val: Self) -> napi::Result<napi::sys::napi_value> {
        Ok(val.0)
    }
}

type Settle = Box<dyn FnOnce(Env) -> napi::Result<Built> + Send>;

/// Runs long `work` on a thread of its own at a lower scheduling priority, then settles the
/// returned promise on the JavaScript thread. On a busy machine (two cores, the work and its
/// helper threads all runnable) the JavaScript thread then still gets the CPU when its timers are
/// due: the event loop does not wait behind the work.
pub fn spawn_background<'e, T: Send + 'static>(
    env: &'e Env,
    work: impl FnOnce() -> Result<T> + Send + 'static,
    convert: Convert<T>,
) -> napi::Result<napi::bindgen_prelude::Object<'e>> {
    let (deferred, promise) = env.create_deferred::<Built, Settle>()?;
    let spawned = std::thread::Builder::new().name("nerve-store-background".into()).spawn(move || {
        crate::core::lower_priority();
        let result =
            catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|_| Err(Error::internal("a background task panicked")));
        deferred.resolve(Box::new(move |env: Env| match result {
            Ok(value) => convert(&env, value).map(|v| Built(v.raw())),
            Err(e) => Err(rejection(&env, e)),
        }));
    });
    spawned.map_err(|e| napi::Error::from_reason(format!("cannot start a background thread: {e}")))?;
    Ok(promise)
}

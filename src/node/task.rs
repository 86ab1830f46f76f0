//! Work that runs on the libuv thread pool and settles a promise on the JavaScript thread.

use super::errors::rejection;
use crate::core::{Error, Result};
use napi::bindgen_prelude::{AsyncTask, Env, Unknown};
use napi::ScopedTask;
use std::panic::{catch_unwind, AssertUnwindSafe};

type Work<T> = Box<dyn FnOnce() -> Result<T> + Send>;
type Convert<T> = for<'e> fn(&'e Env, T) -> napi::Result<Unknown<'e>>;

/// Runs `work` off the JavaScript thread, then `convert`s its result there. A core error rejects
/// the promise with the same error object the synchronous call would throw.
pub struct Job<T: Send + 'static> {
    work: Option<Work<T>>,
    convert: Convert<T>,
}

pub fn spawn<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static, convert: Convert<T>) -> AsyncTask<Job<T>> {
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

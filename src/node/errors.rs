//! Core errors become JavaScript `Error`/`TypeError`/`RangeError` objects with a `code`, plus
//! `errcode`/`errstr` for SQLite failures, as node:sqlite reports them.

use crate::core::{Error as CoreError, ErrorKind};
use napi::bindgen_prelude::{Env, JsObjectValue, JsValue, Object};
use napi::{JsError, JsRangeError, JsTypeError, Status};

/// Throws `e` into JavaScript and returns the error that tells napi an exception is pending.
pub fn throw(env: &Env, e: CoreError) -> napi::Error {
    throw_with(env, e, None)
}

/// Like [`throw`], with `message` (UTF-16) in place of the core's: a string argument that holds a
/// lone surrogate reaches Rust with U+FFFD in its place, and the reference quotes it as given.
pub fn throw_with_message(env: &Env, e: CoreError, message: &[u16]) -> napi::Error {
    throw_with(env, e, Some(message))
}

/// The JavaScript error object for `e`, not thrown (a promise rejects with it).
pub fn error_object<'env>(env: &'env Env, e: CoreError) -> napi::Result<Object<'env>> {
    build(env, e, None)
}

fn throw_with(env: &Env, e: CoreError, message: Option<&[u16]>) -> napi::Error {
    let obj = match build(env, e, message) {
        Ok(obj) => obj,
        Err(err) => return err,
    };
    match env.throw(obj) {
        Ok(()) => napi::Error::from_status(Status::PendingException),
        Err(err) => err,
    }
}

/// The pending exception (a getter or Proxy trap of argument `arg` threw) rethrown as a TypeError
/// naming the argument, with the caller's exception as its `cause`.
pub fn rethrow_unreadable(env: &Env, arg: &str) -> napi::Error {
    let mut cause = std::ptr::null_mut();
    // SAFETY: a valid env on the JavaScript thread; `cause` receives the exception, or undefined.
    let status = unsafe { napi::sys::napi_get_and_clear_last_exception(env.raw(), &mut cause) };
    if status != napi::sys::Status::napi_ok || cause.is_null() {
        return napi::Error::from_status(Status::PendingException);
    }
    let thrown = build(env, CoreError::arg_unreadable(arg), None).and_then(|mut obj| {
        // SAFETY: `cause` is the value just taken from the pending exception, alive in this scope.
        let cause = unsafe { napi::bindgen_prelude::Unknown::from_raw_unchecked(env.raw(), cause) };
        obj.set_named_property("cause", cause)?;
        env.throw(obj)
    });
    match thrown {
        Ok(()) => napi::Error::from_status(Status::PendingException),
        Err(err) => err,
    }
}

/// The error for an async call: rejecting with it hands the caller this very object.
pub fn rejection(env: &Env, e: CoreError) -> napi::Error {
    match build(env, e, None) {
        Ok(obj) => napi::Error::from(obj.to_unknown()),
        Err(err) => err,
    }
}

/// The JavaScript error object for `e`: its class, `code`, and the node:fs or node:sqlite extras.
fn build<'e>(env: &'e Env, e: CoreError, message: Option<&[u16]>) -> napi::Result<Object<'e>> {
    let base = napi::Error::new(e.code.to_string(), e.message);
    let value = match e.kind {
        ErrorKind::TypeError => JsTypeError::from(base).into_unknown(*env),
        ErrorKind::RangeError => JsRangeError::from(base).into_unknown(*env),
        ErrorKind::Error => JsError::from(base).into_unknown(*env),
    };
    // SAFETY: napi_create_*error always returns an object.
    let mut obj: Object = unsafe { value.cast() }?;
    if let Some(m) = message.and_then(|m| env.create_string_utf16(m).ok()) {
        obj.set_named_property("message", m)?;
    }
    if let Some(fs) = e.fs {
        obj.set_named_property("errno", fs.errno)?;
        obj.set_named_property("syscall", fs.syscall)?;
        if let Some(path) = fs.path {
            obj.set_named_property("path", path)?;
        }
    }
    if let Some((errcode, errstr)) = e.sqlite {
        obj.set_named_property("errcode", errcode)?;
        obj.set_named_property("errstr", errstr)?;
    }
    Ok(obj)
}

/// Lifts a core result into a napi result, throwing the JavaScript error on failure.
pub trait OrThrow<T> {
    fn or_throw(self, env: &Env) -> napi::Result<T>;
}

impl<T> OrThrow<T> for crate::core::Result<T> {
    fn or_throw(self, env: &Env) -> napi::Result<T> {
        self.map_err(|e| throw(env, e))
    }
}

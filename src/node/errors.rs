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

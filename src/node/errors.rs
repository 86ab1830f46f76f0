//! Core errors become JavaScript `Error`/`TypeError`/`RangeError` objects with a `code`, plus
//! `errcode`/`errstr` for SQLite failures, as node:sqlite reports them.

use crate::core::{Error as CoreError, ErrorKind};
use napi::bindgen_prelude::{Env, JsObjectValue, Object};
use napi::{JsError, JsRangeError, JsTypeError, Status};

/// Throws `e` into JavaScript and returns the error that tells napi an exception is pending.
pub fn throw(env: &Env, e: CoreError) -> napi::Error {
    let base = napi::Error::new(e.code.to_string(), e.message);
    let value = match e.kind {
        ErrorKind::TypeError => JsTypeError::from(base).into_unknown(*env),
        ErrorKind::RangeError => JsRangeError::from(base).into_unknown(*env),
        ErrorKind::Error => JsError::from(base).into_unknown(*env),
    };
    // SAFETY: napi_create_*error always returns an object.
    let mut obj: Object = unsafe { value.cast() }.expect("error value is an object");
    if let Some((errcode, errstr)) = e.sqlite {
        let _ = obj.set_named_property("errcode", errcode);
        let _ = obj.set_named_property("errstr", errstr);
    }
    match env.throw(obj) {
        Ok(()) => napi::Error::from_status(Status::PendingException),
        Err(err) => err,
    }
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

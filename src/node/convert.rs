//! JavaScript → Rust argument checks that name the argument, and SQLite values → the JavaScript
//! values node:sqlite would produce.

use crate::core::MAX_SAFE_INTEGER;
use crate::core::{Error, Result};
use napi::bindgen_prelude::{Array, FromNapiValue, Null, Object, ToNapiValue, Uint8Array, Unknown};
use napi::{sys, JsValue, ValueType};
use rusqlite::types::Value;
use std::borrow::Cow;

fn received(v: &Unknown<'_>) -> String {
    match v.get_type() {
        Ok(ValueType::Undefined) => "undefined".into(),
        Ok(ValueType::Null) => "null".into(),
        Ok(ValueType::Number) => match unsafe { v.cast::<f64>() } {
            Ok(n) => format!("type number ({n})"),
            Err(_) => "type number".into(),
        },
        Ok(ValueType::String) => "type string".into(),
        Ok(ValueType::Boolean) => "type boolean".into(),
        Ok(ValueType::BigInt) => "type bigint".into(),
        Ok(ValueType::Symbol) => "type symbol".into(),
        Ok(ValueType::Function) => "type function".into(),
        Ok(ValueType::Object) => "an object".into(),
        _ => "an unsupported value".into(),
    }
}

fn kind(v: &Unknown<'_>) -> ValueType {
    v.get_type().unwrap_or(ValueType::Unknown)
}

pub fn string(v: Unknown<'_>, name: &str) -> Result<String> {
    match kind(&v) {
        // Lone surrogates arrive as U+FFFD, as node:sqlite binds them.
        ValueType::String => {
            unsafe { v.cast::<String>() }.map_err(|_| Error::arg_type(name, "of type string", "an unreadable string"))
        }
        _ => Err(Error::arg_type(name, "of type string", &received(&v))),
    }
}

/// A file-system path: a string without NUL bytes, which no OS call could take (node:fs refuses
/// them the same way, by name).
pub fn path(v: Unknown<'_>, name: &str) -> Result<String> {
    let s = string(v, name)?;
    match s.find('\0') {
        None => Ok(s),
        Some(_) => {
            let shown: String = s.chars().take(40).collect();
            let more = if shown.len() < s.len() { "..." } else { "" };
            Err(Error::arg_value(name, "a string without null bytes", &format!("{:?}{more}", shown)))
        }
    }
}

pub fn nullable_string(v: Unknown<'_>, name: &str) -> Result<Option<String>> {
    match kind(&v) {
        ValueType::Null => Ok(None),
        ValueType::String => string(v, name).map(Some),
        _ => Err(Error::arg_type(name, "of type string or null", &received(&v))),
    }
}

pub fn number(v: Unknown<'_>, name: &str) -> Result<f64> {
    match kind(&v) {
        ValueType::Number => {
            unsafe { v.cast::<f64>() }.map_err(|_| Error::arg_type(name, "of type number", "an unreadable number"))
        }
        _ => Err(Error::arg_type(name, "of type number", &received(&v))),
    }
}

pub fn boolean(v: Unknown<'_>, name: &str) -> Result<bool> {
    match kind(&v) {
        ValueType::Boolean => {
            unsafe { v.cast::<bool>() }.map_err(|_| Error::arg_type(name, "of type boolean", "an unreadable boolean"))
        }
        _ => Err(Error::arg_type(name, "of type boolean", &received(&v))),
    }
}

pub fn nullable_number(v: Unknown<'_>, name: &str) -> Result<Option<f64>> {
    match kind(&v) {
        ValueType::Null => Ok(None),
        ValueType::Number => number(v, name).map(Some),
        _ => Err(Error::arg_type(name, "of type number or null", &received(&v))),
    }
}

pub fn is_undefined(v: &Unknown<'_>) -> bool {
    kind(v) == ValueType::Undefined
}

/// `None` when the value is `undefined`.
pub fn optional<'a, T>(v: Unknown<'a>, f: impl FnOnce(Unknown<'a>) -> Result<T>) -> Result<Option<T>> {
    if is_undefined(&v) {
        Ok(None)
    } else {
        f(v).map(Some)
    }
}

pub fn object<'a>(v: Unknown<'a>, name: &str) -> Result<Object<'a>> {
    match kind(&v) {
        ValueType::Object | ValueType::Function => {
            unsafe { v.cast::<Object>() }.map_err(|_| Error::arg_type(name, "an object", "an unreadable object"))
        }
        _ => Err(Error::arg_type(name, "an object", &received(&v))),
    }
}

pub fn array<'a>(v: Unknown<'a>, name: &str) -> Result<Array<'a>> {
    if v.is_array().unwrap_or(false) {
        unsafe { v.cast::<Array>() }.map_err(|_| Error::arg_type(name, "an instance of Array", "an unreadable array"))
    } else {
        Err(Error::arg_type(name, "an instance of Array", &received(&v)))
    }
}

/// `obj[key]` (getters and prototype chain included, as property access in JavaScript).
/// A getter or Proxy trap that throws becomes a TypeError naming `<name>.<key>` (the name is only
/// formatted then), with the caller's exception as its `cause`.
pub fn field<'a>(env: &napi::Env, obj: &Object<'a>, name: &str, key: &str) -> napi::Result<Unknown<'a>> {
    use napi::bindgen_prelude::JsObjectValue;
    obj.get_named_property::<Unknown>(key).map_err(|e| match e.status {
        napi::Status::PendingException => super::errors::rethrow_unreadable(env, &format!("{name}.{key}")),
        _ => e,
    })
}

/// Bytes of a string (UTF-8, owned) or of a Uint8Array/Buffer (borrowed for the call, not copied).
pub fn bytes<'a>(v: Unknown<'a>, name: &str) -> Result<Cow<'a, [u8]>> {
    let expected = "of type string or an instance of Buffer or Uint8Array";
    match kind(&v) {
        ValueType::String => Ok(Cow::Owned(string(v, name)?.into_bytes())),
        // SAFETY: the view stays alive, and unmoved, for the native call that holds `v`.
        ValueType::Object => match unsafe { <&[u8]>::from_napi_value(v.value().env, v.raw()) } {
            Ok(slice) => Ok(Cow::Borrowed(slice)),
            Err(_) => Err(Error::arg_type(name, expected, &received(&v))),
        },
        _ => Err(Error::arg_type(name, expected, &received(&v))),
    }
}

/// A SQLite value as node:sqlite returns it: INTEGER as a number (or a RangeError past 2^53),
/// REAL as a number, TEXT as a string, BLOB as a Uint8Array, NULL as null.
pub enum SqlJs {
    Null,
    Number(f64),
    Text(String),
    Bytes(Vec<u8>),
}

impl SqlJs {
    pub fn from_sql(v: Value) -> Result<Self> {
        Ok(match v {
            Value::Null => SqlJs::Null,
            Value::Integer(i) if i.abs() > MAX_SAFE_INTEGER => return Err(Error::integer_too_large(i)),
            Value::Integer(i) => SqlJs::Number(i as f64),
            Value::Real(f) => SqlJs::Number(f),
            Value::Text(s) => SqlJs::Text(s),
            Value::Blob(b) => SqlJs::Bytes(b),
        })
    }
}

impl ToNapiValue for SqlJs {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        unsafe {
            match val {
                SqlJs::Null => Null::to_napi_value(env, Null),
                SqlJs::Number(n) => f64::to_napi_value(env, n),
                SqlJs::Text(s) => String::to_napi_value(env, s),
                SqlJs::Bytes(b) => Uint8Array::to_napi_value(env, Uint8Array::new(b)),
            }
        }
    }
}

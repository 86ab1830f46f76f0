//! `options.remote` from JavaScript, and `remoteStatus()`'s object back.

use super::args::optional;
use super::convert::{self, field};
use super::errors::{error_object, OrThrow};
use crate::core::{Remote, RemoteArgs, RemoteConfig, RemoteStatus};
use napi::bindgen_prelude::{Env, JsValue, Null, Object, Unknown};
use std::sync::Arc;

/// The remote client, and the store id `options.remote.storeId` asks for.
pub type RemoteOption = Option<(Arc<Remote>, Option<String>)>;

/// The remote client for `options.remote` (named `arg`), or `None` when it is absent, `null`, or
/// `false`. Nothing is sent until the first upload or read.
pub fn remote(env: &Env, options: &Object<'_>, arg: &str) -> napi::Result<RemoteOption> {
    let v = field(env, options, "options", "remote")?;
    if convert::is_undefined(&v) || matches!(v.get_type(), Ok(napi::ValueType::Null)) {
        return Ok(None);
    }
    let o = convert::object(v, arg).or_throw(env)?;
    let s = |key: &str| -> napi::Result<Option<String>> {
        optional(env, field(env, &o, arg, key)?, &format!("{arg}.{key}"), convert::string)
    };
    let b = |key: &str| -> napi::Result<Option<bool>> {
        optional(env, field(env, &o, arg, key)?, &format!("{arg}.{key}"), convert::boolean)
    };
    let url = convert::string(field(env, &o, arg, "url")?, &format!("{arg}.url")).or_throw(env)?;
    let args = RemoteArgs {
        url,
        endpoint: s("endpoint")?,
        region: s("region")?,
        access_key_id: s("accessKeyId")?,
        secret_access_key: s("secretAccessKey")?,
        allow_http: b("allowHttp")?,
        keep_local: b("keepLocal")?,
        timeout_ms: optional(env, field(env, &o, arg, "timeoutMs")?, &format!("{arg}.timeoutMs"), convert::number)?,
    };
    let store_id = s("storeId")?;
    if let Some(id) = &store_id {
        crate::core::check_store_id(&format!("{arg}.storeId"), id).or_throw(env)?;
    }
    let config = RemoteConfig::resolve(arg, args, |k| std::env::var(k).ok()).or_throw(env)?;
    Ok(Some((Arc::new(Remote::new(config).or_throw(env)?), store_id)))
}

/// `{ enabled, url, uploaded, pending, failed, lastError }`; `lastError` is an Error object with
/// its `code`, or null.
pub fn status_value<'e>(env: &'e Env, url: Option<String>, status: Option<RemoteStatus>) -> napi::Result<Unknown<'e>> {
    let mut o = Object::new(env)?;
    o.set("enabled", status.is_some())?;
    match url {
        Some(u) => o.set("url", u)?,
        None => o.set("url", Null)?,
    }
    let s = status.unwrap_or_default();
    o.set("uploaded", s.uploaded as f64)?;
    o.set("pending", s.pending as f64)?;
    o.set("failed", s.failed as f64)?;
    match s.last_error {
        Some(e) => o.set("lastError", error_object(env, e)?)?,
        None => o.set("lastError", Null)?,
    }
    Ok(o.to_unknown())
}

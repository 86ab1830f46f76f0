//! The blob store's bindings: `openBlobStore(root)` returns an object of functions bound to one
//! store (`write`, `read`, `exists`, and the promise-returning `writeAsync`, `readAsync`,
//! `writeFile`, `readToFile`), and `normalizeBlobHash`.
//!
//! `read` and `exists` are called in tight loops and cost little more than their syscalls, so
//! they are plain Node-API callbacks rather than `#[napi]` methods: the store is the function's
//! own data pointer (no `this` to unwrap), a short hash string is copied into a stack buffer, and
//! `read` fills a Buffer that Node allocated, with no copy afterwards. Every callback runs under
//! `catch_unwind`, so a Rust panic becomes a JavaScript exception (or rejection), never an abort.
//!
//! The promise-returning functions run the core's work on the libuv thread pool through
//! `task.rs`, as the log store's do, and settle on the JavaScript thread with the same values and
//! errors as the synchronous calls.

use super::convert;
use super::errors::OrThrow;
use super::task;
use crate::core::blob_store::{self, BlobStore, ReadOutcome};
use crate::core::{Error as CoreError, Result as CoreResult};
use napi::bindgen_prelude::{panic_to_error, sys, Env, FromNapiValue, ToNapiValue, Unknown};
use napi::{JsError, Status};
use napi_derive::napi;
use std::ffi::{c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::ptr;
use std::sync::Arc;

type Store = Arc<BlobStore>;
type RawCallback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// `root` arrives normalized by the facade so paths in messages read as `path.join` makes them.
#[napi(catch_unwind, ts_return_type = "Record<string, (...args: unknown[]) => unknown>")]
pub fn open_blob_store(env: Env, root: Unknown) -> napi::Result<BlobFunctions> {
    let root = convert::path(root, "blobsRoot").or_throw(&env)?;
    Ok(BlobFunctions(Arc::new(BlobStore::new(root))))
}

#[napi(catch_unwind)]
pub fn normalize_blob_hash(env: Env, hash: Unknown) -> napi::Result<Option<String>> {
    let hash = convert::string(hash, "hash").or_throw(&env)?;
    Ok(blob_store::normalize_blob_hash(&hash))
}

/// The functions of one store, each holding a reference to it (released when the function is
/// garbage-collected).
pub struct BlobFunctions(Store);

const FUNCTIONS: [(&CStr, RawCallback); 7] = [
    (c"write", write),
    (c"read", read),
    (c"exists", exists),
    (c"writeAsync", write_async),
    (c"readAsync", read_async),
    (c"writeFile", write_file),
    (c"readToFile", read_to_file),
];

impl ToNapiValue for BlobFunctions {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        unsafe {
            let mut obj = ptr::null_mut();
            check(sys::napi_create_object(env, &mut obj))?;
            for (name, cb) in FUNCTIONS {
                let data = Box::into_raw(Box::new(Arc::clone(&val.0)));
                let mut f = ptr::null_mut();
                let mut status =
                    sys::napi_create_function(env, name.as_ptr(), name.count_bytes() as isize, Some(cb), data.cast(), &mut f);
                if status == sys::Status::napi_ok {
                    status = sys::napi_add_finalizer(env, f, data.cast(), Some(release_store), ptr::null_mut(), ptr::null_mut());
                }
                if status != sys::Status::napi_ok {
                    drop(Box::from_raw(data));
                    return check(status).map(|()| obj);
                }
                check(sys::napi_set_named_property(env, obj, name.as_ptr(), f))?;
            }
            Ok(obj)
        }
    }
}

unsafe extern "C" fn release_store(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the Box made for this function in `to_napi_value`, released once.
    drop(unsafe { Box::from_raw(data.cast::<Store>()) });
}

// ---------------------------------------------------------------------------------------------
// Synchronous members

unsafe extern "C" fn write(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        guard(env, || {
            let ([content], store) = args::<1>(env, info)?;
            let e = Env::from_raw(env);
            let bytes = convert::bytes(Unknown::from_napi_value(env, content)?, "content").or_throw(&e)?;
            let hash = store.write(&bytes).or_throw(&e)?;
            String::to_napi_value(env, hash)
        })
    }
}

unsafe extern "C" fn read(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        guard(env, || {
            let ([hash], store) = args::<1>(env, info)?;
            let out = with_str(env, hash, "hash", |h| store.read_with(h, |len| new_buffer(env, len)))?;
            match out.or_throw(&Env::from_raw(env))? {
                None => null(env),
                Some(ReadOutcome::Filled(buf)) => Ok(buf.value),
                Some(ReadOutcome::Bytes(v)) => copy_buffer(env, &v),
            }
        })
    }
}

unsafe extern "C" fn exists(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        guard(env, || {
            let ([hash], store) = args::<1>(env, info)?;
            let found = with_str(env, hash, "hash", |h| store.exists(h))?;
            let mut out = ptr::null_mut();
            check(sys::napi_get_boolean(env, found, &mut out))?;
            Ok(out)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Promise-returning members

unsafe extern "C" fn write_async(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        guard(env, || {
            let ([content], store) = args::<1>(env, info)?;
            // A copy taken now: the caller may reuse its buffer as soon as this returns.
            let bytes = convert::bytes(Unknown::from_napi_value(env, content)?, "content")
                .or_throw(&Env::from_raw(env))?
                .into_owned();
            let store = Arc::clone(store);
            spawn(env, move || store.write(&bytes), string_js)
        })
    }
}

unsafe extern "C" fn read_async(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        guard(env, || {
            let ([hash], store) = args::<1>(env, info)?;
            let hash = string_arg(env, hash, "hash")?;
            let store = Arc::clone(store);
            spawn(env, move || store.read(&hash), bytes_js)
        })
    }
}

unsafe extern "C" fn write_file(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        guard(env, || {
            let ([path], store) = args::<1>(env, info)?;
            let path = PathBuf::from(path_arg(env, path, "path")?);
            let store = Arc::clone(store);
            spawn(env, move || store.write_file(&path), string_js)
        })
    }
}

unsafe extern "C" fn read_to_file(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        guard(env, || {
            let ([hash, path], store) = args::<2>(env, info)?;
            let hash = string_arg(env, hash, "hash")?;
            let path = PathBuf::from(path_arg(env, path, "path")?);
            let store = Arc::clone(store);
            spawn(env, move || store.read_to_file(&hash, &path), bool_js)
        })
    }
}

unsafe fn string_value(env: sys::napi_env, s: String) -> napi::Result<sys::napi_value> {
    unsafe { String::to_napi_value(env, s) }
}

unsafe fn bool_value(env: sys::napi_env, b: bool) -> napi::Result<sys::napi_value> {
    unsafe { bool::to_napi_value(env, b) }
}

unsafe fn bytes_value(env: sys::napi_env, bytes: Option<Vec<u8>>) -> napi::Result<sys::napi_value> {
    unsafe {
        match bytes {
            None => null(env),
            // Large ones are handed to Node as they are; small ones are cheaper to copy than to
            // track with a finalizer.
            Some(v) if v.len() > 64 << 10 => external_buffer(env, v),
            Some(v) => copy_buffer(env, &v),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Node-API plumbing

fn check(status: sys::napi_status) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::from_status(Status::from(status)))
    }
}

/// Runs a callback body. An error is thrown (unless it is already pending), a panic becomes a
/// thrown `Error`; either way the callback returns no value.
unsafe fn guard(env: sys::napi_env, f: impl FnOnce() -> napi::Result<sys::napi_value>) -> sys::napi_value {
    let err = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => return v,
        Ok(Err(e)) => e,
        Err(panic) => panic_to_error(panic),
    };
    // SAFETY: called on the JavaScript thread, inside the callback.
    unsafe { JsError::from(err).throw_into(env) };
    ptr::null_mut()
}

/// The first `N` arguments (`undefined` when missing) and the store the function is bound to.
unsafe fn args<'a, const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> napi::Result<([sys::napi_value; N], &'a Store)> {
    let mut argc = N;
    let mut argv = [ptr::null_mut(); N];
    let mut data = ptr::null_mut();
    check(unsafe { sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), &mut data) })?;
    // SAFETY: every function made in `to_napi_value` has a live `Box<Store>` as its data, released
    // only when the function itself is collected, which cannot happen while it runs.
    Ok((argv, unsafe { &*data.cast::<Store>() }))
}

/// Calls `f` with the string argument `v`. Short strings (every well-formed hash, with room for
/// whitespace) are copied into a stack buffer; other values take the general conversion, which
/// throws the TypeError naming `name`.
unsafe fn with_str<R>(env: sys::napi_env, v: sys::napi_value, name: &str, f: impl FnOnce(&str) -> R) -> napi::Result<R> {
    let mut buf = [0u8; 256];
    let mut len = 0usize;
    let status = unsafe { sys::napi_get_value_string_utf8(env, v, buf.as_mut_ptr().cast(), buf.len(), &mut len) };
    // Node copies whole characters only (at most 4 bytes each) into `buf.len() - 1` bytes, so a
    // string that left 4 bytes free was copied in full.
    if status == sys::Status::napi_ok && len + 4 < buf.len() {
        if let Ok(s) = std::str::from_utf8(&buf[..len]) {
            return Ok(f(s));
        }
    }
    let s = unsafe { string_arg(env, v, name) }?;
    Ok(f(&s))
}

unsafe fn string_arg(env: sys::napi_env, v: sys::napi_value, name: &str) -> napi::Result<String> {
    let value = unsafe { Unknown::from_napi_value(env, v) }?;
    convert::string(value, name).or_throw(&Env::from_raw(env))
}

unsafe fn path_arg(env: sys::napi_env, v: sys::napi_value, name: &str) -> napi::Result<String> {
    let value = unsafe { Unknown::from_napi_value(env, v) }?;
    convert::path(value, name).or_throw(&Env::from_raw(env))
}

unsafe fn null(env: sys::napi_env) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check(unsafe { sys::napi_get_null(env, &mut out) })?;
    Ok(out)
}

/// A Node.js Buffer of `len` bytes (uninitialized, as `Buffer.allocUnsafe`), for the core to fill.
struct JsBuffer {
    value: sys::napi_value,
    data: *mut u8,
    len: usize,
}

impl AsMut<[u8]> for JsBuffer {
    fn as_mut(&mut self) -> &mut [u8] {
        // SAFETY: Node's allocation of `len` bytes, alive while `value` is (this callback's scope).
        unsafe { std::slice::from_raw_parts_mut(self.data, self.len) }
    }
}

unsafe fn new_buffer(env: sys::napi_env, len: usize) -> CoreResult<JsBuffer> {
    let mut value = ptr::null_mut();
    let mut data = ptr::null_mut();
    let status = unsafe { sys::napi_create_buffer(env, len, &mut data, &mut value) };
    if status != sys::Status::napi_ok || data.is_null() {
        return Err(CoreError::io_fd(std::io::Error::from_raw_os_error(libc::ENOMEM), "read"));
    }
    Ok(JsBuffer { value, data: data.cast(), len })
}

unsafe fn copy_buffer(env: sys::napi_env, bytes: &[u8]) -> napi::Result<sys::napi_value> {
    let mut value = ptr::null_mut();
    let mut data = ptr::null_mut();
    check(unsafe { sys::napi_create_buffer_copy(env, bytes.len(), bytes.as_ptr().cast(), &mut data, &mut value) })?;
    Ok(value)
}

/// A Buffer over the Vec's own allocation, freed when the Buffer is collected.
unsafe fn external_buffer(env: sys::napi_env, bytes: Vec<u8>) -> napi::Result<sys::napi_value> {
    let len = bytes.len();
    let boxed = Box::into_raw(bytes.into_boxed_slice());
    let mut value = ptr::null_mut();
    let status = unsafe {
        sys::napi_create_external_buffer(env, len, boxed.cast(), Some(free_bytes), len as *mut c_void, &mut value)
    };
    if status == sys::Status::napi_ok {
        return Ok(value);
    }
    // SAFETY: not handed to Node; taken back once.
    let bytes = unsafe { Box::from_raw(boxed) };
    // Runtimes without external buffers (a V8 sandbox) get a copy.
    unsafe { copy_buffer(env, &bytes) }
}

unsafe extern "C" fn free_bytes(_env: sys::napi_env, data: *mut c_void, hint: *mut c_void) {
    // SAFETY: `data` and `hint` are the pointer and length of the boxed slice in `external_buffer`.
    drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(data.cast::<u8>(), hint as usize)) });
}

// ---------------------------------------------------------------------------------------------
// Work on the libuv thread pool, settled as a promise

/// Runs `run` on the thread pool with the log store's promise plumbing (`task.rs`): the promise
/// resolves with `to_js` of its value or rejects with its error (a panic included).
unsafe fn spawn<T: Send + 'static>(
    env: sys::napi_env,
    run: impl FnOnce() -> CoreResult<T> + Send + 'static,
    to_js: task::Convert<T>,
) -> napi::Result<sys::napi_value> {
    unsafe { ToNapiValue::to_napi_value(env, task::spawn(run, to_js)) }
}

/// A value one of the `*_value` functions made, as `task.rs` hands values over.
fn unknown<'e>(env: &'e Env, made: napi::Result<sys::napi_value>) -> napi::Result<Unknown<'e>> {
    // SAFETY: `made` was just created in `env`, on its thread.
    made.map(|v| unsafe { Unknown::from_raw_unchecked(env.raw(), v) })
}

fn string_js<'e>(env: &'e Env, s: String) -> napi::Result<Unknown<'e>> {
    unknown(env, unsafe { string_value(env.raw(), s) })
}

fn bool_js<'e>(env: &'e Env, b: bool) -> napi::Result<Unknown<'e>> {
    unknown(env, unsafe { bool_value(env.raw(), b) })
}

fn bytes_js<'e>(env: &'e Env, bytes: Option<Vec<u8>>) -> napi::Result<Unknown<'e>> {
    unknown(env, unsafe { bytes_value(env.raw(), bytes) })
}

//! `read` and `exists`, the blob calls made in tight loops, as plain Node-API callbacks rather than
//! `#[napi]` methods: the store is the function's own data pointer (no `this` to unwrap), a short
//! hash string is copied into a stack buffer, and `read` fills a Buffer that Node allocated, with no
//! copy afterwards. Measured against the same calls as `#[napi]` methods of `NativeBlobStore` (one
//! `npm run bench -- --no-floor blob` each, ours per call): `exists` 0.89 us raw vs 1.86 us as a
//! method, `read` of 1 KiB 5.0 us vs 6.0 us, `read` of 16 MiB 12.3 ms vs 27.0 ms (a Rust allocation
//! handed to Node as an external buffer, which V8 does not count toward its heap, in place of a
//! Buffer Node allocates). Every callback runs under `catch_unwind`, so a Rust panic becomes a
//! JavaScript exception, never an abort.

use super::convert;
use super::errors::OrThrow;
use crate::core::{Error as CoreError, ReadOutcome, Result as CoreResult, TieredBlobs, Wait};
use napi::bindgen_prelude::{panic_to_error, sys, Env, FromNapiValue, ToNapiValue, Unknown};
use napi::{JsError, Status};
use std::ffi::{c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::Arc;

type Store = Arc<TieredBlobs>;
type RawCallback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// `{ read, exists }` bound to one store, each function holding a reference to it (released when
/// the function is garbage-collected).
pub struct HotFunctions(pub Store);

const FUNCTIONS: [(&CStr, RawCallback); 2] = [(c"read", read), (c"exists", exists)];

impl ToNapiValue for HotFunctions {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        unsafe {
            let mut obj = ptr::null_mut();
            check(sys::napi_create_object(env, &mut obj))?;
            for (name, cb) in FUNCTIONS {
                let data = Box::into_raw(Box::new(Arc::clone(&val.0)));
                let mut f = ptr::null_mut();
                let mut status = sys::napi_create_function(
                    env,
                    name.as_ptr(),
                    name.count_bytes() as isize,
                    Some(cb),
                    data.cast(),
                    &mut f,
                );
                if status == sys::Status::napi_ok {
                    status = sys::napi_add_finalizer(
                        env,
                        f,
                        data.cast(),
                        Some(release_store),
                        ptr::null_mut(),
                        ptr::null_mut(),
                    );
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

unsafe extern "C" fn read(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        guard(env, || {
            let ([hash], store) = args::<1>(env, info)?;
            let out = with_str(env, hash, "hash", |h| {
                let local = store.local().read_with(h, |len| new_buffer(env, len))?;
                match local {
                    Some(o) => Ok(Some(o)),
                    // Only a store with a remote gets here on a miss: the remote may hold it.
                    None => Ok(store.read_remote(h, Wait::Sync)?.map(ReadOutcome::Bytes)),
                }
            })?;
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
            let found = with_str(env, hash, "hash", |h| store.exists(h, Wait::Sync))?.or_throw(&Env::from_raw(env))?;
            let mut out = ptr::null_mut();
            check(sys::napi_get_boolean(env, found, &mut out))?;
            Ok(out)
        })
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
unsafe fn with_str<R>(
    env: sys::napi_env,
    v: sys::napi_value,
    name: &str,
    f: impl FnOnce(&str) -> R,
) -> napi::Result<R> {
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

//! `NativeBlobStore`: the class behind `createBlobStore`, and `normalizeBlobHash`.

use super::convert;
use super::errors::OrThrow;
use crate::core::blob_store::{self, BlobStore};
use napi::bindgen_prelude::{Buffer, Env, Unknown};
use napi_derive::napi;

#[napi]
pub struct NativeBlobStore {
    inner: BlobStore,
}

#[napi]
impl NativeBlobStore {
    /// `root` arrives normalized by the facade so paths in messages read as `path.join` makes them.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, root: Unknown) -> napi::Result<Self> {
        let root = convert::string(root, "blobsRoot").or_throw(&env)?;
        Ok(NativeBlobStore { inner: BlobStore::new(root) })
    }

    #[napi(catch_unwind)]
    pub fn write(&self, env: Env, content: Unknown) -> napi::Result<String> {
        let bytes = convert::bytes(content, "content").or_throw(&env)?;
        self.inner.write(&bytes).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn read(&self, env: Env, hash: Unknown) -> napi::Result<Option<Buffer>> {
        let hash = convert::string(hash, "hash").or_throw(&env)?;
        Ok(self.inner.read(&hash).or_throw(&env)?.map(Buffer::from))
    }

    #[napi(catch_unwind)]
    pub fn exists(&self, env: Env, hash: Unknown) -> napi::Result<bool> {
        let hash = convert::string(hash, "hash").or_throw(&env)?;
        Ok(self.inner.exists(&hash))
    }
}

#[napi(catch_unwind)]
pub fn normalize_blob_hash(env: Env, hash: Unknown) -> napi::Result<Option<String>> {
    let hash = convert::string(hash, "hash").or_throw(&env)?;
    Ok(blob_store::normalize_blob_hash(&hash))
}

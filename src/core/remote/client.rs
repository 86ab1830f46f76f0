//! The S3 client: object_store's `AmazonS3` (SigV4, path-style requests, retries) with every PUT
//! carrying `x-amz-checksum-sha256`, so the server refuses bytes that changed on the way. Large
//! files go up as a streamed multipart upload and come down as a stream, so memory stays bounded.
//! Errors get a code and a message that names the remote by its URL, never by its credentials.

use super::config::RemoteConfig;
use super::runtime;
use crate::core::{Error, Result};
use bytes::Bytes;
use futures::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder, Checksum};
use object_store::path::Path as Key;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig, WriteMultipart,
};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

/// Files up to this size go up in one PUT; larger ones as a multipart upload of parts this size.
pub const SINGLE_PUT_MAX: u64 = 16 * 1024 * 1024;
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts in flight at once in a multipart upload: PART_SIZE * this bounds its memory.
const PARTS_IN_FLIGHT: usize = 4;
/// The bound on a call made off the JavaScript thread (a large blob may take a while).
pub const ASYNC_TIMEOUT: Duration = Duration::from_secs(600);

pub struct Remote {
    pub config: RemoteConfig,
    store: AmazonS3,
}

impl Remote {
    /// The client; no request is made until the first call.
    pub fn new(config: RemoteConfig) -> Result<Remote> {
        runtime::init();
        let mut options = ClientOptions::new()
            .with_allow_http(config.allow_http)
            .with_connect_timeout(Duration::from_secs(5))
            .with_timeout(Duration::from_secs(120));
        // The AWS CLI's variable for a private CA; object_store reads no such variable itself.
        // It is only used for https endpoints, so a machine that sets it still reaches a
        // plain-http test server.
        if config.endpoint.as_deref().is_none_or(|e| e.starts_with("https://")) {
            if let Some(bundle) = std::env::var_os("AWS_CA_BUNDLE").filter(|v| !v.is_empty()) {
                let pem = std::fs::read(&bundle).map_err(|e| Error::io(e, "open", Path::new(&bundle)))?;
                let certs = object_store::Certificate::from_pem_bundle(&pem).map_err(|e| {
                    Error::coded("ERR_REMOTE_CONFIG", format!("AWS_CA_BUNDLE {}: {e}", Path::new(&bundle).display()))
                })?;
                for c in certs {
                    options = options.with_root_certificate(c);
                }
            }
        }
        let retry =
            RetryConfig { backoff: BackoffConfig::default(), max_retries: 3, retry_timeout: Duration::from_secs(30) };
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key)
            .with_allow_http(config.allow_http)
            .with_checksum_algorithm(Checksum::SHA256)
            .with_retry(retry)
            .with_client_options(options);
        if let Some(e) = &config.endpoint {
            b = b.with_endpoint(e);
        }
        let store = b.build().map_err(|e| config_error(&config, &e))?;
        Ok(Remote { config, store })
    }

    pub fn key(&self, rest: &str) -> Key {
        Key::from(self.config.key(rest))
    }

    /// One PUT of `bytes`, verified by the server against their sha256.
    pub async fn put(&self, key: &Key, bytes: Bytes) -> Result<()> {
        self.store.put(key, PutPayload::from_bytes(bytes)).await.map_err(|e| self.error("put", key, &e))?;
        Ok(())
    }

    /// The file's content, streamed: one PUT up to [`SINGLE_PUT_MAX`], else a multipart upload
    /// whose every part the server verifies against its sha256. Before the object is made whole,
    /// `verify` gets the sha256 of every byte sent, so the caller can refuse a file that did not
    /// hold what it should (the upload is then aborted and nothing appears remote).
    pub async fn put_file(
        &self,
        key: &Key,
        path: &Path,
        verify: &mut (dyn FnMut(&[u8]) -> Result<()> + Send),
    ) -> Result<()> {
        let mut file = open_noatime(path).map_err(|e| Error::io(e, "open", path))?;
        let len = file.metadata().map_err(|e| Error::io(e, "fstat", path))?.len();
        let mut hasher = Sha256::new();
        if len <= SINGLE_PUT_MAX {
            let mut buf = Vec::with_capacity(len as usize);
            file.read_to_end(&mut buf).map_err(|e| Error::io(e, "read", path))?;
            hasher.update(&buf);
            verify(&hasher.finalize())?;
            return self.put(key, Bytes::from(buf)).await;
        }
        let upload = self.store.put_multipart(key).await.map_err(|e| self.error("put", key, &e))?;
        let mut w = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut buf = vec![0u8; PART_SIZE];
        let sent = async {
            loop {
                let n = read_full(&mut file, &mut buf).map_err(|e| Error::io(e, "read", path))?;
                if n == 0 {
                    return verify(&hasher.clone().finalize());
                }
                hasher.update(&buf[..n]);
                w.wait_for_capacity(PARTS_IN_FLIGHT).await.map_err(|e| self.error("put", key, &e))?;
                w.write(&buf[..n]);
            }
        }
        .await;
        match sent {
            Ok(()) => {
                w.finish().await.map_err(|e| self.error("put", key, &e))?;
                Ok(())
            }
            Err(e) => {
                let _ = w.abort().await;
                Err(e)
            }
        }
    }

    /// The object's bytes; `None` when there is no such object.
    pub async fn get(&self, key: &Key) -> Result<Option<Bytes>> {
        match self.store.get(key).await {
            Ok(r) => Ok(Some(r.bytes().await.map_err(|e| self.error("get", key, &e))?)),
            Err(e) if is_missing_object(&e) => Ok(None),
            Err(e) => Err(self.error("get", key, &e)),
        }
    }

    /// Streams the object into `out`, handing each chunk to `check` first; `false` when there is
    /// no such object.
    pub async fn get_to(&self, key: &Key, out: &mut dyn Write, check: &mut dyn FnMut(&[u8])) -> Result<bool> {
        let r = match self.store.get(key).await {
            Ok(r) => r,
            Err(e) if is_missing_object(&e) => return Ok(false),
            Err(e) => return Err(self.error("get", key, &e)),
        };
        let mut stream = r.into_stream();
        while let Some(chunk) = stream.try_next().await.map_err(|e| self.error("get", key, &e))? {
            check(&chunk);
            out.write_all(&chunk).map_err(|e| Error::io_fd(e, "write"))?;
        }
        Ok(true)
    }

    /// The object's size; `None` when there is no such object.
    pub async fn head(&self, key: &Key) -> Result<Option<u64>> {
        match self.store.head(key).await {
            Ok(m) => Ok(Some(m.size)),
            Err(e) if is_missing_object(&e) => Ok(None),
            Err(e) => Err(self.error("head", key, &e)),
        }
    }

    /// Every key under `prefix` with its size.
    pub async fn list(&self, prefix: &str) -> Result<Vec<(String, u64)>> {
        let p = self.key(prefix);
        self.store
            .list(Some(&p))
            .map_ok(|m| (m.location.to_string(), m.size))
            .try_collect()
            .await
            .map_err(|e| self.error("list", &p, &e))
    }

    pub async fn delete(&self, key: &Key) -> Result<()> {
        match self.store.delete(key).await {
            Ok(()) => Ok(()),
            Err(e) if is_missing_object(&e) => Ok(()),
            Err(e) => Err(self.error("delete", key, &e)),
        }
    }

    /// Runs `fut` from a thread outside the runtime, waiting at most `timeout`.
    pub fn wait<T>(
        &self,
        what: &str,
        timeout: Duration,
        fut: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        runtime::block_on(timeout, fut).unwrap_or_else(|| {
            Err(Error::coded(
                "ERR_REMOTE_TIMEOUT",
                format!("{what} on {}: no answer within {} ms", self.config.url(), timeout.as_millis()),
            ))
        })
    }

    fn error(&self, op: &str, key: &Key, e: &object_store::Error) -> Error {
        let text = self.config.scrub(&format!("{e}"));
        let code = match e {
            object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. } => {
                "ERR_REMOTE_AUTH"
            }
            _ if text.contains("NoSuchBucket") => "ERR_REMOTE_NO_BUCKET",
            object_store::Error::NotFound { .. } => "ERR_REMOTE_NOT_FOUND",
            _ if text.contains("InvalidAccessKeyId") || text.contains("SignatureDoesNotMatch") => "ERR_REMOTE_AUTH",
            _ if text.contains("BadDigest") || text.contains("checksum") => "ERR_REMOTE_CHECKSUM",
            _ => "ERR_REMOTE_UNAVAILABLE",
        };
        Error::coded(code, format!("remote {op} of {} in {} failed: {text}", key, self.config.url()))
    }
}

/// Not found because the object is missing, not the bucket (which S3 also answers with 404).
fn is_missing_object(e: &object_store::Error) -> bool {
    matches!(e, object_store::Error::NotFound { .. }) && !format!("{e}").contains("NoSuchBucket")
}

fn config_error(config: &RemoteConfig, e: &object_store::Error) -> Error {
    Error::coded("ERR_REMOTE_CONFIG", format!("remote {}: {}", config.url(), config.scrub(&format!("{e}"))))
}

/// Opens for reading without updating the access time where the OS allows it: the uploader reads
/// files just written, and an access-time update is one more inode change for the next write's
/// fsync to journal.
fn open_noatime(path: &Path) -> std::io::Result<std::fs::File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        if let Ok(f) = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOATIME).open(path) {
            return Ok(f);
        }
    }
    std::fs::File::open(path)
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

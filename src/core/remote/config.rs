//! `options.remote`: where the remote tier lives and how to reach it. Whatever the caller leaves
//! out comes from the standard AWS variables, so a daemon configured for the AWS CLI needs nothing
//! else. The secret never reaches a message: `Debug` redacts it, and `scrub` removes both keys from
//! any text that might have picked them up.

use crate::core::{Error, Result};
use std::fmt;
use std::time::Duration;

/// How long a synchronous call (`read`, `exists`, `readArchive`) waits for the remote by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The region used when neither `region` nor `AWS_REGION` says one (what the AWS CLI assumes).
pub const DEFAULT_REGION: &str = "us-east-1";

#[derive(Clone, PartialEq)]
pub struct RemoteConfig {
    pub bucket: String,
    /// Key prefix inside the bucket, without leading or trailing `/` (may be empty).
    pub prefix: String,
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub allow_http: bool,
    /// Keep local day files and blobs after their verified upload (the default).
    pub keep_local: bool,
    /// The bound on a synchronous call's wait for the remote.
    pub timeout: Duration,
}

/// `options.remote` as the caller gave it; `None` means not given.
#[derive(Debug, Clone, Default)]
pub struct RemoteArgs {
    pub url: String,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub allow_http: Option<bool>,
    pub keep_local: Option<bool>,
    pub timeout_ms: Option<f64>,
}

impl fmt::Debug for RemoteConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteConfig")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &"<redacted>")
            .field("secret_access_key", &"<redacted>")
            .field("allow_http", &self.allow_http)
            .field("keep_local", &self.keep_local)
            .finish()
    }
}

impl RemoteConfig {
    /// Checks `args` (named `arg.<key>` in errors) and fills the gaps from `env`
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_ENDPOINT_URL`, `AWS_REGION`).
    pub fn resolve(arg: &str, args: RemoteArgs, env: impl Fn(&str) -> Option<String>) -> Result<RemoteConfig> {
        let env = |k: &str| env(k).filter(|v| !v.is_empty());
        let (bucket, prefix) = parse_url(&format!("{arg}.url"), &args.url)?;
        let endpoint = args.endpoint.or_else(|| env("AWS_ENDPOINT_URL"));
        let allow_http = args.allow_http.unwrap_or(false);
        if let Some(e) = &endpoint {
            let scheme_ok = e.starts_with("https://") || (allow_http && e.starts_with("http://"));
            if !scheme_ok {
                let expected = if e.starts_with("http://") {
                    "an https:// URL (plain http needs allowHttp: true)"
                } else {
                    "an http:// or https:// URL"
                };
                return Err(Error::arg_value(&format!("{arg}.endpoint"), expected, &format!("'{e}'")));
            }
        }
        let access_key_id = args.access_key_id.or_else(|| env("AWS_ACCESS_KEY_ID"));
        let secret_access_key = args.secret_access_key.or_else(|| env("AWS_SECRET_ACCESS_KEY"));
        let (Some(access_key_id), Some(secret_access_key)) = (access_key_id, secret_access_key) else {
            return Err(Error::coded(
                "ERR_REMOTE_CREDENTIALS",
                format!(
                    "{arg} needs credentials: accessKeyId and secretAccessKey, or the AWS_ACCESS_KEY_ID and \
                     AWS_SECRET_ACCESS_KEY environment variables"
                ),
            ));
        };
        let timeout = match args.timeout_ms {
            None => DEFAULT_TIMEOUT,
            Some(ms) if ms.fract() == 0.0 && (1.0..=3_600_000.0).contains(&ms) => Duration::from_millis(ms as u64),
            Some(ms) => {
                return Err(Error::out_of_range(
                    &format!("{arg}.timeoutMs"),
                    "an integer from 1 to 3600000",
                    &crate::core::js_value::js_number(ms),
                ))
            }
        };
        Ok(RemoteConfig {
            bucket,
            prefix,
            endpoint,
            region: args.region.or_else(|| env("AWS_REGION")).unwrap_or_else(|| DEFAULT_REGION.to_owned()),
            access_key_id,
            secret_access_key,
            allow_http,
            keep_local: args.keep_local.unwrap_or(true),
            timeout,
        })
    }

    /// `<prefix>/<rest>`, or `<rest>` alone when there is no prefix.
    pub fn key(&self, rest: &str) -> String {
        if self.prefix.is_empty() {
            rest.to_owned()
        } else {
            format!("{}/{rest}", self.prefix)
        }
    }

    /// `text` with the access key id and the secret replaced, for anything shown to a caller.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in [&self.secret_access_key, &self.access_key_id] {
            if !secret.is_empty() {
                out = out.replace(secret.as_str(), "<redacted>");
            }
        }
        out
    }

    /// `s3://bucket/prefix`, as the caller wrote it (minus any trailing `/`).
    pub fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

/// `s3://bucket/prefix` → (bucket, prefix). Bucket names follow S3's rules (3 to 63 characters of
/// lowercase letters, digits, `.` and `-`); the prefix is any key path, its empty segments dropped.
fn parse_url(arg: &str, url: &str) -> Result<(String, String)> {
    let bad = |why: &str| Error::arg_value(arg, why, &format!("'{url}'"));
    let rest = url.strip_prefix("s3://").ok_or_else(|| bad("an s3://bucket/prefix URL"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && bucket.as_bytes()[0].is_ascii_alphanumeric()
        && bucket.as_bytes()[bucket.len() - 1].is_ascii_alphanumeric();
    if !bucket_ok {
        return Err(bad("an s3://bucket/prefix URL with a valid bucket name (3 to 63 of a-z, 0-9, '.', '-')"));
    }
    let prefix: Vec<&str> = prefix.split('/').filter(|s| !s.is_empty()).collect();
    if prefix.iter().any(|s| *s == "." || *s == ".." || s.contains(['\0', '\\'])) {
        return Err(bad("an s3://bucket/prefix URL whose prefix has no '.', '..', NUL or '\\' segments"));
    }
    Ok((bucket.to_owned(), prefix.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(url: &str) -> RemoteArgs {
        RemoteArgs {
            url: url.into(),
            access_key_id: Some("GK1".into()),
            secret_access_key: Some("s3cr3t".into()),
            ..Default::default()
        }
    }

    #[test]
    fn urls() {
        assert_eq!(parse_url("u", "s3://bkt").unwrap(), ("bkt".into(), "".into()));
        assert_eq!(parse_url("u", "s3://bkt/a//b/").unwrap(), ("bkt".into(), "a/b".into()));
        for bad in ["http://bkt", "s3://", "s3://ab", "s3://Bkt", "s3://bkt/../x", "s3://-bk"] {
            assert!(parse_url("u", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn env_fills_gaps_and_http_needs_consent() {
        let env = |k: &str| match k {
            "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:3900".to_owned()),
            "AWS_REGION" => Some("garage".to_owned()),
            _ => None,
        };
        let e = RemoteConfig::resolve("options.remote", args("s3://bkt/p"), env).unwrap_err();
        assert!(e.message.contains("options.remote.endpoint") && e.message.contains("allowHttp"));
        let c =
            RemoteConfig::resolve("options.remote", RemoteArgs { allow_http: Some(true), ..args("s3://bkt/p") }, env)
                .unwrap();
        assert_eq!((c.region.as_str(), c.endpoint.as_deref()), ("garage", Some("http://127.0.0.1:3900")));
        assert!(c.keep_local);
        assert_eq!(c.key("blobs/ab/cd"), "p/blobs/ab/cd");
        assert!(!format!("{c:?}").contains("s3cr3t"));
        assert_eq!(c.scrub("key GK1 secret s3cr3t"), "key <redacted> secret <redacted>");
    }

    #[test]
    fn credentials_are_required() {
        let a = RemoteArgs { url: "s3://bkt".into(), ..Default::default() };
        assert_eq!(RemoteConfig::resolve("r", a, |_| None).unwrap_err().code, "ERR_REMOTE_CREDENTIALS");
    }
}

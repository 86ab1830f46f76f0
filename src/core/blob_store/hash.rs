//! Blob names: the sha256 of the content as 64 lowercase hex digits, and the reference's
//! normalization of a hash argument (`hash.trim().toLowerCase()`).

use crate::core::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::Path;

pub const SHA256_HEX_LEN: usize = 64;

/// A normalized hash: 64 lowercase hex digits (ASCII).
pub type HashHex = [u8; SHA256_HEX_LEN];

pub fn digest_hex(bytes: &[u8]) -> String {
    hex_str(&hex_digest(bytes)).to_owned()
}

pub(crate) fn hex_of(digest: &[u8]) -> HashHex {
    let mut out = [0u8; SHA256_HEX_LEN];
    // A sha256 digest is 32 bytes, exactly what 64 hex digits hold.
    hex::encode_to_slice(digest, &mut out).expect("a sha256 digest fills 64 hex digits");
    out
}

pub(crate) fn hex_digest(bytes: &[u8]) -> HashHex {
    hex_of(&Sha256::digest(bytes))
}

/// The hash as text (it is ASCII by construction).
pub fn hex_str(h: &HashHex) -> &str {
    std::str::from_utf8(h).expect("hex digits are ASCII")
}

/// JavaScript's `String.prototype.trim` set: WhiteSpace and LineTerminator, which is not Rust's
/// `char::is_whitespace` (that one has U+0085 and lacks U+FEFF).
fn is_js_trim_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{a}' | '\u{b}' | '\u{c}' | '\u{d}' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
    )
}

/// `hash.trim().toLowerCase()` when that is 64 hex digits, else `None`; without allocating.
pub fn normalize_hash(hash: &str) -> Option<HashHex> {
    let b = hash.as_bytes();
    // The common spelling, already trimmed, skips the Unicode trim.
    let h = if b.len() == SHA256_HEX_LEN && b[0].is_ascii_hexdigit() && b[SHA256_HEX_LEN - 1].is_ascii_hexdigit() {
        b
    } else {
        hash.trim_matches(is_js_trim_space).as_bytes()
    };
    if h.len() != SHA256_HEX_LEN {
        return None;
    }
    // Only ASCII letters lowercase to hex digits, so an ASCII check is exact.
    let mut out = [0u8; SHA256_HEX_LEN];
    for (o, &c) in out.iter_mut().zip(h) {
        if !c.is_ascii_hexdigit() {
            return None;
        }
        *o = c.to_ascii_lowercase();
    }
    Some(out)
}

/// `hash.trim().toLowerCase()` when that is 64 hex digits, else `None`.
pub fn normalize_blob_hash(hash: &str) -> Option<String> {
    normalize_hash(hash).map(|h| hex_str(&h).to_owned())
}

/// The error for a blob whose content does not hash to its name.
pub(crate) fn check(path: &Path, expected: &HashHex, actual: &HashHex) -> Result<()> {
    if actual != expected {
        return Err(Error::blob_mismatch(path, hex_str(actual), hex_str(expected)));
    }
    Ok(())
}

use nerve_store::core::Error;
use std::io;
use std::path::Path;

#[test]
fn fs_errors_read_like_node_fs() {
    let e = Error::io(io::Error::from_raw_os_error(21), "read", Path::new("/x"));
    assert_eq!((e.code, e.message.as_str()), ("EISDIR", "EISDIR: illegal operation on a directory, read '/x'"));
    // An error that wraps the OS error without its number (as tempfile's do) keeps its kind's code.
    let e = Error::io(io::Error::new(io::ErrorKind::NotFound, "wrapped"), "open", Path::new("/y"));
    assert_eq!((e.code, e.message.as_str()), ("ENOENT", "ENOENT: no such file or directory, open '/y'"));
    let e = Error::io_fd(io::Error::from_raw_os_error(11), "write");
    assert_eq!((e.code, e.message.as_str()), ("EIO", "EIO: i/o error, write"));
}

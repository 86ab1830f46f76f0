//! Unit tests of the archive line reader (`line.rs`).

use super::*;
use crate::core::row_batch::LogRowBatch;

#[test]
fn borrowed_columns_are_the_row_the_owned_read_gives() {
    let strings = [
        r#""plain""#,
        r#""q\"b\\s\/n\nr\rt\tb\bf\f""#,
        r#""\u4e2d\u0041\u0000x""#,
        r#""\ud83d\ude00 pair""#,
        r#""\ud800 lone""#,
        r#""bad \x escape""#,
        "\"中文 \\\"q\\\"\"",
        "\"tab\tinside \\n\"",
    ];
    let mut scratch = Scratch::default();
    for s in strings {
        let text = format!(r#"{{"id":1,"source":{s},"type":"t","refId":null,"payload":{s},"timestamp":2}}"#);
        let line = parse(text.as_bytes()).unwrap();
        let held = parse(text.as_bytes()).unwrap().hold(text.as_bytes());
        // The batch each makes: the owned row pushed as before, the borrowed columns as now.
        let batch = |cols: Result<[ValueRef<'_>; 6], Why>| {
            cols.map(|cols| {
                let mut b = LogRowBatch::new();
                b.push_refs(cols).unwrap();
                b.finish();
                format!("{b:?}")
            })
        };
        let owned = parse(text.as_bytes()).unwrap().into_row().map(|row| {
            let mut b = LogRowBatch::new();
            b.push_row(&row).unwrap();
            b.finish();
            format!("{b:?}")
        });
        assert_eq!(owned, batch(line.value_refs(&mut scratch)), "{s}");
        assert_eq!(owned, batch(held.line(text.as_bytes()).value_refs(&mut scratch)), "{s}");
    }
}

#[test]
fn reads_lines_as_the_archive_writes_them_and_others() {
    let l =
        parse(br#"{"id":7,"source":"s","type":"t\"q","refId":null,"payload":"{\"a\":\"\u4e2d\"}","timestamp":1.5}"#)
            .unwrap();
    assert_eq!(l.id, 7);
    let row = l.into_row().unwrap();
    assert_eq!(row.kind, Value::Text("t\"q".into()));
    assert_eq!(row.payload, Value::Text("{\"a\":\"中\"}".into()));
    assert_eq!(row.timestamp, Value::Real(1.5));
    let spaced =
        parse(br#"{ "timestamp": 3, "id": 2, "source": "a", "type": "b", "refId": "r", "payload": {"0":1,"1":2} }"#)
            .unwrap()
            .into_row()
            .unwrap();
    assert_eq!(spaced.payload, Value::Blob(vec![1, 2]));
    assert_eq!(spaced.timestamp, Value::Integer(3));
    assert!(parse(b"{\"id\":1,\"source\":\"a\"").is_none());
    assert!(parse(b"not json").is_none());
}

#[test]
fn the_word_scans_find_what_a_byte_loop_finds() {
    // Bytes around the ones looked for, at every offset within and across the 8-byte words.
    let alphabet = [b'a', b'"', b'\\', 0x1f, 0x20, 0x7f, 0x80, 0xe0, 0xff, 0x5c ^ 0x80, 0x22 | 0x80];
    let mut seed = 0x9e37_79b9_u32;
    for len in 0..40 {
        for _ in 0..200 {
            let b: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    alphabet[(seed >> 16) as usize % alphabet.len()]
                })
                .collect();
            for at in 0..=len {
                let naive2 = b[at..].iter().position(|&c| c == b'"' || c == b'\\').map(|p| at + p);
                assert_eq!(find2(&b, at, b'"', b'\\'), naive2, "{b:?} from {at}");
                let naive = b[at..].iter().position(|&c| c == b'\\' || c < 0x20).map(|p| at + p);
                assert_eq!(find_escape(&b, at), naive, "{b:?} from {at}");
            }
        }
    }
}

#[test]
fn unescaping_gives_what_serde_json_gives_or_leaves_it_to_serde_json() {
    // Strings as `value` finds them: no unescaped quote inside.
    let strings = [
        r#""""#,
        r#""abcdefgh""#,
        r#""abcdefg\"""#,
        r#""\\\\\\\\\\\\\\\\""#,
        r#""x\u00e9\u4e2d\ud83d\ude00 long enough to span words \n\t\"q\" end""#,
        "\"raw \u{1}control\"",
        "\"\u{e9}t\u{e9} \\\\\\\"x and more than eight bytes\"",
        "\"bad \u{e9} then \\x\"",
    ];
    for s in strings {
        let mut out = Vec::new();
        match unescape(s.as_bytes(), &mut out) {
            Some(()) => {
                assert_eq!(std::str::from_utf8(&out).unwrap(), serde_json::from_str::<String>(s).unwrap(), "{s}")
            }
            // Surrogate pairs and anything odd go to serde_json, which decides.
            None => assert!(serde_json::from_str::<String>(s).is_err() || s.contains("\\u"), "{s}"),
        }
    }
    // Invalid UTF-8 after a byte above ASCII is refused.
    assert!(unescape(b"\"\xff\xfe and \\\" more\"", &mut Vec::new()).is_none());
    assert!(unescape(b"\"\xc3\xa9 ok \\\" more\"", &mut Vec::new()).is_some());
}

#[test]
fn odd_payloads_are_read_as_a_json_parser_reads_them() {
    let lines = [
        r#"{"id":1,"source":"s","type":"t","refId":null,"payload":"a\\","timestamp":1}"#,
        r#"{"id":1,"source":"s","type":"t","refId":null,"payload":"a\",\"timestamp\":2","timestamp":1}"#,
        r#"{"id":1,"source":"s","type":"t","refId":null,"payload":"a","x":"b","timestamp":1}"#,
        r#"{"id":1,"source":"s","type":"t","refId":null,"payload":"a\"b","c":"d\"","timestamp":1}"#,
        r#"{"id":1,"source":"s","type":"t","refId":null,"payload":"q\"\\\"","timestamp":1}"#,
        r#"{"id":1,"source":"s","type":"t","refId":null,"payload":"","timestamp":1}"#,
        r#"{"id":1,"source":"s","type":"t","refId":null,"payload":"a"b","timestamp":1}"#,
    ];
    for l in lines {
        let ours = parse(l.as_bytes()).map(|p| p.into_row());
        let theirs = slow(l.as_bytes()).map(|p| p.into_row());
        match (ours, theirs) {
            (Some(Ok(a)), Some(Ok(b))) => assert_eq!(a, b, "{l}"),
            (None, None) | (Some(Err(_)), None) => {}
            (a, b) => panic!("{l}: {a:?} vs {b:?}"),
        }
    }
}

//! The snippet of a found row: about [`WIDTH`] characters of its payload's words around the first
//! place a query word occurs, `…` where the text was cut. FTS5 cannot give one (`snippet()` is
//! NULL on a contentless table), and the row's text is at hand anyway. The snippet is plain text;
//! the command line highlights the words itself.

use super::tokenize::push_payload_words;

/// Characters shown.
pub const WIDTH: usize = 60;
/// Characters shown before the match, when there are that many.
const BEFORE: usize = 20;

/// Lower case without the common Latin diacritics, one character for one, so positions in the
/// folded text are positions in the original. (A full fold is unicode61's job; a snippet that
/// misses an unusual letter only starts at the text's beginning.)
fn fold(c: char) -> char {
    let c = c.to_lowercase().next().unwrap_or(c);
    match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' => 'i',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ý' | 'ÿ' => 'y',
        'ś' | 'ŝ' | 'ş' | 'š' => 's',
        'ź' | 'ż' | 'ž' => 'z',
        _ => c,
    }
}

fn find(hay: &[char], needle: &[char]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The snippet of `payload` for the query `words` (plain words, or the terms of an FTS query).
pub fn snippet(payload: Option<&str>, words: &[&str]) -> String {
    let Some(payload) = payload else { return String::new() };
    let mut text = String::new();
    push_payload_words(&mut text, payload);
    let chars: Vec<char> = text.split_whitespace().collect::<Vec<_>>().join(" ").chars().collect();
    let folded: Vec<char> = chars.iter().map(|&c| fold(c)).collect();
    // The whole word first, else its first letters-and-digits part (`run-abc` in `run abc`).
    let at = words.iter().find_map(|w| {
        let whole: Vec<char> = w.chars().map(fold).collect();
        find(&folded, &whole).or_else(|| {
            let part: Vec<char> =
                w.split(|c: char| !c.is_alphanumeric()).find(|p| !p.is_empty())?.chars().map(fold).collect();
            find(&folded, &part)
        })
    });
    let start = at.map_or(0, |a| a.saturating_sub(BEFORE));
    // Start no later than needed to fill the width.
    let start = start.min(chars.len().saturating_sub(WIDTH));
    let end = (start + WIDTH).min(chars.len());
    let mut out = String::with_capacity((end - start) * 3 + 6);
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_around_the_match() {
        let long = format!("{{\"m\":\"{} Disk FULL here {}\"}}", "x".repeat(100), "y".repeat(100));
        let s = snippet(Some(&long), &["full"]);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("Disk FULL here"), "{s}");
        assert_eq!(snippet(Some("short café"), &["cafe"]), "short café");
        assert_eq!(snippet(None, &["x"]), "");
    }
}

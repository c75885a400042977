//! Where to send a browser after signing in: only a path on this site. Browsers drop tabs and
//! newlines from URLs and read `\` as `/`, so `/<tab>/evil.example` would become
//! `//evil.example` (another host); such characters are refused, raw and percent-decoded.

/// `next` if it is a same-origin path, else the dashboard.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path) if is_local_path(path) => path,
        _ => "/",
    }
}

/// Whether `next` is a path on this site: one leading `/`, no control characters, whitespace
/// or backslashes anywhere, no `//` in the path, also once percent-decoded (twice, for
/// double encoding), and it resolves to this origin.
fn is_local_path(next: &str) -> bool {
    if !is_plain(next) {
        return false;
    }
    let mut text = next.to_owned();
    for _ in 0..2 {
        text = percent_decode(&text);
        if !is_plain(path_part(&text)) {
            return false;
        }
    }
    resolves_here(next)
}

fn is_plain(text: &str) -> bool {
    text.starts_with('/')
        && !path_part(text).contains("//")
        && !text
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
}

/// The part before the query or fragment.
fn path_part(text: &str) -> &str {
    text.split(['?', '#']).next().unwrap_or_default()
}

fn resolves_here(next: &str) -> bool {
    let Ok(base) = url::Url::parse("http://enrich.invalid/") else {
        return false;
    };
    base.join(next)
        .is_ok_and(|url| url.origin() == base.origin() && url.username().is_empty())
}

/// `%XX` escapes decoded (invalid ones left as they are; invalid UTF-8 replaced).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_a_local_path_only() {
        assert_eq!(safe_next(Some("/customers?q=a")), "/customers?q=a");
        assert_eq!(
            safe_next(Some("/segments/65f0/edit")),
            "/segments/65f0/edit"
        );
        assert_eq!(safe_next(Some("/customers?q=a%20b")), "/customers?q=a%20b");
        assert_eq!(safe_next(Some("//evil.test")), "/");
        assert_eq!(safe_next(Some("https://evil.test")), "/");
        assert_eq!(safe_next(Some("/\\evil.test")), "/");
        assert_eq!(safe_next(Some("")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn item_08_control_characters_and_encoded_tricks_are_refused() {
        for next in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "/%2509/evil.example",
            "/%252F%252Fevil.example",
            "/a\u{7f}b",
            "/\u{a0}/evil.example",
        ] {
            assert_eq!(safe_next(Some(next)), "/", "{next:?}");
        }
    }
}

//! Query strings built on both sides of hydration (serde_urlencoded is server-only).

/// `text` percent-encoded for a query string.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `path?k=v&…` with the empty values left out (`path` alone when none is left).
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    if parts.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", parts.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_encoded_and_empty_ones_dropped() {
        assert_eq!(
            with_query(
                "/customers",
                &[("q", "a b&c"), ("source", ""), ("after", "1|x")]
            ),
            "/customers?q=a%20b%26c&after=1%7Cx"
        );
        assert_eq!(with_query("/customers", &[("q", "")]), "/customers");
    }
}

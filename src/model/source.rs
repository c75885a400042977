//! Sources: the named systems that send data, their write keys (public: they ship inside apps)
//! and their server keys (secret: for the customer's backend, which may read any person).
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest source name.
pub const SOURCE_NAME_MAX_CHARS: usize = 60;

/// How a source sends data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// The tracking API with a write key.
    Api,
    /// File imports (CSV / JSON Lines).
    Import,
    /// Customers typed in on the Customers page.
    Manual,
}

/// A source as Settings lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSummary {
    /// Source id (hex).
    pub id: String,
    /// Unique name (`web`, `crm`).
    pub name: String,
    /// How it sends data.
    pub kind: SourceKind,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Its write keys, newest first (never the key itself).
    pub keys: Vec<KeySummary>,
    /// Its server keys, newest first (never the key itself).
    pub server_keys: Vec<KeySummary>,
    /// Web origins whose pages may call enrich with this source's keys (CORS).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
}

/// A write or server key as shown after creation: its first characters only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySummary {
    /// Key id (hex), used to revoke it; a server key's id is also the `keyId` of its tokens.
    pub id: String,
    /// The first characters, to tell keys apart.
    pub prefix: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A newly created write key: the only time the full key is ever shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedWriteKey {
    /// The source it belongs to.
    pub source: String,
    /// The key; store it now, it cannot be shown again.
    pub key: String,
}

/// A newly created server key: the only time the full key is ever shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedServerKey {
    /// The source it belongs to.
    pub source: String,
    /// Its public id, which user tokens signed with it name.
    pub key_id: String,
    /// The key; store it now, it cannot be shown again.
    pub key: String,
}

/// A valid source name: 1–60 of lower-case letters, digits, `-` and `_`, starting with a letter.
pub fn parse_source_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if name.is_empty() {
        Err(AppError::invalid("name", "is required"))
    } else if name.chars().count() > SOURCE_NAME_MAX_CHARS {
        Err(AppError::invalid(
            "name",
            format!("must be at most {SOURCE_NAME_MAX_CHARS} characters"),
        ))
    } else if !valid_chars || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        Err(AppError::invalid(
            "name",
            "must start with a letter and use only a-z, 0-9, '-' and '_'",
        ))
    } else {
        Ok(name.to_owned())
    }
}

/// Most allowed origins per source.
pub const MAX_ORIGINS: usize = 50;
/// Longest allowed origin.
const ORIGIN_MAX_CHARS: usize = 200;

/// The rule an origin must follow, in words.
const ORIGIN_RULE: &str = "must be a web origin like https://shop.example or http://localhost:8080 (scheme, host and port only)";

/// One origin as browsers send it (`https://shop.example`, `http://localhost:8080`): lower-case
/// scheme and host, a port only when given, no path, query or user name; `None` otherwise.
pub fn normalise_origin(raw: &str) -> Option<String> {
    let text = raw.trim().trim_end_matches('/');
    if text.is_empty() || text.chars().count() > ORIGIN_MAX_CHARS {
        return None;
    }
    let (scheme, rest) = text.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !rest.ends_with(']') => (host, Some(port)),
        _ => (rest, None),
    };
    let host = host.to_ascii_lowercase();
    let label_chars = |h: &str| {
        !h.is_empty()
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            && !h.starts_with(['.', '-'])
            && !h.ends_with(['.', '-'])
            && !h.contains("..")
    };
    let ipv6 = |h: &str| {
        h.len() > 2
            && h.starts_with('[')
            && h.ends_with(']')
            && h[1..h.len() - 1]
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    };
    if !label_chars(&host) && !ipv6(&host) {
        return None;
    }
    match port {
        None => Some(format!("{scheme}://{host}")),
        Some(port) => {
            let number: u16 = port.parse().ok().filter(|p| *p > 0)?;
            (port.chars().all(|c| c.is_ascii_digit()))
                .then(|| format!("{scheme}://{host}:{number}"))
        }
    }
}

/// The allowed origins typed one per line (or separated by commas or spaces): each checked,
/// duplicates dropped, order kept. Every bad line is reported at once, under `field`.
pub fn parse_origins(field: &str, text: &str) -> Result<Vec<String>, AppError> {
    let mut origins: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    for raw in text.split(['\n', ',', ' ', '\t', '\r']) {
        if raw.trim().is_empty() {
            continue;
        }
        match normalise_origin(raw) {
            Some(origin) if !origins.contains(&origin) => origins.push(origin),
            Some(_) => {}
            None => problems.push(format!("\"{}\" {ORIGIN_RULE}", raw.trim())),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::invalid(field, problems.join("; ")));
    }
    if origins.len() > MAX_ORIGINS {
        return Err(AppError::invalid(
            field,
            format!("must list at most {MAX_ORIGINS} origins"),
        ));
    }
    Ok(origins)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_like_browsers_send_them() {
        let ok = |raw: &str, want: &str| assert_eq!(normalise_origin(raw).as_deref(), Some(want));
        ok("https://Shop.Example/", "https://shop.example");
        ok(" http://localhost:8080 ", "http://localhost:8080");
        ok("HTTP://127.0.0.1:3000", "http://127.0.0.1:3000");
        ok("http://[::1]:8080", "http://[::1]:8080");
        for bad in [
            "",
            "shop.example",
            "ftp://shop.example",
            "https://shop.example/path",
            "https://user@shop.example",
            "https://shop.example?x=1",
            "https://shop.example:0",
            "https://shop.example:99999",
            "https://shop.example:8a",
            "https://*.shop.example",
            "https://.shop.example",
            "null",
        ] {
            assert_eq!(normalise_origin(bad), None, "{bad:?}");
        }
    }

    proptest::proptest! {
        /// Whatever is typed, a kept origin is already normal (normalising it again changes
        /// nothing) and is only scheme, host and port: nothing a CORS header could carry more.
        #[test]
        fn kept_origins_are_normal_and_bare(raw in "\\PC{0,40}", host in "[a-zA-Z0-9.-]{1,20}", port in proptest::option::of(0u32..70_000)) {
            for text in [raw.clone(), format!("https://{host}"), format!("http://{host}:{}", port.unwrap_or(80))] {
                if let Some(origin) = normalise_origin(&text) {
                    let again = normalise_origin(&origin);
                    proptest::prop_assert_eq!(again.as_deref(), Some(origin.as_str()));
                    let rest = origin.split_once("://").unwrap().1;
                    proptest::prop_assert!(!rest.contains(['/', '?', '#', '@', ' ']), "{}", origin);
                    proptest::prop_assert!(origin.starts_with("http://") || origin.starts_with("https://"));
                }
            }
        }
    }

    #[test]
    fn origin_lists_report_every_bad_line_and_drop_duplicates() {
        let list = parse_origins(
            "origins",
            "https://a.example\nhttps://A.example/, http://b.example:81",
        )
        .unwrap();
        assert_eq!(list, vec!["https://a.example", "http://b.example:81"]);
        let err = parse_origins("origins", "https://a.example/x\nnope").unwrap_err();
        let message = err.message_for("origins").unwrap();
        assert!(
            message.contains("https://a.example/x") && message.contains("nope"),
            "{message}"
        );
        let many: String = (0..=MAX_ORIGINS)
            .map(|i| format!("https://s{i}.example\n"))
            .collect();
        assert!(parse_origins("origins", &many).is_err());
        assert_eq!(
            parse_origins("origins", "  \n ").unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn names_are_slugs() {
        assert_eq!(parse_source_name(" web-app_2 ").unwrap(), "web-app_2");
        for bad in ["", "Web", "2web", "we b", "web.app", &"a".repeat(61)] {
            let err = parse_source_name(bad).unwrap_err();
            assert!(err.message_for("name").is_some(), "{bad:?}");
        }
    }
}

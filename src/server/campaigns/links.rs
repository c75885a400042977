//! Links in messages: the open pixel, tracked clicks and the unsubscribe page. Each carries the
//! outbox key and an HMAC-SHA256 tag under the link key, so nobody can forge an open, redirect
//! a click elsewhere, or unsubscribe someone else.
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What a link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// The tracking pixel.
    Open,
    /// A tracked click (the tag covers the target too).
    Click,
    /// Unsubscribe.
    Unsubscribe,
}

impl LinkKind {
    fn as_str(self) -> &'static str {
        match self {
            LinkKind::Open => "open",
            LinkKind::Click => "click",
            LinkKind::Unsubscribe => "unsubscribe",
        }
    }
}

/// Tag bytes kept: 128 bits is beyond guessing and keeps links short.
const TAG_BYTES: usize = 16;

fn tag(key: &[u8], kind: LinkKind, outbox_id: &str, target: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in [kind.as_str(), outbox_id, target] {
        mac.update(part.as_bytes());
        mac.update(&[0]);
    }
    URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..TAG_BYTES])
}

/// The token for `outbox_id`: `<id in base64url>.<tag>`.
pub fn token(key: &[u8], kind: LinkKind, outbox_id: &str, target: &str) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(outbox_id),
        tag(key, kind, outbox_id, target)
    )
}

/// The outbox key a token names, if its tag is right for `kind` and `target`.
pub fn verify(key: &[u8], kind: LinkKind, token: &str, target: &str) -> Option<String> {
    let (id, given) = token.split_once('.')?;
    let id = String::from_utf8(URL_SAFE_NO_PAD.decode(id).ok()?).ok()?;
    let given = URL_SAFE_NO_PAD.decode(given).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    for part in [kind.as_str(), id.as_str(), target] {
        mac.update(part.as_bytes());
        mac.update(&[0]);
    }
    // `verify_truncated_left` compares in constant time.
    mac.verify_truncated_left(&given).ok()?;
    (given.len() == TAG_BYTES).then_some(id)
}

/// The address of a link of `kind` under `base` (the public URL).
pub fn url(base: &str, key: &[u8], kind: LinkKind, outbox_id: &str, target: &str) -> String {
    let token = token(key, kind, outbox_id, target);
    match kind {
        LinkKind::Open => format!("{base}/v1/links/open/{token}"),
        LinkKind::Unsubscribe => format!("{base}/v1/links/unsubscribe/{token}"),
        LinkKind::Click => {
            let target: String = serde_urlencoded::to_string([("u", target)]).unwrap_or_default();
            format!("{base}/v1/links/click/{token}?{target}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_kind_target_and_key() {
        let key = b"0123456789abcdef";
        let id = "65f0:1:65f1";
        let click = token(key, LinkKind::Click, id, "https://shop.example/sale");
        assert_eq!(
            verify(key, LinkKind::Click, &click, "https://shop.example/sale").as_deref(),
            Some(id)
        );
        assert_eq!(
            verify(key, LinkKind::Click, &click, "https://evil.example/"),
            None
        );
        assert_eq!(
            verify(
                key,
                LinkKind::Unsubscribe,
                &click,
                "https://shop.example/sale"
            ),
            None
        );
        assert_eq!(
            verify(
                b"another key",
                LinkKind::Click,
                &click,
                "https://shop.example/sale"
            ),
            None
        );
        let forged = format!("{}.AAAA", URL_SAFE_NO_PAD.encode("65f0:1:other"));
        assert_eq!(verify(key, LinkKind::Open, &forged, ""), None);
    }
}

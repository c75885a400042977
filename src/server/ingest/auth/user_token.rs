//! User tokens: what a customer's backend hands its browsers and apps so they may read one
//! person's messages and recommendations. The format is
//! `ut1.<keyId>.<expUnixSeconds>.<base64url(userId)>.<base64url(tag)>`, where `tag` is
//! HMAC-SHA256 under the server key over everything before the last dot. base64url has no
//! padding. Server keys are longer than SHA-256's 64-byte block, so by RFC 2104 the HMAC under
//! the key equals the HMAC under its SHA-256 digest: the server verifies with the stored digest.
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The version tag every token starts with.
pub const VERSION: &str = "ut1";
/// Longest lifetime accepted: a token expiring later than this from now is refused.
pub const MAX_LIFETIME_SECS: i64 = 24 * 60 * 60;
/// Longest token read at all (a user id of up to 512 bytes fits).
pub const MAX_TOKEN_CHARS: usize = 1024;

/// A token whose parts parse, before its tag is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims<'a> {
    /// The server key's public id (hex ObjectId).
    pub key_id: &'a str,
    /// Expiry, Unix seconds.
    pub expires: i64,
    /// The one person the token may read.
    pub user_id: String,
    signed: &'a str,
    tag: Vec<u8>,
}

/// The token for `user_id` until `expires`, signed with `key` (the server key's text, or its
/// SHA-256 digest: both give the same tag).
pub fn mint(key: &[u8], key_id: &str, expires: i64, user_id: &str) -> String {
    let signed = format!(
        "{VERSION}.{key_id}.{expires}.{}",
        URL_SAFE_NO_PAD.encode(user_id)
    );
    let tag = mac(key, &signed).finalize().into_bytes();
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(tag))
}

fn mac(key: &[u8], signed: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(signed.as_bytes());
    mac
}

/// Whether `text` looks like a user token (so a bearer credential is read as one).
pub fn is_token(text: &str) -> bool {
    text.starts_with(VERSION) && text[VERSION.len()..].starts_with('.')
}

/// The parts of `token`, if it is well formed; nothing is trusted until [`Claims::verify`].
pub fn parse(token: &str) -> Option<Claims<'_>> {
    if token.len() > MAX_TOKEN_CHARS {
        return None;
    }
    let (signed, tag) = token.rsplit_once('.')?;
    let mut parts = signed.split('.');
    let (version, key_id, expires, user) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let plain_number = !expires.is_empty() && expires.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || version != VERSION || !plain_number {
        return None;
    }
    let user_id = String::from_utf8(URL_SAFE_NO_PAD.decode(user).ok()?).ok()?;
    Some(Claims {
        key_id,
        expires: expires.parse().ok()?,
        user_id: Some(user_id).filter(|u| !u.is_empty())?,
        signed,
        tag: URL_SAFE_NO_PAD.decode(tag).ok()?,
    })
}

impl Claims<'_> {
    /// Whether the tag is right under `key` (compared in constant time) and the token is
    /// live at `now` (Unix seconds): not expired, and not valid for longer than the cap.
    pub fn verify(&self, key: &[u8], now: i64) -> bool {
        let live = self.expires > now && self.expires - now <= MAX_LIFETIME_SECS;
        live && mac(key, self.signed).verify_slice(&self.tag).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sha2::Digest;

    /// A server key as issued: `sk_` and 64 random bytes in base64url, 89 characters.
    const KEY: &str = "sk_Xq3v0bY4m2Zr8L1cN6tP9wE5uH7kJ0aS4dF2gB8nM6vC1xZ3qW7eR5tY9uI0oP2aL4sK6jH8gF1dS3aZ5xC7vB9nM";
    const KEY_ID: &str = "65f0c0ffee0000000000abcd";
    const NOW: i64 = 1_800_000_000;

    fn digest() -> Vec<u8> {
        Sha256::digest(KEY.as_bytes()).to_vec()
    }

    #[test]
    fn hmac_under_a_long_key_equals_hmac_under_its_digest() {
        assert!(KEY.len() > 64);
        let tag = |key: &[u8]| mac(key, "ut1.any.1.dXNlcg").finalize().into_bytes();
        assert_eq!(tag(KEY.as_bytes()), tag(&digest()));
        assert_eq!(
            mint(KEY.as_bytes(), KEY_ID, NOW + 60, "user-1"),
            mint(&digest(), KEY_ID, NOW + 60, "user-1")
        );
    }

    #[test]
    fn a_minted_token_verifies_with_the_stored_digest_until_it_expires() {
        let token = mint(KEY.as_bytes(), KEY_ID, NOW + 60, "ünï/cødé user");
        let claims = parse(&token).unwrap();
        assert_eq!(
            (claims.key_id, claims.expires, claims.user_id.as_str()),
            (KEY_ID, NOW + 60, "ünï/cødé user")
        );
        assert!(claims.verify(&digest(), NOW));
        assert!(!claims.verify(&digest(), NOW + 60), "expired at its second");
        assert!(!claims.verify(b"another key", NOW));
    }

    #[test]
    fn tokens_valid_beyond_the_cap_or_malformed_are_refused() {
        let long = mint(&digest(), KEY_ID, NOW + MAX_LIFETIME_SECS + 1, "u");
        assert!(!parse(&long).unwrap().verify(&digest(), NOW));
        let capped = mint(&digest(), KEY_ID, NOW + MAX_LIFETIME_SECS, "u");
        assert!(parse(&capped).unwrap().verify(&digest(), NOW));
        let empty_user = mint(&digest(), KEY_ID, NOW + 60, "");
        for bad in [
            "",
            "ut1",
            "ut1.a.1.dQ",
            "ut2.a.1.dQ.AAAA",
            "ut1.a.-1.dQ.AAAA",
            "ut1.a.+1.dQ.AAAA",
            "ut1.a.1.dQ.x.AAAA",
            "ut1.a.1.!!.AAAA",
            &empty_user,
            &format!("ut1.a.1.{}.AAAA", "A".repeat(MAX_TOKEN_CHARS)),
        ] {
            assert!(parse(bad).is_none(), "{bad:?}");
        }
    }

    proptest! {
        /// Changing any one character of a valid token, or cutting it short, never yields a
        /// token that verifies.
        #[test]
        fn any_tampering_is_refused(
            user in "[a-zA-Z0-9@._ -]{1,40}",
            at in any::<prop::sample::Index>(),
            with in "[a-zA-Z0-9_.=+/-]",
            cut in any::<prop::sample::Index>(),
        ) {
            let token = mint(KEY.as_bytes(), KEY_ID, NOW + 600, &user);
            let i = at.index(token.len());
            let mut tampered = token.clone();
            tampered.replace_range(i..=i, &with);
            if tampered != token {
                prop_assert!(!parse(&tampered).is_some_and(|c| c.verify(&digest(), NOW)), "{tampered}");
            }
            let short = &token[..cut.index(token.len())];
            prop_assert!(!parse(short).is_some_and(|c| c.verify(&digest(), NOW)), "{short}");
            prop_assert!(parse(&token).unwrap().verify(&digest(), NOW));
        }
    }
}

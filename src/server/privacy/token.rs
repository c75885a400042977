//! Opaque tokens for URLs (page cursors): AES-256-GCM under the key ring's current key, with the
//! token's purpose as associated data, so a token reveals nothing of what it holds and any
//! change to it is refused.
//!
//! Format: `<key id>.<base64url, no padding, of a 12-byte nonce ‖ ciphertext ‖ tag>`. Tokens
//! sealed under an older key open as long as the ring still lists it.
use super::keyring::{KEY_LEN, KeyRing};
use crate::error::AppError;
use aes_gcm::{
    Aes256Gcm,
    aead::{Aead, KeyInit, Payload},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;

/// AES-GCM's standard nonce size.
const NONCE_LEN: usize = 12;

/// Prefixed to the purpose in the associated data. Field names never hold a `:`, so a stored
/// field envelope can never be opened as a token, nor a token as a field value.
const AAD_PREFIX: &str = "token:";

impl KeyRing {
    /// Seals `plaintext` for `purpose` into a URL-safe token.
    pub fn seal_token(&self, purpose: &str, plaintext: &[u8]) -> Result<String, AppError> {
        let (kid, key) = self.current_key();
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = format!("{AAD_PREFIX}{purpose}");
        let payload = Payload {
            msg: plaintext,
            aad: aad.as_bytes(),
        };
        let sealed = cipher(key)
            .encrypt(&nonce.into(), payload)
            .map_err(|_| AppError::internal(format!("cannot seal a {purpose} token")))?;
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&sealed);
        Ok(format!("{kid}.{}", URL_SAFE_NO_PAD.encode(blob)))
    }

    /// The plaintext of a token sealed for `purpose`; `None` if it is malformed, names a key
    /// the ring lacks, was sealed for another purpose, or was changed in any way.
    pub fn open_token(&self, purpose: &str, token: &str) -> Option<Vec<u8>> {
        let (kid, encoded) = token.split_once('.')?;
        let key = self.key(kid)?;
        let blob = URL_SAFE_NO_PAD.decode(encoded).ok()?;
        if blob.len() < NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = blob.split_at(NONCE_LEN);
        let aad = format!("{AAD_PREFIX}{purpose}");
        let payload = Payload {
            msg: sealed,
            aad: aad.as_bytes(),
        };
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        cipher(key).decrypt(&nonce.into(), payload).ok()
    }
}

fn cipher(key: &[u8; KEY_LEN]) -> Aes256Gcm {
    Aes256Gcm::new(key.into())
}

#[cfg(test)]
mod tests {
    use super::super::keyring::generate;

    #[test]
    fn a_token_opens_for_its_purpose_only_and_hides_its_content() {
        let ring = generate();
        let token = ring.seal_token("cursor", b"alma person|42").unwrap();
        assert!(!token.contains("alma"));
        assert_eq!(
            ring.open_token("cursor", &token).as_deref(),
            Some(&b"alma person|42"[..])
        );
        assert_eq!(ring.open_token("other", &token), None);
        assert_eq!(generate().open_token("cursor", &token), None);
    }

    #[test]
    fn any_change_to_a_token_is_refused() {
        let ring = generate();
        let token = ring.seal_token("cursor", b"value").unwrap();
        for at in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(bytes).unwrap();
            if changed != token {
                assert_eq!(ring.open_token("cursor", &changed), None, "{changed}");
            }
        }
        for bad in ["", ".", "k1.", "nokey", "k1.!!!"] {
            assert_eq!(ring.open_token("cursor", bad), None, "{bad}");
        }
    }

    #[test]
    fn tokens_from_an_older_key_still_open_after_rotation() {
        let ring = generate();
        let token = ring.seal_token("cursor", b"value").unwrap();
        let rotated = ring.with_new_key();
        assert_eq!(
            rotated.open_token("cursor", &token).as_deref(),
            Some(&b"value"[..])
        );
    }
}

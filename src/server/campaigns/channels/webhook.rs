//! Webhook: a JSON POST signed like Stripe's, `X-Enrich-Signature: t=<unix>,v1=<hex>` where
//! the hex is HMAC-SHA256 of `<unix>.<body>` under the signing secret; `Idempotency-Key` is the
//! outbox key, so a receiver can drop a retried delivery.
use super::{Delivery, Outgoing, SendError};
use crate::server::campaigns::audience::user_id;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use std::{sync::Mutex, time::Duration};

/// The HTTP client, rebuilt when the timeout changes.
#[derive(Default)]
pub struct HttpPool(Mutex<Option<(u64, reqwest::Client)>>);

impl HttpPool {
    fn client(&self, timeout_ms: u64) -> Result<reqwest::Client, SendError> {
        let mut slot = self
            .0
            .lock()
            .map_err(|_| SendError::Transient("client lock poisoned".into()))?;
        if let Some((ms, client)) = slot.as_ref().filter(|(ms, _)| *ms == timeout_ms) {
            let _ = ms;
            return Ok(client.clone());
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(timeout_ms.max(100)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SendError::Permanent(format!("HTTP client: {e}")))?;
        *slot = Some((timeout_ms, client.clone()));
        Ok(client)
    }
}

/// The signature header for `body` sent at `unix`.
pub fn signature(secret: &str, unix: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{unix}.").as_bytes());
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={unix},v1={hex}")
}

/// POSTs `message` to the configured endpoint.
pub async fn send(
    delivery: &Delivery<'_>,
    pool: &HttpPool,
    message: &Outgoing<'_>,
) -> Result<(), SendError> {
    let url = delivery.settings.webhook_url.trim();
    if url.is_empty() {
        return Err(SendError::Permanent("no webhook URL is configured".into()));
    }
    let secret = &delivery.secrets.webhook_secret;
    if secret.is_empty() {
        return Err(SendError::Permanent(
            "no webhook signing secret is configured".into(),
        ));
    }
    let profile = message.profile;
    let body = json!({
        "id": message.key,
        "campaign": { "id": message.campaign.id.to_hex(), "name": message.campaign.definition.name },
        "variant": message.variant,
        "profile": {
            "id": profile.id.to_hex(),
            "userId": user_id(profile),
            "email": profile.email,
            "phone": profile.phone,
        },
        "subject": message.subject,
        "body": message.body,
        "unsubscribeUrl": message.unsubscribe_url,
    })
    .to_string();
    let unix = chrono::Utc::now().timestamp();
    let answer = pool
        .client(delivery.settings.webhook_timeout_ms)?
        .post(url)
        .header("content-type", "application/json")
        .header("idempotency-key", message.key)
        .header(
            "x-enrich-signature",
            signature(secret, unix, body.as_bytes()),
        )
        .body(body)
        .send()
        .await
        .map_err(|e| SendError::Transient(format!("the endpoint could not be reached: {e}")))?;
    let status = answer.status();
    match status.as_u16() {
        200..=299 => Ok(()),
        408 | 425 | 429 | 500..=599 => Err(SendError::Transient(format!(
            "the endpoint answered {status}"
        ))),
        _ => Err(SendError::Permanent(format!(
            "the endpoint answered {status}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::signature;

    #[test]
    fn the_signature_covers_time_and_body() {
        let a = signature("s3cret", 1_700_000_000, b"{\"a\":1}");
        assert!(a.starts_with("t=1700000000,v1="), "{a}");
        assert_eq!(a.len(), "t=1700000000,v1=".len() + 64);
        assert_ne!(a, signature("s3cret", 1_700_000_001, b"{\"a\":1}"));
        assert_ne!(a, signature("s3cret", 1_700_000_000, b"{\"a\":2}"));
        assert_ne!(a, signature("other", 1_700_000_000, b"{\"a\":1}"));
    }
}

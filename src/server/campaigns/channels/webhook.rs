//! Webhook: a JSON POST signed like Stripe's, `X-Enrich-Signature: t=<unix>,v1=<hex>` where
//! the hex is HMAC-SHA256 of `<unix>.<body>` under the signing secret; `Idempotency-Key` is the
//! outbox key, so a receiver can drop a retried delivery.
use super::{
    Delivery, Outgoing, SendError,
    destination::{self, PublicOnly},
};
use crate::server::campaigns::audience::user_id;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

/// Every failure to reach the endpoint reads the same (refused, timed out, TLS, not allowed),
/// so failure reasons cannot be used to scan ports or probe DNS.
const UNREACHABLE: &str = "the endpoint is unreachable";

/// The HTTP client, rebuilt when the timeout or the private-address setting changes.
#[derive(Default)]
pub struct HttpPool(Mutex<Option<((u64, bool), reqwest::Client)>>);

impl HttpPool {
    fn client(&self, timeout_ms: u64, allow_private: bool) -> Result<reqwest::Client, SendError> {
        let mut slot = self
            .0
            .lock()
            .map_err(|_| SendError::Transient("client lock poisoned".into()))?;
        let key = (timeout_ms, allow_private);
        if let Some((_, client)) = slot.as_ref().filter(|(k, _)| *k == key) {
            return Ok(client.clone());
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(timeout_ms.max(100)))
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the host itself, past the check.
            .no_proxy()
            .dns_resolver(Arc::new(PublicOnly { allow_private }))
            .build()
            .map_err(|_| SendError::Permanent("the HTTP client could not be built".into()))?;
        *slot = Some((key, client.clone()));
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
    let Ok(url) = url::Url::parse(url) else {
        return Err(SendError::Permanent("the webhook URL is not valid".into()));
    };
    let allow_private = delivery.service.env.webhook_allow_private;
    if let Err(refused) = destination::check_literal(&url, allow_private) {
        tracing::warn!(%refused, "a webhook was not sent");
        return Err(SendError::Transient(UNREACHABLE.into()));
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
        .client(delivery.settings.webhook_timeout_ms, allow_private)?
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
        .map_err(|err| {
            // Details for the operator only: the error names the host, never the person.
            tracing::debug!(%err, "a webhook could not be delivered");
            SendError::Transient(UNREACHABLE.into())
        })?;
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

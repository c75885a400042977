//! Email over SMTP (lettre): a plain-text part as written and an HTML part with tracked links
//! and the open pixel (each when enabled), `List-Unsubscribe` with one-click (RFC 8058), and a
//! `Message-ID` made from the outbox key so a retried send is recognisably the same message.
use super::{Delivery, Outgoing, SendError};
use crate::{
    model::campaign_settings::{SmtpSecurity, SmtpSettings},
    server::campaigns::links::{self, LinkKind},
};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{
        Mailbox, MultiPart,
        header::{Header, HeaderName, HeaderValue},
    },
    transport::smtp::authentication::Credentials,
};
use std::{sync::Mutex, time::Duration};

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// The SMTP connection pool, rebuilt when the settings change.
#[derive(Default)]
pub struct SmtpPool(Mutex<Option<(SmtpSettings, String, Transport)>>);

impl SmtpPool {
    fn transport(&self, smtp: &SmtpSettings, password: &str) -> Result<Transport, SendError> {
        let mut slot = self
            .0
            .lock()
            .map_err(|_| SendError::Transient("pool lock poisoned".into()))?;
        if let Some((_, _, transport)) =
            slot.as_ref().filter(|(s, p, _)| s == smtp && p == password)
        {
            return Ok(transport.clone());
        }
        let host = smtp.host.trim();
        let unusable =
            |e: lettre::transport::smtp::Error| SendError::Permanent(format!("SMTP settings: {e}"));
        let mut builder = match smtp.security {
            SmtpSecurity::None => Transport::builder_dangerous(host),
            SmtpSecurity::StartTls => Transport::starttls_relay(host).map_err(unusable)?,
            SmtpSecurity::Tls => Transport::relay(host).map_err(unusable)?,
        }
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(15)));
        if !smtp.username.is_empty() {
            builder =
                builder.credentials(Credentials::new(smtp.username.clone(), password.to_owned()));
        }
        let transport = builder.build();
        *slot = Some((smtp.clone(), password.to_owned(), transport.clone()));
        Ok(transport)
    }
}

/// `List-Unsubscribe`.
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
#[derive(Debug, Clone)]
struct OneClick;

impl Header for OneClick {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// Sends `message` to the person's email address.
pub async fn send(
    delivery: &Delivery<'_>,
    pool: &SmtpPool,
    message: &Outgoing<'_>,
) -> Result<(), SendError> {
    let smtp = &delivery.settings.smtp;
    if smtp.host.trim().is_empty() {
        return Err(SendError::Permanent("no SMTP server is configured".into()));
    }
    let to = message.profile.email.as_deref().unwrap_or_default();
    let to: Mailbox = to
        .parse()
        .map_err(|_| SendError::Permanent("the address is not a valid mailbox".into()))?;
    let from: Mailbox = smtp.from.parse().map_err(|_| {
        SendError::Permanent("the From address in the SMTP settings is not valid".into())
    })?;
    let (text, html) = parts(delivery, message);
    let email = Message::builder()
        .from(from)
        .to(to)
        .subject(message.subject.clone())
        .message_id(Some(format!("<{}@enrich>", message.key.replace(':', "."))))
        .header(ListUnsubscribe(format!("<{}>", message.unsubscribe_url)))
        .header(OneClick)
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|_| SendError::Permanent("the message could not be built".into()))?;
    let transport = pool.transport(smtp, &delivery.secrets.smtp_password)?;
    match transport.send(email).await {
        Ok(_) => Ok(()),
        Err(err) if err.is_permanent() => Err(SendError::Permanent(format!(
            "the SMTP server refused it{}",
            code(&err)
        ))),
        Err(err) => Err(SendError::Transient(format!(
            "the SMTP server did not take it{}",
            code(&err)
        ))),
    }
}

/// The reply code only: a server's reply text often repeats the address, and failure reasons
/// are shown to roles that may not see it.
fn code(err: &lettre::transport::smtp::Error) -> String {
    err.status().map(|c| format!(" ({c})")).unwrap_or_default()
}

/// The text and HTML parts.
fn parts(delivery: &Delivery<'_>, message: &Outgoing<'_>) -> (String, String) {
    let settings = delivery.settings;
    let base = &delivery.service.env.public_url;
    let key = &delivery.secrets.link_secret;
    let text = format!(
        "{}\n\n--\nUnsubscribe: {}\n",
        message.body, message.unsubscribe_url
    );
    let track = |url: &str| {
        if settings.track_clicks {
            links::url(base, key, LinkKind::Click, message.key, url)
        } else {
            url.to_owned()
        }
    };
    let mut html = String::from("<!doctype html><html><body><p>");
    html.push_str(&linkify(&message.body, track).replace('\n', "<br>\n"));
    html.push_str(&format!(
        "</p><p style=\"font-size:12px;color:#666\"><a href=\"{}\">Unsubscribe</a></p>",
        escape(&message.unsubscribe_url)
    ));
    if settings.track_opens {
        let pixel = links::url(base, key, LinkKind::Open, message.key, "");
        html.push_str(&format!(
            "<img src=\"{}\" width=\"1\" height=\"1\" alt=\"\">",
            escape(&pixel)
        ));
    }
    html.push_str("</body></html>");
    (text, html)
}

/// HTML-escapes `text`.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// `text` as HTML with each `http(s)://` address a link to `href(address)`.
pub fn linkify(text: &str, href: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest
        .find("http://")
        .into_iter()
        .chain(rest.find("https://"))
        .min()
    {
        out.push_str(&escape(&rest[..start]));
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\''))
            .unwrap_or(tail.len());
        let url = tail[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')']);
        out.push_str(&format!(
            "<a href=\"{}\">{}</a>",
            escape(&href(url)),
            escape(url)
        ));
        rest = &tail[url.len()..];
    }
    out.push_str(&escape(rest));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_tracked_and_text_escaped() {
        let html = linkify("See https://shop.example/a?b=1. <b>now</b>", |u| {
            format!("T({u})")
        });
        assert_eq!(
            html,
            "See <a href=\"T(https://shop.example/a?b=1)\">https://shop.example/a?b=1</a>. &lt;b&gt;now&lt;/b&gt;"
        );
        assert_eq!(linkify("no links", |u| u.to_owned()), "no links");
    }
}

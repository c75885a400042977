//! Who may read whose personalization. A backend with a source's server key reads anyone; a
//! browser or app with a user token reads only the user it names; a page with only the public
//! write key reads an anonymous visitor by the `anonymousId` only that browser holds — and about
//! a visitor who turns out to be a known person (a user id, email, phone or external id on the
//! profile) it learns nothing: they are answered like someone never seen. Every refusal is the
//! same 401.
use crate::{
    error::AppError,
    server::{
        browser::cors::{Credential, presented},
        db::sources::Sources,
        ingest::{auth::reader::token_user, limits::MAX_ID_LENGTH},
    },
};
use axum::http::HeaderMap;
use serde::Deserialize;

/// The person asked about, from the query string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Person {
    /// A visitor by their SDK's anonymous id.
    Anonymous(String),
    /// A known user by the customer's user id.
    User(String),
}

/// The query of both endpoints (credentials in it are read by [`reader`]).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PersonQuery {
    #[serde(rename = "anonymousId")]
    anonymous_id: Option<String>,
    #[serde(rename = "userId")]
    user_id: Option<String>,
}

impl PersonQuery {
    /// The person named: exactly one of `anonymousId` and `userId`, within the id length limit.
    pub fn person(&self) -> Result<Person, AppError> {
        let clean = |field: &str, value: &Option<String>| -> Result<Option<String>, AppError> {
            let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
                return Ok(None);
            };
            if value.len() > MAX_ID_LENGTH {
                return Err(AppError::invalid(
                    field,
                    format!("must be at most {MAX_ID_LENGTH} bytes"),
                ));
            }
            Ok(Some(value.to_owned()))
        };
        let anonymous = clean("anonymousId", &self.anonymous_id)?;
        let user = clean("userId", &self.user_id)?;
        match (anonymous, user) {
            (Some(_), Some(_)) => Err(AppError::invalid(
                "userId",
                "give either anonymousId or userId, not both",
            )),
            (Some(id), None) => Ok(Person::Anonymous(id)),
            (None, Some(id)) => Ok(Person::User(id)),
            (None, None) => Err(AppError::invalid(
                "anonymousId",
                "is required (or userId, with a server key or that user's token)",
            )),
        }
    }
}

/// What the credential lets the caller read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reader {
    /// A backend with a server key: anyone.
    Backend,
    /// A holder of a user token: only this user.
    User(String),
    /// A page with only a write key: anonymous visitors' exposed data.
    Visitor,
}

impl Reader {
    /// Whether this reader may ask about `person`.
    pub fn may_read(&self, person: &Person) -> bool {
        match (self, person) {
            (Reader::Backend, _) => true,
            (Reader::User(token_user), Person::User(user)) => token_user == user,
            (Reader::User(_), Person::Anonymous(_)) => false,
            (Reader::Visitor, Person::Anonymous(_)) => true,
            (Reader::Visitor, Person::User(_)) => false,
        }
    }
}

/// The reader the request's credential makes it (headers first, then `token` or `writeKey` in
/// the query string, for EventSource); 401 when there is none or it is not live.
pub async fn reader(
    sources: &Sources,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Reader, AppError> {
    let reader = match presented(headers, query) {
        Some(Credential::Server(key)) => sources
            .server_keys()
            .authenticate(&key)
            .await?
            .map(|_| Reader::Backend),
        Some(Credential::UserToken(token)) => {
            let now = chrono::Utc::now().timestamp();
            token_user(sources, &token, now).await?.map(Reader::User)
        }
        Some(Credential::Write(key)) => sources.authenticate(&key).await?.map(|_| Reader::Visitor),
        None => None,
    };
    reader.ok_or(AppError::Unauthorized)
}

/// The person asked about, after checking `reader` may read them (401 otherwise).
pub fn checked(reader: &Reader, query: &PersonQuery) -> Result<Person, AppError> {
    let person = query.person()?;
    if reader.may_read(&person) {
        Ok(person)
    } else {
        Err(AppError::Unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(anonymous: Option<&str>, user: Option<&str>) -> PersonQuery {
        PersonQuery {
            anonymous_id: anonymous.map(str::to_owned),
            user_id: user.map(str::to_owned),
        }
    }

    #[test]
    fn exactly_one_person_is_named() {
        assert_eq!(
            query(Some(" a1 "), None).person().unwrap(),
            Person::Anonymous("a1".into())
        );
        assert_eq!(
            query(Some(""), Some("u1")).person().unwrap(),
            Person::User("u1".into())
        );
        assert!(
            query(None, None)
                .person()
                .unwrap_err()
                .message_for("anonymousId")
                .is_some()
        );
        assert!(
            query(Some("a"), Some("u"))
                .person()
                .unwrap_err()
                .message_for("userId")
                .is_some()
        );
        let long = "x".repeat(MAX_ID_LENGTH + 1);
        assert!(
            query(Some(&long), None)
                .person()
                .unwrap_err()
                .message_for("anonymousId")
                .is_some()
        );
    }

    #[test]
    fn write_keys_read_only_visitors_and_tokens_only_their_user() {
        let (visitor, user) = (Person::Anonymous("a".into()), Person::User("u".into()));
        assert!(Reader::Backend.may_read(&visitor) && Reader::Backend.may_read(&user));
        assert!(Reader::Visitor.may_read(&visitor));
        assert!(!Reader::Visitor.may_read(&user));
        assert!(Reader::User("u".into()).may_read(&user));
        assert!(!Reader::User("v".into()).may_read(&user));
        assert!(!Reader::User("u".into()).may_read(&visitor));
    }
}

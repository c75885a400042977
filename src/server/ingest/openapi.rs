//! The tracking API's OpenAPI document, served at `/v1/openapi.json`.
use super::pipeline::IngestReport;
use axum::Json;
use serde_json::{Map, Value};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        ComponentsBuilder, Content, HttpMethod, InfoBuilder, OpenApi, OpenApiBuilder, PathItem,
        PathsBuilder, Ref, Required,
        path::OperationBuilder,
        request_body::RequestBodyBuilder,
        response::ResponseBuilder,
        security::{
            ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
        },
    },
};

/// One message of Segment's HTTP Tracking API. Fields not listed are kept as sent.
#[derive(ToSchema)]
#[schema(as = Message)]
#[expect(
    dead_code,
    reason = "describes the wire format; the parser reads JSON values"
)]
struct MessageSchema {
    /// `identify`, `track`, `page`, `screen`, `group` or `alias` (implied by the path except in a batch).
    r#type: Option<String>,
    /// Known user id; this or `anonymousId` is required.
    #[schema(rename = "userId")]
    user_id: Option<String>,
    /// Device or cookie id.
    #[schema(rename = "anonymousId")]
    anonymous_id: Option<String>,
    /// Unique per source; a retry with the same id is acknowledged and applied once.
    #[schema(rename = "messageId")]
    message_id: Option<String>,
    /// When it happened (ISO-8601); corrected for clock skew with `sentAt`.
    timestamp: Option<String>,
    /// The client's own event time, if it sends both.
    #[schema(rename = "originalTimestamp")]
    original_timestamp: Option<String>,
    /// When the client sent it (ISO-8601).
    #[schema(rename = "sentAt")]
    sent_at: Option<String>,
    /// Track: the event name (required).
    event: Option<String>,
    /// Page / screen name.
    name: Option<String>,
    /// Page category.
    category: Option<String>,
    /// Track / page / screen properties.
    properties: Option<Map<String, Value>>,
    /// Identify / group traits.
    traits: Option<Map<String, Value>>,
    /// Context: `traits`, `page`, `externalIds`, `device`, `ip`, `locale`, …
    context: Option<Map<String, Value>>,
    /// Alias: the previous user or anonymous id (required).
    #[schema(rename = "previousId")]
    previous_id: Option<String>,
    /// Group: the account id (required).
    #[schema(rename = "groupId")]
    group_id: Option<String>,
}

/// `/v1/batch`: up to 2,500 messages, applied all or none.
#[derive(ToSchema)]
#[schema(as = Batch)]
#[expect(
    dead_code,
    reason = "describes the wire format; the parser reads JSON values"
)]
struct BatchSchema {
    /// The messages, each with its `type`.
    batch: Vec<MessageSchema>,
    /// Context merged under each message's own.
    context: Option<Map<String, Value>>,
    /// When the client sent the batch.
    #[schema(rename = "sentAt")]
    sent_at: Option<String>,
}

/// An error: `error` names the kind; `field`, `limit` and `index` say where.
#[derive(ToSchema)]
#[schema(as = Error)]
#[expect(dead_code, reason = "describes the wire format of AppError")]
struct ErrorSchema {
    /// `invalid`, `bad_request`, `unauthorized`, `too_large`, `too_many_requests`, …
    error: String,
    /// The offending field (`batch[3].event`).
    field: Option<String>,
    /// The rule broken.
    message: Option<String>,
    /// The limit exceeded (`message_size`, `request_size`, `batch_length`).
    limit: Option<String>,
    /// Index of the offending message in a batch.
    index: Option<usize>,
}

const CALLS: &[(&str, &str)] = &[
    (
        "identify",
        "Who the person is: traits merged into their profile.",
    ),
    ("track", "Something the person did."),
    ("page", "A web page view (updates the profile's last page)."),
    ("screen", "A mobile screen view."),
    ("group", "The person's account or company."),
    (
        "alias",
        "Links previousId to userId, merging their profiles.",
    ),
    (
        "batch",
        "Up to 2,500 messages of any type, applied all or none.",
    ),
];

fn operation(call: &str, summary: &str) -> PathItem {
    let schema = if call == "batch" { "Batch" } else { "Message" };
    let json = |name: &str| Content::new(Some(Ref::from_schema_name(name)));
    let error = |what: &str| {
        ResponseBuilder::new()
            .description(what)
            .content("application/json", json("Error"))
            .build()
    };
    let operation = OperationBuilder::new()
        .operation_id(Some(call))
        .summary(Some(summary))
        .tag("tracking")
        .request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .description(Some(
                    "JSON, optionally gzip-compressed (Content-Encoding: gzip)",
                ))
                .content("application/json", json(schema))
                .build(),
        ))
        .response(
            "200",
            ResponseBuilder::new()
                .description("Stored and applied")
                .content("application/json", json("IngestReport"))
                .build(),
        )
        .response("400", error("A field breaks a rule; nothing was applied"))
        .response("401", error("Missing, unknown or revoked write key"))
        .response("413", error("A size limit was exceeded"))
        .response("429", error("Too many requests in flight; see Retry-After"))
        .security(SecurityRequirement::new("writeKey", Vec::<String>::new()))
        .security(SecurityRequirement::new(
            "writeKeyHeader",
            Vec::<String>::new(),
        ))
        .build();
    PathItem::new(HttpMethod::Post, operation)
}

/// The document.
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for (call, summary) in CALLS {
        paths = paths.path(format!("/v1/{call}"), operation(call, summary));
    }
    let basic = Http::builder()
        .scheme(HttpAuthScheme::Basic)
        .description(Some(
            "The source's write key as the user name, empty password",
        ))
        .build();
    let components = ComponentsBuilder::new()
        .schema("Message", MessageSchema::schema())
        .schema("Batch", BatchSchema::schema())
        .schema("Error", ErrorSchema::schema())
        .schema("IngestReport", IngestReport::schema())
        .security_scheme("writeKey", SecurityScheme::Http(basic))
        .security_scheme(
            "writeKeyHeader",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Write-Key"))),
        )
        .build();
    OpenApiBuilder::new()
        .info(InfoBuilder::new().title("enrich tracking API").version(env!("CARGO_PKG_VERSION")).description(Some("Compatible with Segment's HTTP Tracking API: point Segment or RudderStack SDKs at this host.")).build())
        .paths(paths.build())
        .components(Some(components))
        .build()
}

/// `GET /v1/openapi.json`.
pub async fn serve_document() -> Json<OpenApi> {
    Json(document())
}

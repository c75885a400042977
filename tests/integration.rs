//! The one integration-test binary: the real router against a real MongoDB-wire server
//! (`ENRICH_TEST_MONGODB_URI`, started by `make test`), a fresh database per test.

#[path = "integration/access.rs"]
mod access;
#[path = "integration/auth.rs"]
mod auth;
#[path = "integration/batch_props.rs"]
mod batch_props;
#[path = "integration/campaign_editor.rs"]
mod campaign_editor;
#[path = "integration/campaign_failures.rs"]
mod campaign_failures;
#[path = "integration/campaign_support.rs"]
mod campaign_support;
#[path = "integration/campaigns.rs"]
mod campaigns;
#[path = "integration/catalog.rs"]
mod catalog;
#[path = "integration/computed_state.rs"]
mod computed_state;
#[path = "integration/customers.rs"]
mod customers;
#[path = "integration/delivery.rs"]
mod delivery;
#[path = "integration/driver.rs"]
mod driver;
#[path = "integration/enrichment.rs"]
mod enrichment;
#[path = "integration/forms.rs"]
mod forms;
#[path = "integration/health.rs"]
mod health;
#[path = "integration/identity.rs"]
mod identity;
#[path = "integration/identity_props.rs"]
mod identity_props;
#[path = "integration/import_items.rs"]
mod import_items;
#[path = "integration/imports.rs"]
mod imports;
#[path = "integration/ingest.rs"]
mod ingest;
#[path = "integration/instances.rs"]
mod instances;
#[path = "integration/live.rs"]
mod live;
#[path = "integration/matching.rs"]
mod matching;
#[path = "integration/metrics.rs"]
mod metrics;
#[path = "integration/outbox_claims.rs"]
mod outbox_claims;
#[path = "integration/pages.rs"]
mod pages;
#[path = "integration/persistence.rs"]
mod persistence;
#[path = "integration/personalize.rs"]
mod personalize;
#[path = "integration/privacy.rs"]
mod privacy;
#[path = "integration/retention.rs"]
mod retention;
#[path = "integration/retention_folded.rs"]
mod retention_folded;
#[path = "integration/rights.rs"]
mod rights;
#[path = "integration/search.rs"]
mod search;
#[path = "integration/security_forget.rs"]
mod security_forget;
#[path = "integration/security_keys.rs"]
mod security_keys;
#[path = "integration/security_masking.rs"]
mod security_masking;
#[path = "integration/security_templates.rs"]
mod security_templates;
#[path = "integration/security_web.rs"]
mod security_web;
#[path = "integration/segment_page.rs"]
mod segment_page;
#[path = "integration/segment_props.rs"]
mod segment_props;
#[path = "integration/segments.rs"]
mod segments;
#[path = "integration/sessions.rs"]
mod sessions;
#[path = "integration/settings_pages.rs"]
mod settings_pages;
#[path = "integration/support.rs"]
mod support;
#[path = "integration/tls.rs"]
mod tls;
#[path = "integration/tokens.rs"]
mod tokens;

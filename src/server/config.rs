//! Configuration from environment variables, with documented defaults (see README).

/// Default MongoDB connection string: the embedded stand-in started by `make run`.
pub const DEFAULT_MONGODB_URI: &str = "mongodb://127.0.0.1:27017";
/// Default database name.
pub const DEFAULT_DATABASE: &str = "enrich";
/// Default path of the field-encryption key ring.
pub const DEFAULT_FIELD_KEYS_FILE: &str = "data/field-keys.txt";
/// Default path of the Leptos runtime options file.
pub const DEFAULT_LEPTOS_CONFIG: &str = "Leptos.toml";

/// Everything the server reads from its environment at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `MONGODB_URI`: where the database is.
    pub mongodb_uri: String,
    /// `ENRICH_DB`: which database on that server holds enrich's collections.
    pub database: String,
    /// `ENRICH_LEPTOS_CONFIG`: path of Leptos.toml (site address, asset folders).
    pub leptos_config: String,
    /// `ENRICH_FIELD_KEYS_FILE`: the key ring for restricted fields; created on first start.
    pub field_keys_file: std::path::PathBuf,
    /// `ENRICH_METRICS_ADDR` (unset: off): where `/metrics` listens, apart from the app, e.g.
    /// `127.0.0.1:9100`.
    pub metrics_addr: Option<String>,
    /// Ingestion and identity settings.
    pub settings: Settings,
}

/// Default days of daily event counters kept on each profile.
pub const DEFAULT_COUNTER_RETENTION_DAYS: u32 = 90;
/// Default tracking requests processed at once.
pub const DEFAULT_MAX_INGEST_IN_FLIGHT: usize = 64;
/// Default region for phone numbers written without a country code.
pub const DEFAULT_PHONE_REGION: &str = "US";

/// Ingestion and identity-resolution settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `ENRICH_COUNTER_RETENTION_DAYS`: days of daily counters kept.
    pub counter_retention_days: u32,
    /// `ENRICH_MAX_INGEST_IN_FLIGHT`: tracking requests at once; more get 429.
    pub max_ingest_in_flight: usize,
    /// `ENRICH_PHONE_REGION`: ISO country for phones without a country code.
    pub phone_region: phonenumber::country::Id,
    /// `ENRICH_BLOCKED_IDENTIFIERS`: comma-separated values that never identify anyone.
    pub blocked_identifiers: Vec<String>,
    /// Sign-in, sessions and throttling.
    pub auth: super::auth::settings::AuthSettings,
    /// Retention defaults, archive folder and sweep interval.
    pub retention: super::retention::config::RetentionEnv,
    /// `ENRICH_SEGMENT_REFRESH_SECONDS` (60): how often segments with time-relative rules are
    /// recomputed, so members leave on time without an event.
    pub segment_refresh_seconds: u64,
    /// `ENRICH_SEGMENT_SIZE_SAMPLE_SECONDS` (300): how often segment sizes are sampled for the
    /// trend charts.
    pub segment_size_sample_seconds: u64,
    /// `ENRICH_INSTANCE_ID` (the host name): names this instance in `live_cursors` and on the
    /// live page; give each instance behind a load balancer its own.
    pub instance: String,
    /// `ENRICH_LIVE_FEED` (`auto`): `auto`, `change_stream` or `in_process`.
    pub live_feed: crate::server::live::feed::FeedSetting,
    /// `ENRICH_LIVE_BUFFER` (4096): live messages kept for slow clients and reconnects.
    pub live_buffer: usize,
    /// Campaign delivery.
    pub campaigns: crate::server::campaigns::config::CampaignEnv,
    /// Limits on expensive work (rates per user, sockets, imports at once).
    pub limits: crate::server::limits::settings::LimitSettings,
    /// `ENRICH_DEMO_SHOP` (`false`; `make run` sets `true`): serve the demo storefront at
    /// `/demo/shop`, open without sign-in.
    pub demo_shop: bool,
    /// `ENRICH_INGEST_ONE_PASS` (`true`): plan each tracking batch in one pass; `false`
    /// resolves message by message against the database (the slower reference path).
    pub ingest_one_pass: bool,
    /// `ENRICH_ANALYTICS_READ_PREFERENCE` (`secondaryPreferred`) and
    /// `ENRICH_ANALYTICS_READ_TAGS`: where lists, counts, charts and previews read.
    pub analytics_read: crate::server::db::analytics_read::AnalyticsRead,
}

impl Default for Settings {
    fn default() -> Self {
        Self::from_lookup(|_| None)
    }
}

/// The analytics read preference; an unreadable one falls back to the default with a warning.
fn analytics_read(
    lookup: &impl Fn(&str) -> Option<String>,
) -> crate::server::db::analytics_read::AnalyticsRead {
    let (mode, tags) = (
        lookup("ENRICH_ANALYTICS_READ_PREFERENCE"),
        lookup("ENRICH_ANALYTICS_READ_TAGS"),
    );
    crate::server::db::analytics_read::AnalyticsRead::parse(mode.as_deref(), tags.as_deref())
        .unwrap_or_else(|err| {
            tracing::warn!(%err, "unusable ENRICH_ANALYTICS_READ_PREFERENCE/_TAGS; reading analytics from secondaryPreferred");
            Default::default()
        })
}

impl Settings {
    /// Reads settings through `lookup`; unparsable values fall back to the default with a warning.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        fn parsed<T: std::str::FromStr>(raw: Option<String>, key: &str, default: T) -> T {
            match raw.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
                None => default,
                Some(v) => v.parse().unwrap_or_else(|_| {
                    tracing::warn!(%key, value = %v, "unparsable setting; using the default");
                    default
                }),
            }
        }
        let blocked = match lookup("ENRICH_BLOCKED_IDENTIFIERS") {
            Some(list) => list
                .split(',')
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect(),
            None => crate::server::identity::identifiers::DEFAULT_BLOCKED
                .iter()
                .map(|v| (*v).to_owned())
                .collect(),
        };
        Self {
            counter_retention_days: parsed(
                lookup("ENRICH_COUNTER_RETENTION_DAYS"),
                "ENRICH_COUNTER_RETENTION_DAYS",
                DEFAULT_COUNTER_RETENTION_DAYS,
            )
            .max(1),
            max_ingest_in_flight: parsed(
                lookup("ENRICH_MAX_INGEST_IN_FLIGHT"),
                "ENRICH_MAX_INGEST_IN_FLIGHT",
                DEFAULT_MAX_INGEST_IN_FLIGHT,
            )
            .max(1),
            phone_region: parsed(
                lookup("ENRICH_PHONE_REGION").map(|v| v.to_uppercase()),
                "ENRICH_PHONE_REGION",
                phonenumber::country::Id::US,
            ),
            blocked_identifiers: blocked,
            auth: super::auth::settings::AuthSettings::from_lookup(&lookup),
            retention: super::retention::config::RetentionEnv::from_lookup(&lookup),
            segment_refresh_seconds: parsed(
                lookup("ENRICH_SEGMENT_REFRESH_SECONDS"),
                "ENRICH_SEGMENT_REFRESH_SECONDS",
                60,
            )
            .max(1),
            segment_size_sample_seconds: parsed(
                lookup("ENRICH_SEGMENT_SIZE_SAMPLE_SECONDS"),
                "ENRICH_SEGMENT_SIZE_SAMPLE_SECONDS",
                300,
            )
            .max(1),
            instance: lookup("ENRICH_INSTANCE_ID")
                .or_else(|| lookup("HOSTNAME"))
                .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "enrich".to_owned()),
            live_feed: parsed(
                lookup("ENRICH_LIVE_FEED"),
                "ENRICH_LIVE_FEED",
                Default::default(),
            ),
            live_buffer: parsed(
                lookup("ENRICH_LIVE_BUFFER"),
                "ENRICH_LIVE_BUFFER",
                crate::server::live::hub::DEFAULT_BUFFER,
            )
            .max(16),
            campaigns: crate::server::campaigns::config::CampaignEnv::from_lookup(&lookup),
            limits: crate::server::limits::settings::LimitSettings::from_lookup(&lookup),
            demo_shop: parsed(lookup("ENRICH_DEMO_SHOP"), "ENRICH_DEMO_SHOP", false),
            ingest_one_pass: parsed(
                lookup("ENRICH_INGEST_ONE_PASS"),
                "ENRICH_INGEST_ONE_PASS",
                true,
            ),
            analytics_read: analytics_read(&lookup),
        }
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads configuration through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |key: &str, default: &str| {
            lookup(key)
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Self {
            mongodb_uri: get("MONGODB_URI", DEFAULT_MONGODB_URI),
            database: get("ENRICH_DB", DEFAULT_DATABASE),
            leptos_config: get("ENRICH_LEPTOS_CONFIG", DEFAULT_LEPTOS_CONFIG),
            field_keys_file: get("ENRICH_FIELD_KEYS_FILE", DEFAULT_FIELD_KEYS_FILE).into(),
            metrics_addr: lookup("ENRICH_METRICS_ADDR").filter(|v| !v.trim().is_empty()),
            settings: Settings::from_lookup(&lookup),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_unset_or_blank() {
        let config = Config::from_lookup(|key| (key == "ENRICH_DB").then(|| " ".to_owned()));
        assert_eq!(config.mongodb_uri, DEFAULT_MONGODB_URI);
        assert_eq!(config.database, DEFAULT_DATABASE);
        assert_eq!(config.leptos_config, DEFAULT_LEPTOS_CONFIG);
    }

    #[test]
    fn environment_overrides_defaults() {
        let config = Config::from_lookup(|key| match key {
            "MONGODB_URI" => Some("mongodb://db.internal:27018/?replicaSet=rs0".into()),
            "ENRICH_DB" => Some("crm".into()),
            _ => None,
        });
        assert_eq!(
            config.mongodb_uri,
            "mongodb://db.internal:27018/?replicaSet=rs0"
        );
        assert_eq!(config.database, "crm");
    }

    #[test]
    fn analytics_reads_follow_the_environment_and_a_bad_value_keeps_the_default() {
        use crate::server::db::analytics_read::AnalyticsRead;
        let tagged = Settings::from_lookup(|key| match key {
            "ENRICH_ANALYTICS_READ_PREFERENCE" => Some("secondary".into()),
            "ENRICH_ANALYTICS_READ_TAGS" => Some("nodeType:ANALYTICS".into()),
            _ => None,
        });
        assert_eq!(
            tagged.analytics_read,
            AnalyticsRead::parse(Some("secondary"), Some("nodeType:ANALYTICS")).unwrap()
        );
        assert_ne!(tagged.analytics_read, AnalyticsRead::default());
        let typo = Settings::from_lookup(|key| {
            (key == "ENRICH_ANALYTICS_READ_PREFERENCE").then(|| "secundary".into())
        });
        assert_eq!(typo.analytics_read, AnalyticsRead::default());
    }
}

#[cfg(test)]
mod leptos_toml_tests {
    use std::path::Path;

    fn leptos_table(file: &str) -> toml::Table {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: toml::Table = text.parse().unwrap();
        doc["package"]["metadata"]["leptos"]
            .as_table()
            .unwrap()
            .clone()
    }

    #[test]
    fn leptos_toml_agrees_with_cargo_metadata() {
        let runtime = leptos_table("Leptos.toml");
        let cargo = leptos_table("Cargo.toml");
        let required = [
            "output-name",
            "site-root",
            "site-pkg-dir",
            "site-addr",
            "reload-port",
        ];
        for key in required {
            assert!(runtime.contains_key(key), "Leptos.toml lacks `{key}`");
        }
        for (key, value) in &runtime {
            assert_eq!(
                cargo.get(key),
                Some(value),
                "Leptos.toml `{key}` differs from Cargo.toml"
            );
        }
    }

    #[test]
    fn leptos_toml_is_what_the_server_reads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("Leptos.toml");
        let options = leptos::prelude::get_configuration(path.to_str())
            .unwrap()
            .leptos_options;
        let runtime = leptos_table("Leptos.toml");
        assert_eq!(
            options.site_addr.to_string(),
            runtime["site-addr"].as_str().unwrap()
        );
        assert_eq!(&*options.site_root, runtime["site-root"].as_str().unwrap());
        assert_eq!(
            &*options.site_pkg_dir,
            runtime["site-pkg-dir"].as_str().unwrap()
        );
    }

    #[test]
    fn builds_name_the_wasm_as_cargo_leptos_writes_it() {
        // Without this, the hydration script asks for `enrich_bg.wasm`, which does not exist.
        let cargo_env = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cargo/config.toml");
        let doc: toml::Table = std::fs::read_to_string(cargo_env).unwrap().parse().unwrap();
        let output_name = &leptos_table("Cargo.toml")["output-name"];
        assert_eq!(&doc["env"]["LEPTOS_OUTPUT_NAME"], output_name);
    }
}

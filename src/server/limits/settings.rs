//! The limits' settings from the environment, with documented defaults (README).

/// Default segment previews per user per minute (the builder previews 400 ms after each edit).
pub const DEFAULT_PREVIEWS_PER_MINUTE: u32 = 60;
/// Default segment overlaps per user per minute.
pub const DEFAULT_OVERLAPS_PER_MINUTE: u32 = 30;
/// Default exports per user per minute.
pub const DEFAULT_EXPORTS_PER_MINUTE: u32 = 10;
/// Default live sockets one user may hold open on one instance.
pub const DEFAULT_SOCKETS_PER_USER: usize = 5;
/// Default imports (customer records and catalog together) running at once on one instance.
pub const DEFAULT_CONCURRENT_IMPORTS: usize = 2;

/// How much expensive work is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitSettings {
    /// `ENRICH_PREVIEWS_PER_MINUTE` (60): segment previews per user per minute.
    pub previews_per_minute: u32,
    /// `ENRICH_OVERLAPS_PER_MINUTE` (30): segment overlaps per user per minute.
    pub overlaps_per_minute: u32,
    /// `ENRICH_EXPORTS_PER_MINUTE` (10): segment member exports per user per minute.
    pub exports_per_minute: u32,
    /// `ENRICH_SOCKETS_PER_USER` (5): live sockets per user per instance.
    pub sockets_per_user: usize,
    /// `ENRICH_MAX_CONCURRENT_IMPORTS` (2): imports running at once per instance.
    pub concurrent_imports: usize,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self::from_lookup(|_| None)
    }
}

impl LimitSettings {
    /// Reads the settings through `lookup`; missing, zero or unparsable values take the default.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let number = |key: &str, default: u32| {
            lookup(key)
                .and_then(|v| v.trim().parse::<u32>().ok())
                .filter(|v| *v > 0)
                .unwrap_or(default)
        };
        Self {
            previews_per_minute: number("ENRICH_PREVIEWS_PER_MINUTE", DEFAULT_PREVIEWS_PER_MINUTE),
            overlaps_per_minute: number("ENRICH_OVERLAPS_PER_MINUTE", DEFAULT_OVERLAPS_PER_MINUTE),
            exports_per_minute: number("ENRICH_EXPORTS_PER_MINUTE", DEFAULT_EXPORTS_PER_MINUTE),
            sockets_per_user: number("ENRICH_SOCKETS_PER_USER", DEFAULT_SOCKETS_PER_USER as u32)
                as usize,
            concurrent_imports: number(
                "ENRICH_MAX_CONCURRENT_IMPORTS",
                DEFAULT_CONCURRENT_IMPORTS as u32,
            ) as usize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let defaults = LimitSettings::default();
        assert_eq!(defaults.sockets_per_user, DEFAULT_SOCKETS_PER_USER);
        let set = LimitSettings::from_lookup(|k| match k {
            "ENRICH_PREVIEWS_PER_MINUTE" => Some("7".into()),
            "ENRICH_MAX_CONCURRENT_IMPORTS" => Some("0".into()),
            _ => None,
        });
        assert_eq!(set.previews_per_minute, 7);
        assert_eq!(
            set.concurrent_imports, DEFAULT_CONCURRENT_IMPORTS,
            "0 is not a limit"
        );
    }
}

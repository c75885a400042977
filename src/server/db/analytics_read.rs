//! Where analytics reads go — lists, counts, charts and previews (`db::analytics`) — so they
//! never compete with ingestion on the primary: `ENRICH_ANALYTICS_READ_PREFERENCE` (a read
//! preference mode, `secondaryPreferred` by default) and `ENRICH_ANALYTICS_READ_TAGS` (tag sets
//! tried in order, `;` between sets and `,` between a set's `name:value` tags, as MongoDB's
//! `readPreferenceTags`), e.g. `secondary` with `nodeType:ANALYTICS` for analytics nodes.
//! Every other read and every write goes to the primary.
use mongodb::options::{ReadPreference, ReadPreferenceOptions, SelectionCriteria};
use std::collections::HashMap;

/// The read preference of analytics reads.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyticsRead(ReadPreference);

// No floats inside: equality is an equivalence (configuration compares with `Eq`).
impl Eq for AnalyticsRead {}

impl Default for AnalyticsRead {
    fn default() -> Self {
        Self(ReadPreference::SecondaryPreferred { options: None })
    }
}

impl AnalyticsRead {
    /// Reads the mode and tag sets as the two variables hold them (either may be unset).
    pub fn parse(mode: Option<&str>, tags: Option<&str>) -> Result<Self, String> {
        let tag_sets = tags
            .map(tag_sets)
            .transpose()?
            .filter(|sets| !sets.is_empty());
        let options = tag_sets.map(|sets| ReadPreferenceOptions::builder().tag_sets(sets).build());
        let mode = mode.map(str::trim).filter(|m| !m.is_empty());
        let preference = match mode.unwrap_or("secondaryPreferred") {
            "primary" if options.is_some() => {
                return Err("tag sets need a mode other than primary".to_owned());
            }
            "primary" => ReadPreference::Primary,
            "primaryPreferred" => ReadPreference::PrimaryPreferred { options },
            "secondary" => ReadPreference::Secondary { options },
            "secondaryPreferred" => ReadPreference::SecondaryPreferred { options },
            "nearest" => ReadPreference::Nearest { options },
            other => {
                return Err(format!(
                    "{other} is not one of primary, primaryPreferred, secondary, \
                     secondaryPreferred, nearest"
                ));
            }
        };
        Ok(Self(preference))
    }

    /// The driver's selection criteria for it.
    pub fn criteria(&self) -> SelectionCriteria {
        SelectionCriteria::ReadPreference(self.0.clone())
    }
}

/// `a:b,c:d;e:f;` → `[{a: b, c: d}, {e: f}, {}]`; an empty set matches any member.
fn tag_sets(text: &str) -> Result<Vec<HashMap<String, String>>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(';')
        .map(|set| {
            set.split(',')
                .map(str::trim)
                .filter(|tag| !tag.is_empty())
                .map(|tag| match tag.split_once(':') {
                    Some((name, value)) if !name.trim().is_empty() => {
                        Ok((name.trim().to_owned(), value.trim().to_owned()))
                    }
                    _ => Err(format!("tag {tag:?} is not name:value")),
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options_of(read: &AnalyticsRead) -> Option<Vec<HashMap<String, String>>> {
        match &read.0 {
            ReadPreference::Secondary { options }
            | ReadPreference::SecondaryPreferred { options }
            | ReadPreference::PrimaryPreferred { options }
            | ReadPreference::Nearest { options } => {
                options.as_ref().and_then(|o| o.tag_sets.clone())
            }
            _ => None,
        }
    }

    #[tokio::test]
    async fn analytics_collections_read_where_the_process_routes_them() {
        let read = AnalyticsRead::parse(Some("secondary"), Some("nodeType:ANALYTICS")).unwrap();
        crate::server::db::route_analytics_reads(&read);
        // Lazy: the client connects on its first operation, and there is none here.
        let client = mongodb::Client::with_uri_str("mongodb://127.0.0.1:9")
            .await
            .unwrap();
        let profiles = crate::server::db::analytics::<mongodb::bson::Document>(
            &client.database("enrich"),
            "profiles",
        );
        match profiles.selection_criteria() {
            Some(SelectionCriteria::ReadPreference(preference)) => assert_eq!(preference, &read.0),
            other => panic!("analytics reads go to {other:?}"),
        }
        let primary = client
            .database("enrich")
            .collection::<mongodb::bson::Document>("profiles");
        assert!(
            primary.selection_criteria().is_none(),
            "other reads stay on the primary"
        );
    }

    #[test]
    fn unset_means_secondary_preferred_without_tags() {
        assert_eq!(
            AnalyticsRead::parse(None, None),
            Ok(AnalyticsRead::default())
        );
        assert_eq!(
            AnalyticsRead::parse(Some(" "), Some("")),
            Ok(AnalyticsRead::default())
        );
    }

    #[test]
    fn analytics_nodes_are_chosen_by_tag_with_a_fallback_set() {
        let read = AnalyticsRead::parse(Some("secondary"), Some("nodeType:ANALYTICS, region:eu;"))
            .unwrap();
        assert!(matches!(read.0, ReadPreference::Secondary { .. }));
        let sets = options_of(&read).unwrap();
        assert_eq!(sets.len(), 2);
        assert_eq!(sets[0]["nodeType"], "ANALYTICS");
        assert_eq!(sets[0]["region"], "eu");
        assert!(sets[1].is_empty(), "the empty set: any secondary");
    }

    #[test]
    fn every_mode_is_read_and_anything_else_is_refused() {
        for (mode, expected) in [
            ("primary", ReadPreference::Primary),
            ("nearest", ReadPreference::Nearest { options: None }),
            (
                "primaryPreferred",
                ReadPreference::PrimaryPreferred { options: None },
            ),
        ] {
            assert_eq!(AnalyticsRead::parse(Some(mode), None).unwrap().0, expected);
        }
        let err = AnalyticsRead::parse(Some("secundary"), None).unwrap_err();
        assert!(err.contains("secundary") && err.contains("secondaryPreferred"));
        let err = AnalyticsRead::parse(Some("primary"), Some("nodeType:ANALYTICS")).unwrap_err();
        assert!(err.contains("primary"), "{err}");
        let err = AnalyticsRead::parse(Some("secondary"), Some("ANALYTICS")).unwrap_err();
        assert!(err.contains("name:value"), "{err}");
    }
}

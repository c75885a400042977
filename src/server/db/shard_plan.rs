//! The shard key of every collection, and why: `enrich db shard-plan` prints the
//! `sh.shardCollection` commands for a sharded cluster. Collections that grow with customers,
//! events or messages are sharded on a hashed `_id`: every hot write and single-document read
//! looks a document up by `_id` (revision- and state-checked updates carry it too), uniqueness
//! that correctness rests on (identity claims, event dedup, one pair per two profiles) is the
//! `_id`'s, which a sharded cluster enforces only for the shard key, and hashing spreads
//! ObjectIds, which grow, over all shards instead of the last chunk. Small collections stay
//! unsharded on the database's primary shard.
use super::{
    api_tokens, audit, baselines, campaign_settings, campaign_tallies, campaigns, catalog_misses,
    computed_traits, event_match_queries, event_names, events, fields, identities, imports,
    in_app_messages, ingest_errors, leases, login_failures, match_pairs, match_state, memberships,
    merges, outbox, product_signals, products, profiles, recommend_queue, segments, sessions,
    sources, sources::server_keys, suppressions, users,
};
use crate::server::{
    import::staged, limits::rate, live::cursors, matching, privacy::classes, retention,
};

/// How one collection is distributed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Sharded on a hashed `_id`.
    HashedId,
    /// Left on the primary shard.
    Unsharded,
}

/// One collection's decision.
#[derive(Debug, Clone, Copy)]
pub struct Decision {
    /// Collection name.
    pub collection: &'static str,
    /// Sharded or not.
    pub placement: Placement,
    /// Why, and which of its queries reach every shard.
    pub why: &'static str,
}

const fn hashed(collection: &'static str, why: &'static str) -> Decision {
    Decision {
        collection,
        placement: Placement::HashedId,
        why,
    }
}

const fn unsharded(collection: &'static str, why: &'static str) -> Decision {
    Decision {
        collection,
        placement: Placement::Unsharded,
        why,
    }
}

/// Every collection enrich writes, with its placement.
pub const PLAN: &[Decision] = &[
    hashed(
        profiles::COLLECTION,
        "one per person; resolve, revision-checked updates and the customer page go by _id. \
         Lists, search and segment counts reach every shard (analytics reads).",
    ),
    hashed(
        identities::COLLECTION,
        "_id is the identifier: claims are unique inserts and ingestion looks owners up with \
         _id $in. Listing a profile's identifiers (merge, unmerge, forget) reaches every shard.",
    ),
    hashed(
        events::COLLECTION,
        "_id is sourceId:messageId, so dedup is the _id's uniqueness and an _id $in. A \
         profile's timeline, charts and the repointing after a merge reach every shard.",
    ),
    hashed(
        baselines::COLLECTION,
        "_id is the home profile: one fold of retention-deleted events per profile, read \
         and replaced by _id (the sweep, an unmerge, forgetting).",
    ),
    hashed(
        memberships::COLLECTION,
        "_id is segment:profile; membership changes are upserts and deletes by _id. The \
         memberships of a batch's profiles and a segment's member list reach every shard.",
    ),
    hashed(
        memberships::TRANSITIONS,
        "insert-only segment entries and exits; charts and triggers read them by segment and \
         time from every shard.",
    ),
    hashed(
        outbox::COLLECTION,
        "_id is campaign:run:profile (one message per person per run); sends update by _id. \
         Workers' claims of due messages reach every shard.",
    ),
    hashed(
        in_app_messages::COLLECTION,
        "one per message; a visitor's messages are read by profile from every shard.",
    ),
    hashed(
        audit::COLLECTION,
        "insert-only and growing for as long as it is kept; reads are by action or target.",
    ),
    hashed(
        merges::COLLECTION,
        "one per merge, its steps update it by _id (and state).",
    ),
    hashed(
        match_pairs::COLLECTION,
        "_id is the two profile ids: one pair per two profiles whoever finds it. The review \
         queue reads by decision and score from every shard.",
    ),
    hashed(
        matching::blocks::COLLECTION,
        "one per blocking key, read and rewritten by _id.",
    ),
    hashed(
        product_signals::PAIRS,
        "co-occurrence counts per product pair, upserted by _id.",
    ),
    hashed(
        product_signals::STATS,
        "counts per product, upserted by _id.",
    ),
    hashed(
        products::COLLECTION,
        "catalogs reach millions of products; feeds and pages read by _id.",
    ),
    hashed(
        suppressions::COLLECTION,
        "a keyed hash per identifier of a forgotten person; every batch checks its \
         identifiers with _id $in.",
    ),
    hashed(
        sessions::COLLECTION,
        "one per sign-in, read by _id on every request.",
    ),
    hashed(
        ingest_errors::COLLECTION,
        "insert-only record of refused messages; can grow with a misbehaving sender.",
    ),
    unsharded(
        recommend_queue::COLLECTION,
        "a work queue drained in arrival order; small when workers keep up.",
    ),
    unsharded(
        matching::queue::COLLECTION,
        "a work queue drained in arrival order; small when workers keep up.",
    ),
    unsharded(segments::COLLECTION, "one per segment."),
    unsharded(segments::VERSIONS, "one per saved segment version."),
    unsharded(
        segments::SIZES,
        "a size sample per segment every few minutes; small.",
    ),
    unsharded(campaigns::COLLECTION, "one per campaign."),
    unsharded(
        campaign_tallies::COLLECTION,
        "one per campaign: counts of its messages retention deleted.",
    ),
    unsharded(campaign_settings::COLLECTION, "one document of settings."),
    unsharded(computed_traits::COLLECTION, "one per computed trait."),
    unsharded(event_match_queries::COLLECTION, "one per event condition."),
    unsharded(event_names::COLLECTION, "one per event name."),
    unsharded(
        fields::COLLECTION,
        "one per trait path (the field catalog).",
    ),
    unsharded(classes::COLLECTION, "one per classified field."),
    unsharded(imports::COLLECTION, "one per import."),
    unsharded(
        staged::COLLECTION,
        "uploaded files waiting for a mapping; expire.",
    ),
    unsharded(
        catalog_misses::COLLECTION,
        "product ids seen but unknown; small.",
    ),
    unsharded(
        login_failures::COLLECTION,
        "recent failed sign-ins per address; small.",
    ),
    unsharded(rate::COLLECTION, "rate-limit windows; small."),
    unsharded(cursors::COLLECTION, "one resume token per instance."),
    unsharded(match_state::COLLECTION, "matching settings, model and job."),
    unsharded(sources::COLLECTION, "one per source."),
    unsharded(sources::KEYS_COLLECTION, "one per write key."),
    unsharded(server_keys::COLLECTION, "one per server key."),
    unsharded(users::COLLECTION, "one per person who signs in."),
    unsharded(api_tokens::COLLECTION, "one per admin API token."),
    unsharded(leases::COLLECTION, "one document per named lease."),
    unsharded(
        retention::store::COLLECTION,
        "the retention rules and the last sweep.",
    ),
];

/// The mongosh commands that shard database `database` as [`PLAN`] says.
pub fn commands(database: &str) -> String {
    let quoted = |text: &str| serde_json::to_string(text).unwrap_or_default();
    let mut out = format!(
        "// enrich: shard plan for database {db}. Run in mongosh connected to a mongos.\n\
         // Each sharded collection is split on a hashed _id (README: Real MongoDB).\n\
         sh.enableSharding({db})\n",
        db = quoted(database)
    );
    for decision in PLAN.iter().filter(|d| d.placement == Placement::HashedId) {
        out.push_str(&format!(
            "\n// {}: {}\nsh.shardCollection({}, {{ _id: \"hashed\" }})\n",
            decision.collection,
            decision.why,
            quoted(&format!("{database}.{}", decision.collection))
        ));
    }
    out.push_str("\n// Left unsharded, on the primary shard:\n");
    for decision in PLAN.iter().filter(|d| d.placement == Placement::Unsharded) {
        out.push_str(&format!("//   {}: {}\n", decision.collection, decision.why));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{collections::BTreeSet, path::Path};

    /// Collection names declared in the server's source: `pub const …: &str = "…";` under the
    /// names collections are declared with.
    fn declared_collections() -> BTreeSet<String> {
        const NAMES: [&str; 7] = [
            "COLLECTION",
            "KEYS_COLLECTION",
            "PAIRS",
            "STATS",
            "TRANSITIONS",
            "SIZES",
            "VERSIONS",
        ];
        let mut found = BTreeSet::new();
        let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for line in text.lines() {
                    let Some(rest) = line.trim().strip_prefix("pub const ") else {
                        continue;
                    };
                    let Some((name, value)) = rest.split_once(": &str = \"") else {
                        continue;
                    };
                    if NAMES.contains(&name) {
                        found.insert(value.trim_end_matches("\";").to_owned());
                    }
                }
            }
        }
        found
    }

    #[test]
    fn every_collection_has_exactly_one_decision() {
        let planned: Vec<&str> = PLAN.iter().map(|d| d.collection).collect();
        let unique: BTreeSet<&str> = planned.iter().copied().collect();
        assert_eq!(unique.len(), planned.len(), "a collection is planned twice");
        let declared = declared_collections();
        assert!(declared.len() >= 30, "{declared:?}");
        for name in &declared {
            assert!(
                unique.contains(name.as_str()),
                "{name} has no shard decision"
            );
        }
    }

    #[test]
    fn the_plan_prints_one_command_per_sharded_collection_in_the_named_database() {
        let out = commands("crm");
        assert!(out.contains("sh.enableSharding(\"crm\")"));
        assert!(out.contains("sh.shardCollection(\"crm.profiles\", { _id: \"hashed\" })"));
        assert!(out.contains("sh.shardCollection(\"crm.events\", { _id: \"hashed\" })"));
        let sharded = PLAN
            .iter()
            .filter(|d| d.placement == Placement::HashedId)
            .count();
        assert_eq!(out.matches("sh.shardCollection(").count(), sharded);
        assert!(
            !out.contains("crm.users"),
            "small collections stay unsharded"
        );
        assert!(out.contains("//   users:"));
    }

    #[test]
    fn a_database_name_is_quoted_not_spliced_into_the_commands() {
        let out = commands("a\"); db.dropDatabase(); (\"");
        assert!(!out.contains("sh.enableSharding(\"a\");"));
        assert!(out.contains(r#"sh.enableSharding("a\"); db.dropDatabase(); (\"")"#));
    }
}

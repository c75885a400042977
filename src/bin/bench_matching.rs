//! Matching benchmark, in one run:
//! 1. quality on BENCH_QUALITY records (default 10,000) of generated people with corrupted
//!    copies and look-alikes (`server::matching::synth`), the truth kept aside: precision and
//!    recall of the auto-merge + review bands, precision of auto-merge alone, at the default
//!    thresholds and a sweep of others (BENCH_SEED picks another generated set; BENCH_ERRORS=n
//!    prints the n worst wrong proposals and misses);
//! 2. throughput of matching BENCH_PROFILES records (default 100,000) in memory: records/s,
//!    candidate pairs per record, peak memory;
//! 3. the full job on BENCH_JOB_PROFILES profiles (default 100,000) stored in the database at
//!    MONGODB_URI (`make benchmatching` starts the stand-in): records/s from reading the
//!    profiles to the last merge, and the database commands it sent per profile.
//!
//! `make benchmatching` runs this optimised.
use enrich::{
    model::matching::{AttributeKind, MatchAttribute, MatchSettings},
    server::matching::{
        blocking, pipeline, quality,
        record::{Plan, Record},
        synth,
    },
};
use std::time::Instant;

#[path = "bench_support/commands.rs"]
mod commands;

#[tokio::main]
async fn main() {
    let settings = MatchSettings::default();
    let mut attributes = settings.attributes.clone();
    attributes.push(MatchAttribute::new(
        "policyNumber",
        AttributeKind::Identifier,
    ));
    let plan = Plan::new(&attributes);
    quality_run(&plan, &settings, env_number("BENCH_QUALITY", 10_000));
    throughput_run(&plan, env_number("BENCH_PROFILES", 100_000));
    match std::env::var("MONGODB_URI") {
        Ok(uri) => job_run(&uri, env_number("BENCH_JOB_PROFILES", 100_000)).await,
        Err(_) => println!("job: skipped (set MONGODB_URI, or run `make benchmatching`)"),
    }
}

/// The generated records as stored profiles: each field a trait at its path.
fn profile_of(record: &synth::SynthRecord) -> enrich::server::db::profile_doc::ProfileDoc {
    use mongodb::bson::{Bson, Document, oid::ObjectId};
    let mut profile = enrich::server::db::profile_doc::ProfileDoc::new(
        ObjectId::new(),
        mongodb::bson::DateTime::now(),
    );
    let mut traits = Document::new();
    for (path, value) in &record.fields {
        match path.split_once('.') {
            Some((parent, child)) => {
                if !traits.contains_key(parent) {
                    traits.insert(parent, Document::new());
                }
                if let Ok(inner) = traits.get_document_mut(parent) {
                    inner.insert(child, value.clone());
                }
            }
            None => {
                traits.insert(*path, Bson::String(value.clone()));
            }
        }
    }
    profile.traits = traits;
    profile.sources = vec![record.source.to_owned()];
    profile
}

async fn job_run(uri: &str, count: usize) {
    use enrich::server::{
        AppState,
        config::Settings,
        db,
        matching::{decide::Decider, job},
    };
    let name = format!("bench_matching_{}", mongodb::bson::oid::ObjectId::new());
    let (database, counts) = commands::counted_db(uri, &name).await;
    db::indexes::ensure_indexes(&database)
        .await
        .expect("indexes");
    let collection = database
        .collection::<enrich::server::db::profile_doc::ProfileDoc>(db::profiles::COLLECTION);
    let synth = synth::generate(count, 42);
    for chunk in synth.chunks(5_000) {
        let batch: Vec<_> = chunk.iter().map(profile_of).collect();
        collection.insert_many(&batch).await.expect("seed insert");
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml");
    let options = leptos::prelude::get_configuration(Some(path))
        .expect("Leptos.toml")
        .leptos_options;
    let state = AppState::new(
        options,
        database.clone(),
        &Settings::default(),
        enrich::server::privacy::keyring::generate(),
    );
    let graph = &state.ingest.graph;
    let before = counts.snapshot();
    let started = Instant::now();
    let summary = commands::counting(job::run_now(graph, &graph.match_queue, &Decider::system()))
        .await
        .expect("the matching job");
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "job: {} stored profiles matched in {elapsed:.1} s = {:.0} profiles/s ({} candidate pairs = {:.1} per profile, {} auto-merged, {} queued, {} below)",
        summary.profiles,
        summary.profiles as f64 / elapsed,
        summary.candidate_pairs,
        summary.pairs_per_profile,
        summary.auto_merged,
        summary.queued,
        summary.below
    );
    println!(
        "  database commands per profile: {}",
        counts.per_request_since(&before, summary.profiles as usize)
    );
    println!("  peak memory (VmHWM, whole run) {} MB", peak_memory_mb());
    let _ = database.drop().await;
}

fn prepare(plan: &Plan, synth: &[synth::SynthRecord]) -> Vec<Record> {
    synth
        .iter()
        .map(|s| plan.record(|path| s.fields.get(path).cloned().into_iter().collect()))
        .collect()
}

fn quality_run(plan: &Plan, settings: &MatchSettings, count: usize) {
    let synth = synth::generate(count, env_number("BENCH_SEED", 2026) as u64);
    let truth: Vec<u32> = synth.iter().map(|s| s.person).collect();
    let people = truth.iter().collect::<std::collections::HashSet<_>>().len();
    let records = prepare(plan, &synth);
    let matched = pipeline::run(plan, &records, blocking::DEFAULT_MAX_BLOCK, 1);
    println!(
        "quality: {count} records of {people} people, {} candidate pairs, EM {} rounds, {:.4} of candidates one person, prior over all pairs {:.2e}",
        matched.pairs.len(),
        matched.model.iterations,
        matched.model.candidate_share,
        matched.model.prior
    );
    let q = quality::measure(
        &truth,
        &matched.pairs,
        settings.review_at,
        settings.auto_merge_at,
    );
    println!(
        "  true pairs {}, blocking recall {:.4}",
        q.true_pairs,
        q.blocking_recall()
    );
    println!(
        "  defaults (review ≥ {}, auto-merge ≥ {}): precision {:.4}, recall {:.4} (targets ≥ 0.99, ≥ 0.97); auto-merge precision {:.4} of {} pairs (target ≥ 0.995)",
        settings.review_at,
        settings.auto_merge_at,
        q.precision(),
        q.recall(),
        q.auto_precision(),
        q.auto
    );
    println!("  review ≥   precision  recall   | auto ≥     precision  share of true pairs");
    for (review, auto) in [
        (0.1, 0.9),
        (0.3, 0.99),
        (0.5, 0.999),
        (0.8, 0.9999),
        (0.95, 0.99999),
    ] {
        let q = quality::measure(&truth, &matched.pairs, review, auto);
        println!(
            "  {review:<10} {:<10.4} {:<8.4} | {auto:<10} {:<10.4} {:.4}",
            q.precision(),
            q.recall(),
            q.auto_precision(),
            q.auto_true as f64 / q.true_pairs.max(1) as f64
        );
    }
    for (name, bits) in matched.model.attributes.iter().zip(&matched.model.bits) {
        let shown: Vec<String> = bits.iter().map(|b| format!("{b:+.1}")).collect();
        println!("  weights {:<20} {}", name.path, shown.join(" "));
    }
    print_errors(&synth, &matched, settings, env_number("BENCH_ERRORS", 0));
}

/// The `count` worst wrong proposals and missed true candidate pairs, for error analysis.
fn print_errors(
    synth: &[synth::SynthRecord],
    matched: &pipeline::Matched,
    settings: &MatchSettings,
    count: usize,
) {
    if count == 0 {
        return;
    }
    let same = |p: &pipeline::ScoredPair| synth[p.a as usize].person == synth[p.b as usize].person;
    let mut wrong: Vec<&pipeline::ScoredPair> = matched
        .pairs
        .iter()
        .filter(|p| !same(p) && p.probability >= settings.review_at)
        .collect();
    wrong.sort_by(|a, b| b.probability.total_cmp(&a.probability));
    let mut missed: Vec<&pipeline::ScoredPair> = matched
        .pairs
        .iter()
        .filter(|p| same(p) && p.probability < settings.review_at)
        .collect();
    missed.sort_by(|a, b| b.probability.total_cmp(&a.probability));
    for (title, list) in [("wrongly proposed", wrong), ("missed", missed)] {
        println!("  {title}: {}", list.len());
        for pair in list.iter().take(count) {
            println!("    p={:.5} levels {:?}", pair.probability, pair.levels);
            for i in [pair.a, pair.b] {
                let r = &synth[i as usize];
                let fields: Vec<String> =
                    r.fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
                println!("      #{} {} {}", r.person, r.source, fields.join(" | "));
            }
        }
    }
}

fn throughput_run(plan: &Plan, count: usize) {
    let started = Instant::now();
    let synth = synth::generate(count, 99);
    let generated = started.elapsed();
    let started = Instant::now();
    let records = prepare(plan, &synth);
    drop(synth);
    let matched = pipeline::run(plan, &records, blocking::DEFAULT_MAX_BLOCK, 1);
    let elapsed = started.elapsed();
    let b = &matched.blocking;
    println!(
        "throughput: {count} records matched in memory in {:.1} s = {:.0} records/s (generating them took {:.1} s)",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64(),
        generated.as_secs_f64()
    );
    println!(
        "  candidate pairs {} = {:.1} per record (max {}), {} oversized blocking keys skipped (> {} records)",
        b.pairs,
        b.mean_per_record,
        b.max_per_record,
        b.oversized_keys,
        blocking::DEFAULT_MAX_BLOCK
    );
    println!("  peak memory (VmHWM) {} MB", peak_memory_mb());
}

/// The process's peak resident memory, from /proc.
fn peak_memory_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// `name` from the environment as a number, or `default`.
fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

//! `enrich match run` and `enrich match pairs --format csv`.
use crate::server::{
    config::Config,
    matching::{decide::Decider, export, job},
};
use clap::{Subcommand, ValueEnum};

/// `enrich match …`.
#[derive(Debug, Subcommand)]
pub enum MatchCommand {
    /// Match every live profile now: merge the pairs above the auto-merge threshold, queue those
    /// between the thresholds for review; prints a summary.
    Run,
    /// Print every proposed or decided pair with both sides' identifiers (columns documented
    /// in the README).
    Pairs {
        /// Output format.
        #[arg(long, value_enum, default_value_t = PairsFormat::Csv)]
        format: PairsFormat,
    },
}

/// Formats of `enrich match pairs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PairsFormat {
    /// Comma-separated values with a header row.
    Csv,
}

/// Runs a `match` subcommand.
pub async fn run(config: &Config, command: MatchCommand) -> Result<u8, String> {
    let state = super::state_for(config).await?;
    let graph = &state.ingest.graph;
    match command {
        MatchCommand::Run => {
            let summary = job::run_now(graph, &graph.match_queue, &Decider::system())
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{} profiles, {} candidate pairs ({:.1} per profile, at most {}), {} auto-merged, {} queued for review, {} below the review threshold, {} already decided; {:.1} s",
                summary.profiles,
                summary.candidate_pairs,
                summary.pairs_per_profile,
                summary.max_pairs_per_profile,
                summary.auto_merged,
                summary.queued,
                summary.below,
                summary.settled_skipped,
                summary.seconds
            );
            Ok(0)
        }
        MatchCommand::Pairs {
            format: PairsFormat::Csv,
        } => {
            export::write_csv(&state.db, std::io::BufWriter::new(std::io::stdout()), false)
                .await
                .map_err(|e| e.to_string())?;
            Ok(0)
        }
    }
}

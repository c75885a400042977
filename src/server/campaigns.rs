//! Campaigns on the server: definitions (`store`), who is targeted (`audience`, `assign`),
//! templates (`templates`, `context`), launching and stopping (`lifecycle`), the clock and
//! segment-entry triggers (`scheduler`, `timing`), the outbox worker (`worker`), the checks and
//! rendering before each send (`prepare`) and its channels
//! (`channels`), quiet hours (`quiet`), tracking links and unsubscribes (`links`), in-app
//! messages for apps (`in_app_api`) and results (`results`).

pub mod assign;
pub mod audience;
pub mod channels;
pub mod config;
pub mod context;
pub mod form;
pub mod history;
pub mod in_app_api;
pub mod lifecycle;
pub mod links;
pub mod prepare;
pub mod quiet;
pub mod readiness;
pub mod results;
pub mod scheduler;
pub mod settings_form;
pub mod settle;
pub mod store;
pub mod tally;
pub mod templates;
pub mod timing;
pub mod validate;
pub mod variables;
pub mod worker;

use super::{
    db::{
        campaign_settings::SettingsStore, campaigns::Campaigns, in_app_messages::InAppMessages,
        outbox::Outbox,
    },
    identity::IdentityGraph,
    live::LiveHub,
    segments::SegmentEngine,
};
use config::CampaignEnv;
use mongodb::Database;
use std::sync::{Arc, Mutex};
use tokio::task::AbortHandle;

/// Campaign definitions, the outbox and the workers that deliver it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct CampaignService {
    /// The database.
    pub db: Database,
    /// Definitions.
    pub campaigns: Campaigns,
    /// Messages to deliver and delivered.
    pub outbox: Outbox,
    /// Channel settings and secrets.
    pub settings: SettingsStore,
    /// In-app messages.
    pub in_app: InAppMessages,
    /// Profiles and events.
    pub graph: IdentityGraph,
    /// Segments and memberships.
    pub segments: SegmentEngine,
    /// Where sends are announced.
    pub hub: LiveHub,
    /// Delivery settings from the environment.
    pub env: Arc<CampaignEnv>,
    /// SMTP connections and the HTTP client, kept across messages.
    pub transports: Arc<channels::Transports>,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl CampaignService {
    /// The service over `graph`'s database; nothing runs until [`CampaignService::start`].
    pub fn new(
        graph: &IdentityGraph,
        segments: &SegmentEngine,
        hub: LiveHub,
        env: &CampaignEnv,
    ) -> Self {
        let db = graph.db.clone();
        Self {
            campaigns: Campaigns::new(&db),
            outbox: Outbox::new(&db),
            settings: SettingsStore::new(&db, graph.gate.keys.clone(), env.seed.clone()),
            in_app: InAppMessages::new(&db),
            graph: graph.clone(),
            segments: segments.clone(),
            hub,
            env: Arc::new(env.clone()),
            transports: Arc::default(),
            tasks: Arc::default(),
            db,
        }
    }

    /// Starts the scheduler and one delivery worker per channel. A second call while they run
    /// does nothing.
    pub fn start(&self) {
        let Ok(mut tasks) = self.tasks.lock() else {
            return;
        };
        if !tasks.is_empty() {
            return;
        }
        tasks.push(tokio::spawn(scheduler::run(self.clone())).abort_handle());
        for channel in crate::model::campaign::Channel::ALL {
            tasks.push(tokio::spawn(worker::run(self.clone(), channel)).abort_handle());
        }
    }

    /// Stops the scheduler and the workers at once, mid-send if need be, as a crash would
    /// (claimed messages are claimed again when their lease runs out).
    pub fn kill(&self) {
        if let Ok(mut tasks) = self.tasks.lock() {
            for task in tasks.drain(..) {
                task.abort();
            }
        }
    }
}

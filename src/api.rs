//! Server functions by domain. Each is thin: check → validate → one call into `server::`.

pub mod audit;
pub mod auth;
pub mod campaigns;
pub mod catalog;
pub mod customers;
pub mod dashboard;
pub mod demo;
pub mod enrichment;
pub mod form;
pub mod imports;
pub mod live;
pub mod matching;
pub mod preferences;
pub mod profiles;
pub mod retention;
pub mod segments;
#[cfg(feature = "ssr")]
pub mod shown_once;
pub mod sources;
pub mod tokens;
pub mod users;

pub use auth::{GetSessionUser, get_session_user};
pub use customers::{AddCustomer, CustomerList, add_customer, list_customers};
pub use dashboard::{GetDashboard, LoadDemoData, get_dashboard, load_demo_data};
pub use live::{GetLiveSnapshot, get_live_snapshot};
pub use profiles::{
    DeleteCustomer, GetProfile, ListProfileEvents, RevealField, SetConsent, UnmergeProfiles,
    delete_customer, get_profile, list_profile_events, reveal_field, set_consent, unmerge_profiles,
};

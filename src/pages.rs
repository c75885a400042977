//! One routed page per file.

pub mod campaigns;
pub mod catalog;
pub mod customer;
pub mod customers;
pub mod dashboard;
pub mod live;
pub mod login;
pub mod not_found;
pub mod preferences;
pub mod segments;
pub mod settings;

pub use campaigns::{
    CampaignPage, CampaignsPage, EditCampaignPage, LaunchCampaignPage, NewCampaignPage,
};
pub use catalog::{
    CatalogImportPage, CatalogImportProgressPage, CatalogPage, EditProductPage, NewProductPage,
    ProductPage,
};
pub use customer::CustomerPage;
pub use customers::{CustomersPage, MatchesPage};
pub use dashboard::DashboardPage;
pub use live::LivePage;
pub use login::{ForbiddenPage, LoginPage};
pub use not_found::NotFoundPage;
pub use preferences::PreferencesPage;
pub use segments::{EditSegmentPage, NewSegmentPage, SegmentPage, SegmentsPage, StaticSegmentPage};
pub use settings::{
    AuditPage, ChannelsPage, ComputedTraitsPage, FieldsPage, ImportPage, ImportProgressPage,
    MatchingSettingsPage, SourcesPage, TokensPage, UsersPage,
};

//! One routed page per file.

pub mod coming_soon;
pub mod customer;
pub mod customers;
pub mod dashboard;
pub mod live;
pub mod login;
pub mod not_found;
pub mod segments;
pub mod settings;

pub use coming_soon::ComingSoonPage;
pub use customer::CustomerPage;
pub use customers::CustomersPage;
pub use dashboard::DashboardPage;
pub use live::LivePage;
pub use login::{ForbiddenPage, LoginPage};
pub use not_found::NotFoundPage;
pub use segments::{EditSegmentPage, NewSegmentPage, SegmentPage, SegmentsPage, StaticSegmentPage};
pub use settings::{
    AuditPage, ComputedTraitsPage, FieldsPage, ImportPage, ImportProgressPage, SourcesPage,
    UsersPage,
};

//! One routed page per file.

pub mod coming_soon;
pub mod customers;
pub mod dashboard;
pub mod not_found;

pub use coming_soon::ComingSoonPage;
pub use customers::CustomersPage;
pub use dashboard::DashboardPage;
pub use not_found::NotFoundPage;

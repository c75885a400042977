//! Customers: list and add.
use crate::{error::AppError, model::CustomerSummary};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// How many customers the list shows.
pub const LIST_LIMIT: i64 = 100;

/// The most recent customers and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerList {
    /// Newest first, at most [`LIST_LIMIT`].
    pub customers: Vec<CustomerSummary>,
    /// All profiles.
    pub total: u64,
}

/// Lists the most recently added customers.
#[server(endpoint = "customers/list")]
pub async fn list_customers() -> Result<CustomerList, AppError> {
    use crate::server::{app_state, db::profiles::Profiles};
    let profiles = Profiles::new(&app_state()?.db);
    Ok(CustomerList {
        customers: profiles.list_recent(LIST_LIMIT).await?,
        total: profiles.count().await?,
    })
}

/// Validates and stores a customer typed in by hand.
#[server(endpoint = "customers/add")]
pub async fn add_customer(
    name: String,
    email: String,
    phone: Option<String>,
) -> Result<CustomerSummary, AppError> {
    use crate::{
        model::NewCustomer,
        server::{app_state, ingest::manual},
    };
    let customer = NewCustomer::parse(&name, &email, phone.as_deref().unwrap_or(""))?;
    manual::add_customer(&app_state()?, &customer).await
}

//! Customers: search and list, and add.
use crate::{
    error::AppError,
    model::{CustomerSummary, search::CustomerQuery},
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One page of the customers list and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerList {
    /// At most `search::PAGE_SIZE`, in the order asked for.
    pub customers: Vec<CustomerSummary>,
    /// Profiles matching the search and filters.
    pub total: u64,
    /// Cursor of the next page, if there is one.
    pub next: Option<String>,
}

/// Searches customers: identifier or name prefix, filters, sort, cursor. Masked by role.
#[server(endpoint = "customers/list")]
pub async fn list_customers(
    #[server(default)] query: CustomerQuery,
) -> Result<CustomerList, AppError> {
    use crate::{
        model::access::Permission,
        server::{app_state, auth::current_user, customers},
    };
    let state = app_state()?;
    let graph = &state.ingest.graph;
    let classes = graph.gate.classes.current().await?;
    let read_pii = current_user()?.can(Permission::ReadPii);
    customers::search(graph, &graph.gate.keys, &classes, &query, read_pii).await
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

//! A bounded number of tracking requests in flight; beyond it, 429 with `Retry-After`, so memory
//! stays bounded however hard clients push (each request is at most 500 KB).
use crate::error::AppError;
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Seconds a refused client is asked to wait.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// Permits for concurrent tracking requests.
#[derive(Clone, Debug)]
pub struct InFlight(pub Arc<Semaphore>);

impl InFlight {
    /// Allows `max` requests at once.
    pub fn new(max: usize) -> Self {
        Self(Arc::new(Semaphore::new(max.max(1))))
    }
}

/// Middleware: run the request holding a permit, or refuse it at once.
pub async fn limit_in_flight(
    State(in_flight): State<InFlight>,
    request: Request,
    next: Next,
) -> Response {
    match in_flight.0.clone().try_acquire_owned() {
        Ok(_permit) => next.run(request).await,
        Err(_) => AppError::TooManyRequests {
            retry_after: RETRY_AFTER_SECONDS,
        }
        .into_response(),
    }
}

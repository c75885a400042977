//! Live sockets open per user on this instance. Each socket is a task, a hub subscription and
//! a buffer; a user needs one per open tab, so a handful is plenty.
use crate::error::AppError;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// Seconds a refused socket is asked to wait (an old tab's socket closes within a ping or two).
const RETRY_SECONDS: u32 = 30;

/// Open sockets per user id.
#[derive(Clone, Debug)]
pub struct SocketCounts {
    open: Arc<Mutex<HashMap<String, usize>>>,
    cap: usize,
}

/// One open socket; dropping it frees the place.
#[derive(Debug)]
pub struct SocketTicket {
    open: Arc<Mutex<HashMap<String, usize>>>,
    user: String,
}

impl SocketCounts {
    /// At most `cap` sockets per user.
    pub fn new(cap: usize) -> Self {
        Self {
            open: Arc::default(),
            cap: cap.max(1),
        }
    }

    /// A place for one more socket of `user`, or a 429 naming the limit.
    pub fn open(&self, user: &str) -> Result<SocketTicket, AppError> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(user.to_owned()).or_default();
        if *count >= self.cap {
            return Err(AppError::RateLimited {
                limit: "live_sockets".into(),
                message: format!("at most {} live connections per user", self.cap),
                retry_after: RETRY_SECONDS,
            });
        }
        *count += 1;
        Ok(SocketTicket {
            open: self.open.clone(),
            user: user.to_owned(),
        })
    }

    /// Sockets `user` has open now.
    pub fn count(&self, user: &str) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(user).copied().unwrap_or(0)
    }
}

impl Drop for SocketTicket {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.user) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SocketCounts;

    #[test]
    fn a_user_holds_at_most_cap_sockets_and_closing_one_frees_a_place() {
        let counts = SocketCounts::new(2);
        let first = counts.open("u1").unwrap();
        let _second = counts.open("u1").unwrap();
        let refused = counts.open("u1").unwrap_err();
        assert_eq!(refused.status_code(), 429);
        assert!(counts.open("u2").is_ok(), "other users are not affected");
        drop(first);
        assert!(counts.open("u1").is_ok());
    }
}

//! The narcotics reference as the NARKOTIKA rule reads it: loaded from the database and kept
//! in memory for [`TTL`], so an operator's `samverkan narcotics import` takes effect within
//! that time without a restart, and a recept message costs no extra query in between.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use diesel::PgConnection;

use crate::domain::narcotics::NarcoticsIndex;
use crate::error::AppResult;
use crate::models::narcotic;

/// How long a loaded reference is used before it is read again.
pub const TTL: Duration = Duration::from_secs(30);

/// The cached index.
#[derive(Default)]
pub struct NarcoticsCache {
    inner: RwLock<Option<(Instant, Arc<NarcoticsIndex>)>>,
}

impl NarcoticsCache {
    /// The current index, reloaded from the database when older than [`TTL`].
    pub fn get(&self, conn: &mut PgConnection) -> AppResult<Arc<NarcoticsIndex>> {
        if let Ok(guard) = self.inner.read() {
            if let Some((loaded, index)) = guard.as_ref() {
                if loaded.elapsed() < TTL {
                    return Ok(index.clone());
                }
            }
        }
        let index = Arc::new(NarcoticsIndex::new(narcotic::load(conn)?));
        if let Ok(mut guard) = self.inner.write() {
            *guard = Some((Instant::now(), index.clone()));
        }
        Ok(index)
    }
}

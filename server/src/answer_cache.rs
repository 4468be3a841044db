//! The micro-cache of VAS's API answers: identical GETs in one cell of a wall-clock grid reach VAS once, and the answer is kept to the end of that cell only.
//!
//! Many viewers of one camera poll VAS's event list every live period
//! (`LIVE_INTERVAL_MS`, 250 ms, in `src/core/events/live_poll.rs`) with the same
//! URL in the same cell of the wall clock's grid; VAS saturates at about
//! 220 event-list requests a second. So:
//!
//! - The key is the cell (`floor(now / period)` of the server's wall clock
//!   when the request arrived), the rebuilt upstream path and the exact
//!   query string. An answer is never served in another cell, nor for
//!   another path or query.
//! - While the answer for a key is on its way, identical requests wait for
//!   it and share it (status, passed headers, body): one request to VAS.
//! - A kept answer's lifetime runs from its request's start to the end of
//!   its cell, on the monotonic clock (moka's per-entry expiry); with the
//!   cell in the key, an answer is served only while both clocks agree it
//!   is fresh, so a step of the wall clock serves nothing stale.
//! - Every answer VAS gave is kept, whatever its status: a 500 for a poison
//!   row answers 500 to the same request every time, and the viewer waits
//!   at least `API_BACKOFF_BASE_MS` (500 ms, `src/core/backoff.rs`) before
//!   it asks again, longer than a 250 ms cell, so a kept error delays no
//!   retry. Failures of the server's own (VAS unreachable, a timeout, a body
//!   broken off, no free slot, a redirect refused) are handed to the
//!   requests that waited for that one load, and never kept.
//! - Bounded: at most [`ANSWER_MAX_BYTES`] per answer (a longer one is not
//!   kept: the request that read it streams it on, each waiter sends its
//!   own request) and `--cache-max-mb` in all (least recently used first
//!   out).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use moka::future::Cache;
use moka::policy::EvictionPolicy;
use moka::Expiry;

/// The largest answer kept: the bound on device answers read for
/// redaction, so every answer the server reads whole has one bound.
pub const ANSWER_MAX_BYTES: usize = crate::vas_proxy::DEVICE_BODY_LIMIT;

/// What each kept answer is counted for beyond its key and body (the
/// entry's bookkeeping), so that many tiny answers still fill the bound.
const ENTRY_OVERHEAD_BYTES: usize = 256;

/// A whole answer from VAS, ready to be kept and sent.
pub struct FreshAnswer {
    pub status: StatusCode,
    /// The headers the browser gets (already chosen by the proxy).
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// What one load from VAS gives.
pub enum Loaded<P> {
    /// The whole answer, at most [`ANSWER_MAX_BYTES`].
    Whole(FreshAnswer),
    /// An answer too long to keep; `P` carries what was read of it and the
    /// rest, for the request that loaded it only.
    TooLarge(P),
}

/// How one request is answered.
pub enum Served<P, E> {
    /// A whole answer: kept, shared with the waiters, or both.
    Answer(StoredAnswer),
    /// The server's own failure while loading (shared with the waiters of
    /// that one load, never kept).
    Failed(Arc<E>),
    /// The answer is too long to keep: `Some` for the request that loaded
    /// it (its open answer, to stream on), `None` for a waiter, which sends
    /// its own request.
    TooLarge(Option<P>),
}

/// A kept answer; cloning it shares the body.
#[derive(Clone)]
pub struct StoredAnswer(Arc<StoredParts>);

struct StoredParts {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// The end of its cell on the monotonic clock.
    expires_at: Instant,
}

impl StoredAnswer {
    fn new(answer: FreshAnswer, expires_at: Instant) -> StoredAnswer {
        let FreshAnswer { status, headers, body } = answer;
        StoredAnswer(Arc::new(StoredParts { status, headers, body, expires_at }))
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The answer as the browser gets it: the same status, headers and body
    /// whether it was loaded for this request or kept (no `Age`).
    pub fn response(&self) -> Response {
        let mut response = Response::new(Body::from(self.0.body.clone()));
        *response.status_mut() = self.0.status;
        *response.headers_mut() = self.0.headers.clone();
        response
    }

    fn weight_bytes(&self) -> usize {
        let headers: usize =
            self.0.headers.iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
        self.0.body.len() + headers + ENTRY_OVERHEAD_BYTES
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct AnswerKey {
    cell: u64,
    path: String,
    /// `None` (no `?`) and `Some("")` (a bare `?`) reach VAS differently.
    query: Option<String>,
}

impl AnswerKey {
    fn weight_bytes(&self) -> usize {
        self.path.len() + self.query.as_ref().map_or(0, String::len)
    }
}

/// Why a load gave no answer to keep (moka hands it to every waiter).
enum NotKept<E> {
    Failed(Arc<E>),
    TooLarge,
}

/// One cell of the wall-clock grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridCell {
    /// `floor(now / period)`, counted from the Unix epoch.
    pub index: u64,
    /// From `now` to the cell's end.
    pub left: Duration,
}

/// The cell of `now` in a grid of `period` (`None` before 1970 or for a
/// zero period).
pub fn grid_cell(now: SystemTime, period: Duration) -> Option<GridCell> {
    let period_ns = period.as_nanos();
    if period_ns == 0 {
        return None;
    }
    let since_epoch_ns = now.duration_since(UNIX_EPOCH).ok()?.as_nanos();
    let index = u64::try_from(since_epoch_ns / period_ns).ok()?;
    let left_ns = period_ns - since_epoch_ns % period_ns;
    Some(GridCell { index, left: Duration::from_nanos(u64::try_from(left_ns).ok()?) })
}

/// Each entry lives until the end of its cell, as computed when its request
/// started.
struct UntilCellEnd;

impl Expiry<AnswerKey, StoredAnswer> for UntilCellEnd {
    fn expire_after_create(
        &self,
        _key: &AnswerKey,
        value: &StoredAnswer,
        created_at: Instant,
    ) -> Option<Duration> {
        Some(value.0.expires_at.saturating_duration_since(created_at))
    }
}

/// How requests went through the cache, since start.
#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    coalesced: AtomicU64,
    misses: AtomicU64,
    uncacheable: AtomicU64,
}

/// A reading of the cache's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheCounts {
    /// Requests answered from a kept answer.
    pub hits: u64,
    /// Requests that waited for another identical request's load (whatever
    /// it gave).
    pub coalesced: u64,
    /// Requests that loaded their answer from VAS for everyone.
    pub misses: u64,
    /// Requests answered on the streamed path because the answer was too
    /// long to keep (the loader's and each waiter's).
    pub uncacheable: u64,
}

/// The micro-cache (one per server).
pub struct AnswerCache {
    answers: Cache<AnswerKey, StoredAnswer>,
    period: Duration,
    counters: Counters,
}

impl AnswerCache {
    /// A cache on a grid of `period_ms` (not 0), holding at most
    /// `max_bytes` of answers.
    pub fn new(period_ms: u64, max_bytes: u64) -> AnswerCache {
        let answers = Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|key: &AnswerKey, value: &StoredAnswer| {
                u32::try_from(key.weight_bytes() + value.weight_bytes()).unwrap_or(u32::MAX)
            })
            .expire_after(UntilCellEnd)
            // Every entry is at most one period old: the newest are the ones
            // asked for, so admit each and evict the least recently used.
            .eviction_policy(EvictionPolicy::lru())
            .build();
        AnswerCache {
            answers,
            period: Duration::from_millis(period_ms.max(1)),
            counters: Counters::default(),
        }
    }

    /// The grid's period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The counters now.
    pub fn counts(&self) -> CacheCounts {
        let c = &self.counters;
        CacheCounts {
            hits: c.hits.load(Ordering::Relaxed),
            coalesced: c.coalesced.load(Ordering::Relaxed),
            misses: c.misses.load(Ordering::Relaxed),
            uncacheable: c.uncacheable.load(Ordering::Relaxed),
        }
    }

    /// Answers a request for `path` and `query` (as sent to VAS): from the
    /// answer kept in this cell, else from the load in flight for it, else
    /// by running `load` (which must read the answer whole, or give up past
    /// [`ANSWER_MAX_BYTES`]).
    pub async fn serve<P, E, Fut>(
        &self,
        path: &str,
        query: Option<&str>,
        load: impl FnOnce() -> Fut,
    ) -> Served<P, E>
    where
        Fut: Future<Output = Result<Loaded<P>, E>>,
        E: Send + Sync + 'static,
    {
        let started = Instant::now();
        let Some(cell) = grid_cell(SystemTime::now(), self.period) else {
            // A wall clock before 1970 has no grid: load, keep nothing.
            self.counters.misses.fetch_add(1, Ordering::Relaxed);
            return match load().await {
                Ok(Loaded::Whole(answer)) => Served::Answer(StoredAnswer::new(answer, started)),
                Ok(Loaded::TooLarge(open)) => self.too_large(Some(open)),
                Err(e) => Served::Failed(Arc::new(e)),
            };
        };
        let key =
            AnswerKey { cell: cell.index, path: path.to_owned(), query: query.map(str::to_owned) };
        if let Some(kept) = self.answers.get(&key).await {
            self.counters.hits.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                path,
                query,
                cell = cell.index,
                status = kept.status().as_u16(),
                "answer cache: hit"
            );
            return Served::Answer(kept);
        }
        let expires_at = started + cell.left;
        let mut loaded_here = false;
        let mut handed_back: Option<P> = None;
        let result = {
            let (loaded_here, handed_back) = (&mut loaded_here, &mut handed_back);
            self.answers
                .try_get_with(key, async move {
                    *loaded_here = true;
                    match load().await {
                        Ok(Loaded::Whole(answer)) => Ok(StoredAnswer::new(answer, expires_at)),
                        Ok(Loaded::TooLarge(open)) => {
                            *handed_back = Some(open);
                            Err(NotKept::TooLarge)
                        }
                        Err(e) => Err(NotKept::Failed(Arc::new(e))),
                    }
                })
                .await
        };
        let outcome = if loaded_here {
            self.counters.misses.fetch_add(1, Ordering::Relaxed);
            "miss"
        } else {
            self.counters.coalesced.fetch_add(1, Ordering::Relaxed);
            "coalesced"
        };
        match result {
            Ok(answer) => {
                tracing::debug!(
                    path,
                    query,
                    cell = cell.index,
                    status = answer.status().as_u16(),
                    "answer cache: {outcome}"
                );
                Served::Answer(answer)
            }
            Err(not_kept) => match &*not_kept {
                NotKept::Failed(e) => {
                    tracing::debug!(
                        path,
                        query,
                        cell = cell.index,
                        "answer cache: {outcome}, the server's own failure (not kept)"
                    );
                    Served::Failed(e.clone())
                }
                NotKept::TooLarge => {
                    tracing::debug!(
                        path,
                        query,
                        cell = cell.index,
                        "answer cache: {outcome}, answer too long to keep"
                    );
                    self.too_large(handed_back)
                }
            },
        }
    }

    fn too_large<P, E>(&self, open: Option<P>) -> Served<P, E> {
        self.counters.uncacheable.fetch_add(1, Ordering::Relaxed);
        Served::TooLarge(open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_floors_of_the_wall_clock() {
        let period = Duration::from_millis(250);
        let at = |ms: u64| grid_cell(UNIX_EPOCH + Duration::from_millis(ms), period).unwrap();
        assert_eq!(at(0), GridCell { index: 0, left: period });
        assert_eq!(at(249), GridCell { index: 0, left: Duration::from_millis(1) });
        assert_eq!(at(250), GridCell { index: 1, left: period });
        assert_eq!(
            at(1_000_000_100),
            GridCell { index: 4_000_000, left: Duration::from_millis(150) }
        );
        assert_eq!(grid_cell(UNIX_EPOCH - Duration::from_secs(1), period), None);
        assert_eq!(grid_cell(UNIX_EPOCH, Duration::ZERO), None);
    }

    fn answer(body: &'static str) -> FreshAnswer {
        FreshAnswer {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    #[tokio::test]
    async fn a_kept_answer_ends_with_its_cell_and_failures_are_not_kept() {
        // A long period, so that the test runs inside one cell (unless it
        // starts at a cell's very end: then it waits for the next).
        let cache = AnswerCache::new(60_000, 1 << 20);
        let cell = grid_cell(SystemTime::now(), cache.period()).unwrap();
        if cell.left < Duration::from_secs(5) {
            tokio::time::sleep(cell.left).await;
        }
        let loads = AtomicU64::new(0);
        let load = |body| {
            loads.fetch_add(1, Ordering::SeqCst);
            async move { Ok::<_, ()>(Loaded::<()>::Whole(answer(body))) }
        };
        assert!(matches!(cache.serve("/a", None, || load("one")).await, Served::Answer(_)));
        let Served::Answer(kept) = cache.serve::<(), (), _>("/a", None, || load("two")).await
        else {
            panic!("not kept")
        };
        assert_eq!(kept.0.body, "one");
        assert!(matches!(cache.serve("/a", Some(""), || load("three")).await, Served::Answer(_)));
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        // The server's own failure is handed back and not kept.
        for _ in 0..2 {
            let served = cache
                .serve::<(), _, _>("/b", None, || async { Err::<Loaded<()>, _>("unreachable") })
                .await;
            assert!(matches!(served, Served::Failed(e) if *e == "unreachable"));
        }
        assert_eq!(
            cache.counts(),
            CacheCounts { hits: 1, coalesced: 0, misses: 4, uncacheable: 0 }
        );
    }
}

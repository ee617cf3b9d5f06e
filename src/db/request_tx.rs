//! A request's write transaction, kept open until the request's answer is recorded in it.
//!
//! Within [`RequestTx::scope`], the request's first [`super::run_tx`] begins one write
//! transaction on a connection of its own and runs the scope's `opening` step in it first (the
//! idempotency claim); every later [`super::run`] and [`super::run_tx`] of the request uses that
//! connection (each write in a savepoint), so the request reads what it wrote. Nothing commits
//! until [`RequestTx::commit`], which runs a last step (recording the answer) in the same
//! transaction: the effect and its answer land together or not at all. A request dropped before
//! (a crash, a client gone, a panic) rolls back.

use std::future::Future;
use std::sync::{Arc, Mutex};

use actix_web::web;
use diesel::Connection;

use super::dialect::{self, WriterTurn};
use super::{DbConn, DbPool, Manager};
use crate::error::{ApiError, ApiResult};

/// The step run first in the request's transaction.
pub type Opening = Box<dyn Fn(&mut DbConn) -> ApiResult<()> + Send + Sync>;

/// See the module documentation.
#[derive(Clone)]
pub struct RequestTx {
    inner: Arc<Inner>,
}

struct Inner {
    open: Mutex<Option<Open>>,
    opening: Opening,
}

struct Open {
    conn: diesel::r2d2::PooledConnection<Manager>,
    /// Held until the transaction ends (SQLite's one writer).
    _turn: Option<WriterTurn>,
    ended: bool,
}

impl Drop for Open {
    fn drop(&mut self) {
        if !self.ended && dialect::end_write(&mut self.conn, false).is_err() {
            // Still inside a transaction it could not end: the pool must not hand it out.
            self.conn.broken = true;
        }
    }
}

tokio::task_local! {
    static CURRENT: RequestTx;
}

/// The transaction scope of the request served on this task, if any.
pub(super) fn current() -> Option<RequestTx> {
    CURRENT.try_with(Clone::clone).ok()
}

impl RequestTx {
    pub fn new(opening: Opening) -> RequestTx {
        RequestTx {
            inner: Arc::new(Inner {
                open: Mutex::new(None),
                opening,
            }),
        }
    }

    /// Runs `request` with this scope: its database work joins one transaction.
    pub async fn scope<F: Future>(&self, request: F) -> F::Output {
        CURRENT.scope(self.clone(), request).await
    }

    /// Whether the request wrote: a transaction is open and waits for [`Self::commit`].
    pub fn is_open(&self) -> bool {
        self.lock().is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Open>> {
        self.inner.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the open transaction's connection (the caller checked it is open).
    pub(super) async fn read<T, F>(&self, pool: &DbPool, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.with_open(pool, f).await
    }

    /// Runs `f` in a savepoint of the request's transaction, opening it first if need be: a
    /// write that fails leaves the request's earlier writes as they were, as its own transaction
    /// would, and one that lost a race runs again as [`super::run_tx`]'s do.
    pub(super) async fn write<T, F>(&self, pool: &DbPool, f: F) -> ApiResult<T>
    where
        F: Fn(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        if let Some(fault) = crate::failpoint::storage_fault().map(ApiError::from) {
            pool.note_write(&Err(&fault));
            return Err(fault);
        }
        let noted = pool.clone();
        let panics = crate::failpoint::active("panic-in-write");
        self.with_open(pool, move |conn| {
            super::retrying_races(|| {
                let done = conn.transaction(|conn| {
                    if panics {
                        panic!("failpoint: panic in a write");
                    }
                    f(conn)
                });
                noted.note_write(&done.as_ref().map(|_| ()));
                done
            })
        })
        .await
    }

    async fn with_open<T, F>(&self, pool: &DbPool, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let this = self.clone();
        let pool = pool.clone();
        let span = tracing::debug_span!("db", op = "request transaction");
        web::block(move || {
            let _in = span.enter();
            let mut open = this.lock();
            if open.is_none() {
                *open = Some(this.begin(&pool)?);
            }
            let Some(held) = open.as_mut() else {
                return Err(ApiError::internal("the request transaction is not open"));
            };
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut held.conn)));
            let Ok(result) = run else {
                // The work panicked inside the transaction (perhaps inside a savepoint diesel
                // no longer tracks): the connection is closed, which rolls everything back and
                // frees SQLite's write lock, and is never handed out again.
                held.conn.broken = true;
                drop(open.take());
                return Err(ApiError::internal(
                    "the request's work failed unexpectedly; nothing it did was kept",
                ));
            };
            held.conn.ended(&result, &pool.failures);
            result
        })
        .await?
    }

    fn begin(&self, pool: &DbPool) -> ApiResult<Open> {
        let turn = pool.writer_turn()?;
        let mut conn = pool.get()?;
        dialect::begin_write(&mut conn)?;
        let mut open = Open {
            conn,
            _turn: turn,
            ended: false,
        };
        // On failure `open` drops and rolls back.
        (self.inner.opening)(&mut open.conn)?;
        Ok(open)
    }

    /// Runs `last` in the open transaction and commits both. `false` when nothing was open
    /// (the request wrote nothing; `last` did not run).
    pub async fn commit<F>(&self, pool: &DbPool, last: F) -> ApiResult<bool>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<()> + Send + 'static,
    {
        let Some(mut open) = self.lock().take() else {
            return Ok(false);
        };
        let pool = pool.clone();
        let span = tracing::debug_span!("db", op = "commit");
        web::block(move || {
            let _in = span.enter();
            let result = last(&mut open.conn).and_then(|()| {
                open.ended = true;
                dialect::end_write(&mut open.conn, true).map_err(ApiError::from)
            });
            pool.note_write(&result.as_ref().map(|_| ()));
            open.conn.ended(&result, &pool.failures);
            result.map(|()| true)
        })
        .await?
    }

    /// Ends the open transaction, if any, without keeping anything.
    pub async fn rollback(&self) {
        let Some(open) = self.lock().take() else {
            return;
        };
        let _ = web::block(move || drop(open)).await;
    }
}

//! The server's background jobs: webhook dispatch and delivery, reminders, pruning, sealing the
//! audit chain. Each job
//! that must run once runs under a lease in the database (`job_leases`): any number of
//! instances may run the jobs; one holds each lease at a time, and another takes over within
//! the lease's life when it stops. Deliveries are claimed one by one by every instance's
//! senders (see [`crate::webhooks::store::claim_due`]). These threads are the jobs' own, never
//! an HTTP worker's, so they use the database directly.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::job_leases;
use crate::db::{self, DbConn, DbPool};
use crate::error::ApiResult;
use crate::webhooks::delivery::{self, Sender};

/// What the jobs do and how often.
#[derive(Debug, Clone)]
pub struct JobSettings {
    /// Events older than this are removed.
    pub retention: chrono::Duration,
    pub allow_private: bool,
    /// Scales the webhook retry schedule: 1 in service.
    pub retry_scale: f64,
    /// How often the dispatcher and idle senders look for work.
    pub tick: Duration,
    /// Threads sending deliveries in this instance.
    pub senders: usize,
    /// How often reminders are looked for.
    pub reminder_every: Duration,
    /// Where file content is kept: unattached uploads and unnamed content are swept there.
    pub storage: crate::files::Storage,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings {
            retention: chrono::Duration::days(90),
            allow_private: false,
            retry_scale: 1.0,
            tick: Duration::from_millis(200),
            senders: 4,
            reminder_every: Duration::from_secs(60),
            storage: crate::files::Storage::Database,
        }
    }
}

/// How long a job's lease lasts without renewal: how soon another instance takes over.
const LEASE_SECS: i64 = 10;

/// Takes or renews the lease `name` for `holder`; `false` when another instance holds it.
pub fn take_lease(conn: &mut DbConn, name: &str, holder: &str) -> QueryResult<bool> {
    let now = crate::time::now();
    let until = now + chrono::Duration::seconds(LEASE_SECS);
    let renewed = diesel::update(
        job_leases::table.filter(job_leases::name.eq(name)).filter(
            job_leases::holder
                .eq(holder)
                .or(job_leases::expires_at.lt(now)),
        ),
    )
    .set((
        job_leases::holder.eq(holder),
        job_leases::expires_at.eq(until),
    ))
    .execute(conn)?;
    if renewed == 1 {
        return Ok(true);
    }
    let exists: i64 = job_leases::table
        .filter(job_leases::name.eq(name))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    match diesel::insert_into(job_leases::table)
        .values((
            job_leases::name.eq(name),
            job_leases::holder.eq(holder),
            job_leases::expires_at.eq(until),
        ))
        .execute(conn)
    {
        Ok(_) => Ok(true),
        // Another instance inserted it first.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e),
    }
}

fn leased(pool: &DbPool, name: &str, holder: &str) -> bool {
    match db::read_here(pool, |c| Ok(take_lease(c, name, holder)?)) {
        Ok(held) => held,
        Err(e) => {
            tracing::warn!(job = name, error = %e, "cannot take the job's lease");
            false
        }
    }
}

/// The running jobs; dropping it stops them (they finish what they are doing).
pub struct Jobs {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Jobs {
    /// Stops the jobs and waits for them.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Jobs {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

fn log_failure(job: &str, result: ApiResult<usize>) -> usize {
    match result {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(job, error = %e, "a background job failed; it runs again shortly");
            0
        }
    }
}

/// Starts the jobs on threads of their own.
pub fn start(pool: DbPool, settings: JobSettings) -> Result<Jobs, String> {
    let stop = Arc::new(AtomicBool::new(false));
    let instance = uuid::Uuid::new_v4().to_string();
    let mut threads = Vec::new();
    for n in 0..settings.senders.max(1) {
        let (holder, retry_scale, allow_private) = (
            format!("{instance}/{n}"),
            settings.retry_scale,
            settings.allow_private,
        );
        let (pool, stop, tick) = (pool.clone(), stop.clone(), settings.tick);
        threads.push(spawn(&format!("mecigep-send-{n}"), move || {
            // The blocking client runs a runtime of its own: made and dropped on this thread.
            let client = match crate::webhooks::target::client(allow_private) {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "cannot build the webhooks' HTTP client");
                    return;
                }
            };
            let sender = Sender {
                client,
                holder,
                retry_scale,
                allow_private,
            };
            while !stop.load(Ordering::Acquire) {
                if log_failure("webhook delivery", sender.deliver_due(&pool, 4)) == 0 {
                    std::thread::sleep(tick);
                }
            }
        })?);
    }
    let (pool2, stop2) = (pool.clone(), stop.clone());
    threads.push(spawn("mecigep-jobs", move || {
        let mut last_reminders: Option<Instant> = None;
        let mut last_prune: Option<Instant> = None;
        while !stop2.load(Ordering::Acquire) {
            if leased(&pool2, "webhook-dispatch", &instance) {
                let made = log_failure("webhook dispatch", delivery::dispatch(&pool2));
                crate::telemetry::webhook_deliveries_created(made);
            }
            // Sealing needs no lease: sealers on several instances take turns on a lock.
            log_failure("audit sealing", crate::audit::chain::seal(&pool2));
            if last_reminders.is_none_or(|t| t.elapsed() >= settings.reminder_every)
                && leased(&pool2, "reminders", &instance)
            {
                last_reminders = Some(Instant::now());
                log_failure(
                    "reminders",
                    crate::responses::reminders::emit_due(&pool2, crate::time::today()),
                );
            }
            if last_prune.is_none_or(|t| t.elapsed() >= Duration::from_secs(3600))
                && leased(&pool2, "prune", &instance)
            {
                last_prune = Some(Instant::now());
                log_failure("pruning", prune(&pool2, settings.retention));
                log_failure(
                    "file cleaning",
                    crate::files::clean(&pool2, &settings.storage).map(|(f, b)| f + b),
                );
            }
            std::thread::sleep(settings.tick);
        }
    })?);
    Ok(Jobs { stop, threads })
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>, String> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map_err(|e| format!("cannot start the {name} thread: {e}"))
}

/// Removes events past the retention period and settled deliveries as old.
pub fn prune(pool: &DbPool, retention: chrono::Duration) -> ApiResult<usize> {
    let before: NaiveDateTime = crate::time::now() - retention;
    db::write_here(pool, |conn| {
        let events = crate::events::store::prune(conn, before)?;
        let deliveries = crate::webhooks::store::prune_deliveries(conn, before)?;
        Ok(events + deliveries)
    })
}

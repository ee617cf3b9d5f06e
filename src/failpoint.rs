//! Faults on demand, for the tests of what a client gets when storage fails or the process
//! dies mid-request. Built only with the cargo feature `failpoints` (the test suite turns it
//! on; release builds have none): a request names the faults it wants in the
//! `X-Mecigep-Failpoints` header (comma-separated), so tests running side by side never see
//! each other's faults. Without the feature the header means nothing and every check is
//! `false`.
//!
//! - `disk-full`, `disk-io`: every write transaction of the request fails as the backend
//!   does when its disk is full (507) or gives an I/O error (503).
//! - `crash-before-commit`: the request's effect is lost as in a crash before it committed.
//! - `crash-after-commit`: the effect and its idempotent answer commit, and the client gets
//!   no answer (a 500 stands for the lost connection).
//! - `panic-in-write`: the request's first write panics inside its savepoint, as a bug would.

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

#[cfg(feature = "failpoints")]
tokio::task_local! {
    static ACTIVE: String;
}

/// Whether the request served on this task asked for the fault `name`.
pub fn active(name: &str) -> bool {
    #[cfg(feature = "failpoints")]
    {
        ACTIVE
            .try_with(|list| list.split(',').any(|n| n.trim() == name))
            .unwrap_or(false)
    }
    #[cfg(not(feature = "failpoints"))]
    {
        let _ = name;
        false
    }
}

/// The storage fault the request asked for, as the backend reports it.
pub fn storage_fault() -> Option<diesel::result::Error> {
    let message = if active("disk-full") {
        "database or disk is full"
    } else if active("disk-io") {
        "disk I/O error"
    } else {
        return None;
    };
    Some(diesel::result::Error::DatabaseError(
        diesel::result::DatabaseErrorKind::Unknown,
        Box::new(message.to_owned()),
    ))
}

/// Middleware: reads the request's faults (with the feature; passes through without).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    #[cfg(feature = "failpoints")]
    {
        let list = req
            .headers()
            .get("x-mecigep-failpoints")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        ACTIVE.scope(list, next.call(req)).await
    }
    #[cfg(not(feature = "failpoints"))]
    {
        next.call(req).await
    }
}

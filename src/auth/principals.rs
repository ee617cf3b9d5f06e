//! Accounts as access tokens last found them, kept per process for at most the recheck bound.
//!
//! Every request with a token must learn whether its account still allows it (deactivation, a
//! new role or country, a password change, a revoked machine client). Reading the account on
//! each request cost a database round trip of its own before the request's query, four times
//! an anonymous read. The answer for one token's claims is kept here for at most
//! `MECIGEP_AUTH_RECHECK_MS` (1 s at most), so an account changed through another instance
//! loses its access within that bound. A change made through this process drops everything
//! kept at once ([`account_changed`]), so here it takes effect on the next request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::jwt::Claims;
use super::Principal;

/// Account changes made by this process (any application in it), counted: a kept answer
/// read before the latest change is not used.
static ACCOUNT_CHANGES: AtomicU64 = AtomicU64::new(0);

/// Records that an account or machine client changed in a way that may end access. Called
/// where the change is written, before its transaction commits: a request that read the
/// account in between keeps the old answer for at most the recheck bound.
pub fn account_changed() {
    ACCOUNT_CHANGES.fetch_add(1, Ordering::SeqCst);
}

/// The longest an answer is kept: the bound the README and the settings promise.
pub const MAX_RECHECK: Duration = Duration::from_secs(1);

/// What a token claims about its account: one kept answer per distinct claim set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    user_id: i64,
    epoch: i32,
    role: String,
    country: Option<String>,
    client_id: Option<String>,
}

#[derive(Debug, Clone)]
struct Kept {
    principal: Option<Principal>,
    changes: u64,
}

/// Answers kept for at most the recheck bound; `None` keeps nothing.
pub struct PrincipalCache {
    kept: Option<moka::future::Cache<Key, Kept>>,
}

impl PrincipalCache {
    pub fn new(recheck: Duration) -> PrincipalCache {
        let recheck = recheck.min(MAX_RECHECK);
        PrincipalCache {
            kept: (!recheck.is_zero()).then(|| {
                moka::future::Cache::builder()
                    .max_capacity(100_000)
                    .time_to_live(recheck)
                    .build()
            }),
        }
    }

    fn key(user_id: i64, claims: &Claims) -> Key {
        Key {
            user_id,
            epoch: claims.ver,
            role: claims.role.clone(),
            country: claims.country.clone(),
            client_id: claims.cid.clone(),
        }
    }

    /// The principal these claims stand for, or `None` for a refused token, if kept; the
    /// outer `None` when it must be read.
    pub async fn get(&self, user_id: i64, claims: &Claims) -> Option<Option<Principal>> {
        let kept = self.kept.as_ref()?.get(&Self::key(user_id, claims)).await?;
        (kept.changes == ACCOUNT_CHANGES.load(Ordering::SeqCst)).then_some(kept.principal)
    }

    /// Where this read stands among account changes: to pass to [`PrincipalCache::keep`],
    /// taken before the account is read.
    pub fn mark(&self) -> u64 {
        ACCOUNT_CHANGES.load(Ordering::SeqCst)
    }

    /// Keeps what the account read (begun at `mark`) said of these claims.
    pub async fn keep(
        &self,
        user_id: i64,
        claims: &Claims,
        principal: Option<Principal>,
        mark: u64,
    ) {
        if let Some(kept) = &self.kept {
            let value = Kept {
                principal,
                changes: mark,
            };
            kept.insert(Self::key(user_id, claims), value).await;
        }
    }
}

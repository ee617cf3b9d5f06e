//! Login throttling per account and per client address (governor, keyed token buckets).
//!
//! Every attempt spends one token, so failures are bounded whatever their mix with successes;
//! the quotas are far above what a person or a scheduled job needs. State is per process: with
//! several instances behind a balancer each enforces its own bucket. An account's failed
//! logins are also counted from the audit log at each login, which every instance writes, so
//! that limit holds across instances.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct LoginThrottle {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

fn quota(burst: u32, per: Duration) -> Quota {
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(per / burst.get())
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl LoginThrottle {
    /// `account` and `address` attempts are allowed per `window`, refilled evenly over it.
    pub fn new(account: u32, address: u32, window: Duration) -> LoginThrottle {
        LoginThrottle {
            per_account: RateLimiter::keyed(quota(account, window)),
            per_address: RateLimiter::keyed(quota(address, window)),
            clock: DefaultClock::default(),
        }
    }

    /// Spends one attempt; `Err(seconds)` says how long to wait.
    pub fn attempt(&self, account: &str, address: &str) -> Result<(), u64> {
        if self.per_account.len() > 100_000 {
            self.per_account.retain_recent();
            self.per_address.retain_recent();
        }
        let now = self.clock.now();
        for (limiter, key) in [
            (&self.per_address, address.to_owned()),
            (&self.per_account, account.to_lowercase()),
        ] {
            if let Err(not_until) = limiter.check_key(&key) {
                let wait = not_until.wait_time_from(now);
                return Err(wait.as_secs().max(1));
            }
        }
        Ok(())
    }
}

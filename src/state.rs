//! The application's shared state and settings: the bottom of the house. Every slice reads
//! them; this module imports no slice.

use std::sync::Arc;

use crate::cache::GuideCache;
use crate::db::DbPool;
use crate::http;
use crate::security::jwt::JwtKeys;
use crate::security::throttle::LoginThrottle;

/// Settings the running application needs.
#[derive(Debug, Clone)]
pub struct AppSettings {
    /// Largest JSON body accepted, in bytes.
    pub json_limit: usize,
    /// Origins allowed by CORS; `*` allows any.
    pub cors_origins: Vec<String>,
    pub auth: AuthSettings,
    /// Public Guide search pages kept per process (0: none).
    pub guide_cache_entries: usize,
    /// How long the Guide's generation read from the database is trusted when this process
    /// wrote nothing since: the most a change made by another instance may take to show.
    pub guide_cache_recheck: std::time::Duration,
    /// Rank searches of the published Guide in an index kept in this process (false: in the
    /// database).
    pub search_index: bool,
    /// Send `Strict-Transport-Security` (the service is reached over TLS only).
    pub hsts: bool,
    /// The bearer token `/metrics` asks for on the API's listener; no `/metrics` there without.
    pub metrics_token: Option<String>,
    /// Requests per caller and minute on writes, logins, exports and searches.
    pub rate_limits: crate::http::rate_limit::RateLimits,
    /// Where webhooks may point.
    pub webhooks: crate::webhooks::WebhookPolicy,
    /// Upload limit and where file content is kept.
    pub files: crate::files::FileSettings,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            json_limit: http::DEFAULT_JSON_LIMIT,
            cors_origins: Vec::new(),
            auth: AuthSettings::default(),
            guide_cache_entries: 1024,
            guide_cache_recheck: std::time::Duration::from_millis(100),
            search_index: true,
            hsts: false,
            metrics_token: None,
            rate_limits: crate::http::rate_limit::RateLimits::OFF,
            webhooks: crate::webhooks::WebhookPolicy::default(),
            files: crate::files::FileSettings::default(),
        }
    }
}

/// Token lifetimes, signing key and login throttling.
#[derive(Clone)]
pub struct AuthSettings {
    /// HS256 key of access tokens (at least 32 bytes).
    pub jwt_secret: Vec<u8>,
    pub access_ttl_secs: u64,
    pub refresh_ttl_days: i64,
    /// Login attempts allowed per account, and per client address, per 15 minutes.
    pub login_attempts_per_account: u32,
    pub login_attempts_per_address: u32,
    /// How long an account's answer for a token is kept (at most 1 s; zero reads it on every
    /// request): the most a deactivation made through another instance takes to end access.
    pub recheck: std::time::Duration,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("jwt_secret", &"<redacted>")
            .field("access_ttl_secs", &self.access_ttl_secs)
            .field("refresh_ttl_days", &self.refresh_ttl_days)
            .finish()
    }
}

impl AuthSettings {
    /// A random key: tokens stop working when the process restarts.
    pub fn random_secret() -> Vec<u8> {
        crate::security::random_token().into_bytes()
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            jwt_secret: Self::random_secret(),
            access_ttl_secs: 900,
            refresh_ttl_days: 30,
            login_attempts_per_account: 10,
            login_attempts_per_address: 60,
            recheck: crate::auth::principals::MAX_RECHECK,
        }
    }
}

/// What authentication needs at run time.
pub struct AuthState {
    pub keys: JwtKeys,
    pub throttle: LoginThrottle,
    pub refresh_ttl: chrono::Duration,
    pub principals: crate::auth::principals::PrincipalCache,
}

/// Shared state of every worker: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<AppSettings>,
    pub auth: Arc<AuthState>,
    pub guide_cache: Arc<GuideCache>,
    /// The published Guide's full-text index in this process.
    pub guide_index: Arc<crate::experiences::guide_index::GuideIndex>,
    /// The working documents editors read, kept in this process.
    pub working_docs: Arc<crate::experiences::working_docs::WorkingDocs>,
    pub rate_limits: Arc<crate::http::rate_limit::Limiter>,
}

impl AppState {
    pub fn new(pool: DbPool, settings: AppSettings) -> AppState {
        let a = &settings.auth;
        let auth = AuthState {
            keys: JwtKeys::new(&a.jwt_secret, a.access_ttl_secs),
            throttle: LoginThrottle::new(
                a.login_attempts_per_account,
                a.login_attempts_per_address,
                std::time::Duration::from_secs(15 * 60),
            ),
            refresh_ttl: chrono::Duration::days(a.refresh_ttl_days),
            principals: crate::auth::principals::PrincipalCache::new(a.recheck),
        };
        let guide_cache = Arc::new(GuideCache::new(
            settings.guide_cache_entries,
            settings.guide_cache_recheck,
            pool.write_counter(),
        ));
        let guide_index = Arc::new(crate::experiences::guide_index::GuideIndex::new(
            settings.search_index,
        ));
        let working_docs = Arc::new(crate::experiences::working_docs::WorkingDocs::new(
            settings.guide_cache_entries > 0,
        ));
        AppState {
            guide_index,
            working_docs,
            rate_limits: Arc::new(crate::http::rate_limit::Limiter::new(settings.rate_limits)),
            pool,
            guide_cache,
            settings: Arc::new(settings),
            auth: Arc::new(auth),
        }
    }
}

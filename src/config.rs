//! Command line and environment: every flag is also an environment variable, and anything
//! misconfigured stops the start with a message that says what and how to fix it.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::db::{PoolOptions, Target, DEFAULT_SQLITE_PATH};
use crate::state::{AppSettings, AuthSettings};

#[derive(Debug, Parser)]
#[command(
    name = "mecigep",
    version,
    about = "API of the OAS Inter-American Cooperation Mechanism for Effective Public Management \
             (MECIGEP) and its Guide (GEMGPE)",
    long_about = None,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Flags of `serve`, which runs when no command is given.
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default): migrates, loads reference data, then listens.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document and exit.
    Openapi,
    /// Load the reference data (and with --demo the demo content) and exit.
    Seed(SeedArgs),
    /// Write a consistent copy of the database to PATH while the server runs (SQLite: one
    /// file; PostgreSQL: pg_dump's custom format, pg_dump needed).
    Backup(PathArg),
    /// Put a copy made by `backup` into an empty database (PostgreSQL: pg_restore needed),
    /// then apply any newer migrations.
    Restore(PathArg),
    /// Manage accounts from the command line.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit log's hash chain.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the whole chain from its first row: exit 0 and print the rows checked and the head
    /// hash when every row links to the one before and hashes to what it carries; exit 1 and
    /// name the first row that does not otherwise. Read-only.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from standard input when it is not a terminal;
    /// otherwise a strong one is generated and printed once.
    Add(UserAddArgs),
}

#[derive(Debug, Clone, Args)]
pub struct UserAddArgs {
    #[arg(long)]
    pub email: String,
    /// member_country, expert or secretariat.
    #[arg(long)]
    pub role: String,
    /// Alpha-3 code (member_country and expert).
    #[arg(long)]
    pub country: Option<String>,
    /// Name shown to others (default: the email).
    #[arg(long)]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Database: postgres://USER@HOST/DB, sqlite://PATH or a file path.
    #[arg(long, env = "DATABASE_URL", global = true, default_value = DEFAULT_SQLITE_PATH)]
    pub database_url: String,
    /// Where file content is kept: `database` (default: in the database, so its backups hold
    /// the files), `file:///folder`, or `s3://bucket/prefix` (S3 or a compatible store, set up by
    /// the `AWS_*` variables: AWS_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID…). `backup` and
    /// `restore` copy an object store's content beside the database's copy.
    #[arg(long, env = "MECIGEP_FILES_URL", global = true)]
    pub files_url: Option<String>,
    /// Log format: `pretty` for people, `json` for log collectors. Levels come from RUST_LOG.
    #[arg(
        long,
        env = "LOG_FORMAT",
        global = true,
        value_enum,
        default_value = "pretty"
    )]
    pub log_format: LogFormat,
    /// Most connections the pool keeps open.
    #[arg(long, env = "MECIGEP_DB_POOL_SIZE", global = true, default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=200))]
    pub db_pool_size: u32,
    /// Milliseconds a request waits for a database connection before it is answered 503
    /// (with `Retry-After`): what a client waits during a database outage.
    #[arg(long, env = "MECIGEP_DB_TIMEOUT_MS", global = true, default_value_t = 750,
          value_parser = clap::value_parser!(u64).range(50..=60_000))]
    pub db_timeout_ms: u64,
    /// Seconds to keep trying, at start, a database that does not answer yet (containers start
    /// in any order); each try is logged. 0 gives up at once.
    #[arg(long, env = "MECIGEP_DB_WAIT_SECS", global = true, default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub db_wait_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "MECIGEP_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Origins allowed to call the API from a browser, comma-separated (`*` for any).
    #[arg(long, env = "MECIGEP_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Send `Strict-Transport-Security: max-age=31536000` on every answer: set it when clients
    /// reach the service over TLS only (behind a TLS-terminating proxy).
    #[arg(long, env = "MECIGEP_HSTS", default_value_t = false)]
    pub hsts: bool,
    /// Serve `/metrics` on the API's listener to callers sending this bearer token.
    #[arg(long, env = "MECIGEP_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Serve `/metrics`, without credentials, on this address of its own (a network only the
    /// scraper reaches), e.g. `127.0.0.1:9464`.
    #[arg(long, env = "MECIGEP_METRICS_BIND")]
    pub metrics_bind: Option<String>,
    /// Writes (POST, PUT, PATCH, DELETE) allowed per caller and minute; 0 for no limit. The
    /// caller is the machine client, else the account, else the address.
    #[arg(long, env = "MECIGEP_RATE_LIMIT_WRITES", default_value_t = 600)]
    pub rate_limit_writes: u32,
    /// Logins and token requests allowed per client address and minute; 0 for no limit.
    #[arg(long, env = "MECIGEP_RATE_LIMIT_LOGINS", default_value_t = 60)]
    pub rate_limit_logins: u32,
    /// Exports allowed per caller and minute; 0 for no limit.
    #[arg(long, env = "MECIGEP_RATE_LIMIT_EXPORTS", default_value_t = 60)]
    pub rate_limit_exports: u32,
    /// Searches (`q=` on a list, suggestions) allowed per caller and minute; 0 for no limit.
    #[arg(long, env = "MECIGEP_RATE_LIMIT_SEARCH", default_value_t = 1200)]
    pub rate_limit_search: u32,
    /// Largest JSON request body, in bytes.
    #[arg(long, env = "MECIGEP_JSON_LIMIT", default_value_t = crate::http::DEFAULT_JSON_LIMIT)]
    pub json_limit: usize,
    /// Worker threads serving HTTP (default: one per core).
    #[arg(long, env = "MECIGEP_WORKERS")]
    pub workers: Option<usize>,
    /// Key signing access tokens (HS256), at least 32 bytes. Unset: a random key per process,
    /// so tokens die with it and several instances cannot share them.
    #[arg(long, env = "MECIGEP_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Lifetime of access tokens, in seconds (60 to 86400).
    #[arg(long, env = "MECIGEP_ACCESS_TOKEN_TTL", default_value_t = 900,
          value_parser = clap::value_parser!(u64).range(60..=86_400))]
    pub access_token_ttl: u64,
    /// Lifetime of refresh tokens, in days (1 to 365).
    #[arg(long, env = "MECIGEP_REFRESH_TOKEN_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(i64).range(1..=365))]
    pub refresh_token_days: i64,
    /// Email of the first secretariat account, created when there are no users.
    #[arg(
        long,
        env = "MECIGEP_ADMIN_EMAIL",
        default_value = "admin@mecigep.example"
    )]
    pub admin_email: String,
    /// Its password (at least 12 characters). Unset: one is generated and printed once.
    #[arg(long, env = "MECIGEP_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// Load the demo content (rounds, questionnaires) at start, if missing.
    #[arg(long, env = "MECIGEP_DEMO")]
    pub demo: bool,
    /// Public Guide search pages kept in memory (at most 6 MiB), beside the public's reads of
    /// single experiences (an 8 MiB ring), dropped as soon as the published Guide changes, and
    /// the working documents editors read (at most 16 MiB, each under its revision); 0 turns
    /// all three off.
    #[arg(long, env = "MECIGEP_GUIDE_CACHE_ENTRIES", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub guide_cache_entries: u32,
    /// Milliseconds a server trusts the Guide's generation it read when it wrote nothing
    /// since: the most a change made through another instance takes to show in public
    /// searches and reads. 0 reads it on every request.
    #[arg(long, env = "MECIGEP_GUIDE_CACHE_RECHECK_MS", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub guide_cache_recheck_ms: u64,
    /// Rank searches of the published Guide in an index kept in this process's memory, built
    /// at the first search and brought up to date from the database under the Guide's
    /// generation; false ranks every search in the database.
    #[arg(long, env = "MECIGEP_SEARCH_INDEX", default_value_t = true, action = clap::ArgAction::Set)]
    pub search_index: bool,
    /// Milliseconds a server keeps what an account's row said of an access token: the most a
    /// deactivation, role change or client revocation made through another instance takes to
    /// end access here (through this instance it is at once). 0 reads the account on every
    /// request.
    #[arg(long, env = "MECIGEP_AUTH_RECHECK_MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(0..=1000))]
    pub auth_recheck_ms: u64,
    /// Let webhooks target loopback and private addresses (10/8, 192.168/16, fc00::/7…):
    /// for a receiver on the operator's own network. Off, such targets are refused, so that
    /// no subscriber can make the server call into its network.
    #[arg(long, env = "MECIGEP_WEBHOOK_ALLOW_PRIVATE", default_value_t = false)]
    pub webhook_allow_private: bool,
    /// Days events are kept for the feed (at least 90 by default; 1 to 3650).
    #[arg(long, env = "MECIGEP_EVENT_RETENTION_DAYS", default_value_t = 90,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub event_retention_days: u32,
    /// Run the background jobs in this instance: webhook deliveries, reminders, pruning. Each
    /// runs on one instance at a time (a database lease), so every instance may keep them on.
    #[arg(long, env = "MECIGEP_JOBS", default_value_t = true, action = clap::ArgAction::Set)]
    pub jobs: bool,
    /// The largest file an upload may carry, in bytes (default 25 MiB).
    #[arg(long, env = "MECIGEP_FILE_LIMIT", default_value_t = crate::files::DEFAULT_LIMIT,
          value_parser = clap::value_parser!(u64).range(1..=(1u64 << 34)))]
    pub file_limit: u64,
}

#[derive(Debug, Clone, Args)]
pub struct PathArg {
    /// The backup file.
    pub path: std::path::PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// Also load the demo content: a concluded and an open round with their questionnaire.
    #[arg(long)]
    pub demo: bool,
}

/// Validated settings for `serve`.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub bind: SocketAddr,
    pub workers: Option<usize>,
    pub app: AppSettings,
    /// The JWT key was generated for this process.
    pub random_jwt_secret: bool,
    pub admin_email: String,
    pub admin_password: Option<String>,
    /// Where `/metrics` is served without credentials, if anywhere.
    pub metrics_bind: Option<SocketAddr>,
    /// The background jobs this instance runs, if any.
    pub jobs: Option<crate::jobs::JobSettings>,
}

impl ServeArgs {
    /// The settings of `serve`; `files_url` is the global `MECIGEP_FILES_URL`.
    pub fn validate(&self, files_url: Option<&str>) -> Result<ServeSettings, String> {
        let metrics_bind = match self.metrics_bind.as_deref().filter(|b| !b.is_empty()) {
            None => None,
            Some(b) => Some(b.parse::<SocketAddr>().map_err(|_| {
                format!("MECIGEP_METRICS_BIND / --metrics-bind '{b}' is not an address and port such as 127.0.0.1:9464")
            })?),
        };
        let bind: SocketAddr = self.bind.parse().map_err(|_| {
            format!(
                "MECIGEP_BIND / --bind '{}' is not an address and port such as 127.0.0.1:8080 or 0.0.0.0:8080",
                self.bind
            )
        })?;
        let mut origins = Vec::new();
        for raw in &self.cors_origins {
            let origin = raw.trim().trim_end_matches('/');
            if origin.is_empty() {
                continue;
            }
            let ok = origin == "*"
                || ((origin.starts_with("http://") || origin.starts_with("https://"))
                    && !origin["https://".len().min(origin.len())..].contains('/'));
            if !ok {
                return Err(format!(
                    "MECIGEP_CORS_ORIGINS entry '{raw}' is not an origin such as https://guide.example.org (scheme and host, no path) or *"
                ));
            }
            origins.push(origin.to_owned());
        }
        if self.json_limit < 1024 {
            return Err("MECIGEP_JSON_LIMIT must be at least 1024 bytes".into());
        }
        if self.workers == Some(0) {
            return Err("MECIGEP_WORKERS must be at least 1".into());
        }
        let jwt_secret = match self.jwt_secret.as_deref() {
            Some(s) if s.len() >= 32 => s.as_bytes().to_vec(),
            Some(_) => {
                return Err(
                    "MECIGEP_JWT_SECRET must be at least 32 bytes; generate one with \
                            `openssl rand -base64 48`"
                        .into(),
                )
            }
            None => AuthSettings::random_secret(),
        };
        if let Some(problem) = self
            .admin_password
            .as_deref()
            .and_then(crate::auth::password::problems)
        {
            return Err(format!("MECIGEP_ADMIN_PASSWORD {problem}"));
        }
        let storage = crate::files::Storage::from_url(files_url)?;
        Ok(ServeSettings {
            bind,
            workers: self.workers,
            app: AppSettings {
                json_limit: self.json_limit,
                cors_origins: origins,
                auth: AuthSettings {
                    jwt_secret,
                    access_ttl_secs: self.access_token_ttl,
                    refresh_ttl_days: self.refresh_token_days,
                    recheck: std::time::Duration::from_millis(self.auth_recheck_ms),
                    ..AuthSettings::default()
                },
                guide_cache_entries: self.guide_cache_entries as usize,
                guide_cache_recheck: std::time::Duration::from_millis(self.guide_cache_recheck_ms),
                search_index: self.search_index,
                hsts: self.hsts,
                metrics_token: self.metrics_token.clone().filter(|t| !t.is_empty()),
                rate_limits: crate::http::rate_limit::RateLimits {
                    writes: self.rate_limit_writes,
                    logins: self.rate_limit_logins,
                    exports: self.rate_limit_exports,
                    search: self.rate_limit_search,
                },
                webhooks: crate::webhooks::WebhookPolicy {
                    allow_private: self.webhook_allow_private,
                },
                files: crate::files::FileSettings {
                    limit: self.file_limit,
                    storage: storage.clone(),
                },
            },
            jobs: self.jobs.then(|| crate::jobs::JobSettings {
                retention: chrono::Duration::days(i64::from(self.event_retention_days)),
                allow_private: self.webhook_allow_private,
                storage,
                ..crate::jobs::JobSettings::default()
            }),
            metrics_bind,
            random_jwt_secret: self.jwt_secret.is_none(),
            admin_email: self.admin_email.clone(),
            admin_password: self.admin_password.clone(),
        })
    }
}

impl GlobalArgs {
    pub fn target(&self) -> Result<Target, String> {
        Target::parse(&self.database_url)
    }

    pub fn pool_options(&self) -> PoolOptions {
        PoolOptions {
            max_size: self.db_pool_size,
            connection_timeout: std::time::Duration::from_millis(self.db_timeout_ms),
        }
    }
}

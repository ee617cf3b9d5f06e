//! Command line and environment: every flag is also an environment variable, and anything
//! misconfigured stops the start with a message that says what and how to fix it.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::app::AppSettings;
use crate::db::{PoolOptions, Target, DEFAULT_SQLITE_PATH};

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
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Database: postgres://USER@HOST/DB, sqlite://PATH or a file path.
    #[arg(long, env = "DATABASE_URL", global = true, default_value = DEFAULT_SQLITE_PATH)]
    pub database_url: String,
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
    /// Largest JSON request body, in bytes.
    #[arg(long, env = "MECIGEP_JSON_LIMIT", default_value_t = crate::http::DEFAULT_JSON_LIMIT)]
    pub json_limit: usize,
    /// Worker threads serving HTTP (default: one per core).
    #[arg(long, env = "MECIGEP_WORKERS")]
    pub workers: Option<usize>,
}

#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// Also load the demo content (a sample guide, rounds and reports) when available.
    #[arg(long)]
    pub demo: bool,
}

/// Validated settings for `serve`.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub bind: SocketAddr,
    pub workers: Option<usize>,
    pub app: AppSettings,
}

impl ServeArgs {
    pub fn validate(&self) -> Result<ServeSettings, String> {
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
        Ok(ServeSettings {
            bind,
            workers: self.workers,
            app: AppSettings {
                json_limit: self.json_limit,
                cors_origins: origins,
            },
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
            ..PoolOptions::default()
        }
    }
}

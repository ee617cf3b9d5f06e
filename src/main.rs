use std::process::ExitCode;

use actix_web::HttpServer;
use clap::Parser;

use mecigep::app;
use mecigep::config::{
    AuditCommand, Cli, Command, GlobalArgs, ServeArgs, UserAddArgs, UserCommand,
};
use mecigep::db;
use mecigep::state::AppState;

/// Opens the pool, trying again with growing pauses while the database does not answer, for
/// up to `--db-wait-secs`.
fn open(global: &GlobalArgs, serving: bool) -> Result<(db::Target, db::DbPool), String> {
    let target = global.target()?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(global.db_wait_secs);
    let mut pause = std::time::Duration::from_millis(250);
    for attempt in 1.. {
        let opened = if serving {
            db::connect(&target, &global.pool_options())
        } else {
            db::connect_for_command(&target, &global.pool_options())
        };
        match opened {
            Ok(pool) => return Ok((target, pool)),
            Err(e) if std::time::Instant::now() + pause < deadline => {
                tracing::warn!(attempt, error = %e, retry_in_ms = pause.as_millis() as u64,
                    "the database does not answer yet; trying again");
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_secs(5));
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns")
}

fn serve(global: &GlobalArgs, args: &ServeArgs) -> Result<(), String> {
    let settings = args.validate(global.files_url.as_deref())?;
    let (target, pool) = open(global, true)?;
    let pool_size = pool.max_size();
    mecigep::seed::prepare(&pool)?;
    if settings.random_jwt_secret {
        tracing::warn!(
            "MECIGEP_JWT_SECRET is not set: a random signing key is used; every token dies with \
             this process and several instances cannot share tokens. Set it in production."
        );
    }
    bootstrap(
        &pool,
        &settings.admin_email,
        settings.admin_password.as_deref(),
    )?;
    if args.demo {
        demo(&pool, &settings.app.files.storage)?;
    }
    let state = AppState::new(pool.clone(), settings.app.clone());
    // Migrations, reference data and the demo leave freed memory behind.
    mecigep::memory::release_free();
    let bind = settings.bind;
    let jobs = match settings.jobs.clone() {
        Some(j) => Some(mecigep::jobs::start(pool.clone(), j)?),
        None => None,
    };
    let served = actix_web::rt::System::new().block_on(async move {
        let mut server = HttpServer::new(move || app::build(state.clone()));
        let workers = settings.workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        // Every blocking task holds a pooled connection: threads beyond the pool's size would
        // only wait for one, each with its own stack and allocator cache.
        let blocking = (pool_size as usize).div_ceil(workers).max(1);
        server = server
            .workers(workers)
            .worker_max_blocking_threads(blocking);
        let server = server
            .bind(bind)
            .map_err(|e| format!("cannot listen on {bind}: {e} (set MECIGEP_BIND or --bind)"))?
            .shutdown_timeout(10)
            .run();
        actix_web::rt::spawn(mecigep::memory::release_periodically(
            std::time::Duration::from_secs(10),
        ));
        if let Some(metrics_bind) = settings.metrics_bind {
            // A listener of its own, for a network only the scraper reaches: no credentials.
            let metrics_pool = actix_web::web::Data::new(pool.clone());
            let metrics = HttpServer::new(move || {
                actix_web::App::new().app_data(metrics_pool.clone()).route(
                    "/metrics",
                    actix_web::web::get().to(mecigep::telemetry::open),
                )
            })
            .workers(1)
            .bind(metrics_bind)
            .map_err(|e| format!("cannot listen on {metrics_bind} for metrics: {e}"))?
            .run();
            actix_web::rt::spawn(metrics);
            println!("  metrics:  http://{metrics_bind}/metrics");
        }
        println!("MECIGEP API listening on http://{bind}");
        println!("  database: {target}");
        println!("  docs:     http://{bind}/docs/");
        println!("  spec:     http://{bind}/api/v1/openapi.json");
        server.await.map_err(|e| format!("server error: {e}"))
    });
    if let Some(jobs) = jobs {
        jobs.stop();
    }
    served
}

fn bootstrap(pool: &db::DbPool, email: &str, password: Option<&str>) -> Result<(), String> {
    let mut conn = pool
        .get()
        .map_err(|e| format!("no database connection: {e}"))?;
    let created = mecigep::users::bootstrap_admin(&mut conn, email, password).map_err(|e| {
        format!(
            "cannot create the first account ({email}): {}",
            e.to_problem().detail
        )
    })?;
    if let Some((email, generated)) = created {
        println!("created the first secretariat account: {email}");
        if let Some(pw) = generated {
            println!("  password (shown once, change it with POST /api/v1/me/password): {pw}");
        }
    }
    Ok(())
}

fn demo(pool: &db::DbPool, storage: &mecigep::files::Storage) -> Result<(), String> {
    let mut conn = pool
        .get()
        .map_err(|e| format!("no database connection: {e}"))?;
    let added = mecigep::demo::load(&mut conn, storage)
        .map_err(|e| format!("loading the demo content failed: {}", e.to_problem().detail))?;
    if added.is_empty() {
        println!("demo content: already loaded");
    }
    for a in added {
        println!("demo content: added {a}");
    }
    Ok(())
}

fn user_add(global: &GlobalArgs, args: &UserAddArgs) -> Result<(), String> {
    use std::io::{IsTerminal, Read};
    let (_, pool) = open(global, false)?;
    mecigep::seed::prepare(&pool)?;
    let stdin = std::io::stdin();
    let (password, generated) = if stdin.is_terminal() {
        let pw = mecigep::auth::password::generate();
        (pw.clone(), Some(pw))
    } else {
        let mut text = String::new();
        stdin
            .lock()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        (text.trim_end_matches(['\r', '\n']).to_owned(), None)
    };
    let body = mecigep::users::api::NewUser {
        email: args.email.clone(),
        display_name: args
            .display_name
            .clone()
            .unwrap_or_else(|| args.email.clone()),
        role: args.role.clone(),
        country: args.country.clone(),
        password,
    };
    let mut conn = pool
        .get()
        .map_err(|e| format!("no database connection: {e}"))?;
    let row = diesel::Connection::transaction(&mut **conn, |conn| {
        mecigep::users::service::create_account(conn, &Default::default(), &body)
    })
    .map_err(|e| {
        let p = e.to_problem();
        let details: Vec<String> = p
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        if details.is_empty() {
            p.detail
        } else {
            details.join("; ")
        }
    })?;
    println!("created user {} ({}, {})", row.id, row.email, row.role);
    if let Some(pw) = generated {
        println!("  password (shown once): {pw}");
    }
    Ok(())
}

fn run(cli: Cli) -> Result<(), String> {
    let global = cli.global;
    match cli.command {
        None => serve(&global, &cli.serve),
        Some(Command::Serve(args)) => serve(&global, &args),
        Some(Command::Migrate) => {
            let (target, pool) = open(&global, false)?;
            let applied = db::migrate::run(&pool)?;
            if applied.is_empty() {
                println!("{target}: schema is up to date");
            } else {
                println!("{target}: applied {}", applied.join(", "));
            }
            Ok(())
        }
        Some(Command::Openapi) => {
            let spec =
                serde_json::to_string_pretty(&app::openapi_json()).map_err(|e| e.to_string())?;
            println!("{spec}");
            Ok(())
        }
        Some(Command::User(UserCommand::Add(args))) => user_add(&global, &args),
        Some(Command::Audit(AuditCommand::Verify)) => audit_verify(&global),
        Some(Command::Backup(args)) => {
            let target = global.target()?;
            let storage = mecigep::files::Storage::from_url(global.files_url.as_deref())?;
            db::backup::backup(&target, &args.path)?;
            println!("{target}: backed up to {}", args.path.display());
            if storage.is_external() {
                let pool = db::connect_for_command(&target, &global.pool_options())?;
                let dir = mecigep::files::storage::beside(&args.path);
                let n = storage.copy_out(&pool, &dir)?;
                println!(
                    "{}: {n} files' content copied to {}",
                    storage.describe(),
                    dir.display()
                );
            }
            Ok(())
        }
        Some(Command::Restore(args)) => {
            let target = global.target()?;
            let storage = mecigep::files::Storage::from_url(global.files_url.as_deref())?;
            let dir = mecigep::files::storage::beside(&args.path);
            if storage.is_external() && !dir.is_dir() {
                return Err(format!(
                    "{} is missing: the backup of an object store's files is kept there",
                    dir.display()
                ));
            }
            db::backup::restore(&target, &args.path)?;
            println!("{target}: restored from {}", args.path.display());
            if storage.is_external() {
                let n = storage.copy_in(&dir)?;
                println!(
                    "{}: {n} files' content restored from {}",
                    storage.describe(),
                    dir.display()
                );
            }
            Ok(())
        }
        Some(Command::Seed(args)) => {
            let (target, pool) = open(&global, false)?;
            mecigep::seed::prepare(&pool)?;
            println!("{target}: reference data loaded (35 member states, 12 thematic areas)");
            if args.demo {
                let storage = mecigep::files::Storage::from_url(global.files_url.as_deref())?;
                demo(&pool, &storage)?;
            }
            Ok(())
        }
    }
}

/// `mecigep audit verify`: a broken chain is an error (exit 1) naming the first broken row.
fn audit_verify(global: &GlobalArgs) -> Result<(), String> {
    use mecigep::audit::chain::{verify, Verdict};
    let (target, pool) = open(global, false)?;
    let verdict = db::read_here(&pool, |c| Ok(verify(c)?)).map_err(|e| e.to_string())?;
    match verdict {
        Verdict::Intact {
            rows,
            head,
            unsealed,
        } => {
            println!("{target}: audit chain intact: {rows} rows, head {head}");
            if unsealed > 0 {
                println!("{unsealed} newer rows are not sealed yet (a running server seals them)");
            }
            Ok(())
        }
        Verdict::Broken { seq, id, reason } => {
            let row = id
                .map(|i| format!(" (audit entry {i})"))
                .unwrap_or_default();
            Err(format!(
                "{target}: audit chain broken at place {seq}{row}: {reason}"
            ))
        }
    }
}

fn main() -> ExitCode {
    mecigep::memory::configure();
    let cli = Cli::parse();
    let _tracing = mecigep::tracing_setup::init(cli.global.log_format);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

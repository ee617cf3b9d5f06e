use std::process::ExitCode;
use std::sync::Arc;

use actix_web::HttpServer;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use mecigep::app::{self, AppState};
use mecigep::config::{Cli, Command, GlobalArgs, LogFormat, ServeArgs};
use mecigep::db;

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Pretty => builder.init(),
    }
}

fn open(global: &GlobalArgs) -> Result<(db::Target, db::DbPool), String> {
    let target = global.target()?;
    let pool = db::connect(&target, &global.pool_options())?;
    Ok((target, pool))
}

fn serve(global: &GlobalArgs, args: &ServeArgs) -> Result<(), String> {
    let settings = args.validate()?;
    let (target, pool) = open(global)?;
    mecigep::seed::prepare(&pool)?;
    let state = AppState {
        pool,
        settings: Arc::new(settings.app.clone()),
    };
    let bind = settings.bind;
    actix_web::rt::System::new().block_on(async move {
        let mut server = HttpServer::new(move || app::build(state.clone()));
        if let Some(n) = settings.workers {
            server = server.workers(n);
        }
        let server = server
            .bind(bind)
            .map_err(|e| format!("cannot listen on {bind}: {e} (set MECIGEP_BIND or --bind)"))?
            .shutdown_timeout(10)
            .run();
        println!("MECIGEP API listening on http://{bind}");
        println!("  database: {target}");
        println!("  docs:     http://{bind}/docs/");
        println!("  spec:     http://{bind}/api/v1/openapi.json");
        server.await.map_err(|e| format!("server error: {e}"))
    })
}

fn run(cli: Cli) -> Result<(), String> {
    let global = cli.global;
    match cli.command {
        None => serve(&global, &cli.serve),
        Some(Command::Serve(args)) => serve(&global, &args),
        Some(Command::Migrate) => {
            let (target, pool) = open(&global)?;
            let applied = db::migrate::run(&pool)?;
            if applied.is_empty() {
                println!("{target}: schema is up to date");
            } else {
                println!("{target}: applied {}", applied.join(", "));
            }
            Ok(())
        }
        Some(Command::Openapi) => {
            let spec = serde_json::to_string_pretty(&app::openapi()).map_err(|e| e.to_string())?;
            println!("{spec}");
            Ok(())
        }
        Some(Command::Seed(args)) => {
            let (target, pool) = open(&global)?;
            mecigep::seed::prepare(&pool)?;
            println!("{target}: reference data loaded (35 member states, 12 thematic areas)");
            if args.demo {
                println!("demo content: none is defined in this version yet");
            }
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.global.log_format);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

//! Logs, and traces over OpenTelemetry (OTLP over HTTP, protobuf) when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: a span per
//! request (`request`, with its request id, method, path and status) and one per database call
//! (`db`, read or write), batched and sent by a thread of the SDK. Without the variable no
//! exporter exists and the database spans are below the log filter, so they cost nothing.
//! The standard `OTEL_*` variables (service name, headers, timeout, batch sizes) apply.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::LogFormat;

/// Flushes the spans still batched when dropped (at the end of `main`).
pub struct Tracing(Option<SdkTracerProvider>);

impl Drop for Tracing {
    fn drop(&mut self) {
        if let Some(provider) = self.0.take() {
            if let Err(e) = provider.shutdown() {
                eprintln!("traces: the last spans could not be sent: {e}");
            }
        }
    }
}

fn otlp_configured() -> bool {
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|v| std::env::var(v).is_ok_and(|s| !s.trim().is_empty()))
}

fn provider() -> Result<SdkTracerProvider, String> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
        .map_err(|e| format!("the OTLP exporter cannot start: {e}"))?;
    let service = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "mecigep".into());
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(service)
                .build(),
        )
        .build())
}

/// Installs the log output (`RUST_LOG`, default `info`) and, when configured, the trace
/// exporter.
pub fn init(format: LogFormat) -> Tracing {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = match format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer().boxed(),
    }
    .with_filter(filter);
    let (traces, provider) = if otlp_configured() {
        match provider() {
            Ok(provider) => {
                let layer = tracing_opentelemetry::layer()
                    .with_tracer(provider.tracer("mecigep"))
                    .with_filter(
                        Targets::new()
                            .with_target("mecigep", LevelFilter::DEBUG)
                            .with_default(LevelFilter::OFF),
                    );
                (Some(layer), Some(provider))
            }
            Err(e) => {
                eprintln!("traces: {e}; serving without them");
                (None, None)
            }
        }
    } else {
        (None, None)
    };
    tracing_subscriber::registry()
        .with(logs)
        .with(traces)
        .init();
    Tracing(provider)
}

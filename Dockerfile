# Multi-stage build of the MECIGEP API. SQLite is compiled in; PostgreSQL needs libpq.
# Dependencies are built in a layer of their own (cargo-chef): a change to our sources rebuilds
# only our crate, the dependency layer comes from the cache while Cargo.toml and Cargo.lock
# stay the same.
FROM rust:1.95-bookworm AS chef
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev \
    && rm -rf /var/lib/apt/lists/* \
    && cargo install cargo-chef --version 0.1.77 --locked
WORKDIR /src

# The recipe: the manifests and lock file, nothing that changes with the sources.
FROM chef AS planner
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS build
# Build flags of the bundled SQLite (see the file): the dependency layer needs them too.
COPY .cargo ./.cargo
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --recipe-path recipe.json
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
RUN cargo build --release --locked --bin mecigep

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/mecigep --create-home mecigep
COPY --from=build /src/target/release/mecigep /usr/local/bin/mecigep
USER mecigep
WORKDIR /var/lib/mecigep
# Files kept by the service (the SQLite database when no DATABASE_URL names PostgreSQL,
# backups) live here: mount a volume.
VOLUME ["/var/lib/mecigep"]
ENV MECIGEP_BIND=0.0.0.0:8080 \
    LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/health/ready || exit 1
ENTRYPOINT ["mecigep"]
CMD ["serve"]

# syntax=docker/dockerfile:1
# Samverkan: build with Rust on Debian 12, run on debian:bookworm-slim as a non-root user.
#   docker build -t samverkan .
#   docker run --rm -e DATABASE_URL=... -e SAMVERKAN_OIDC_ISSUER=https://idp.example -e SAMVERKAN_JWT_AUDIENCE=... -p 8080:8080 samverkan
# docker-compose.yml runs it with a PostgreSQL 15 beside it.

# ---- build -------------------------------------------------------------------------------------
FROM rust:1-bookworm AS builder
# diesel links libpq.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Everything the crate needs at compile time (src/, migrations/ embedded by diesel_migrations,
# Cargo.toml/lock, ...); .dockerignore keeps target/, .local/ and .git/ out.
COPY . .
# Cache mounts (BuildKit) keep the registry and the target folder between builds; the binary is
# copied out in the same step because the cached target/ is not part of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin samverkan \
    && install -m 0755 target/release/samverkan /usr/local/bin/samverkan

# ---- run ---------------------------------------------------------------------------------------
FROM debian:bookworm-slim
# libpq5: the PostgreSQL client library; ca-certificates: TLS to the database and to webhook
# receivers (the public roots; SAMVERKAN_WEBHOOK_CA_FILE adds the region's); tzdata: time
# zones; curl: only for HEALTHCHECK (the slim image has no HTTP client).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates tzdata curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 samverkan \
    && useradd --system --uid 10001 --gid samverkan --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin samverkan
COPY --from=builder /usr/local/bin/samverkan /usr/local/bin/samverkan
USER 10001:10001
ENV SAMVERKAN_BIND=0.0.0.0:8080 \
    SAMVERKAN_LOG_FORMAT=json \
    RUST_LOG=info
EXPOSE 8080
# Liveness of the process (readiness, which needs the database, is /health/ready). Assumes the
# port of SAMVERKAN_BIND above; change both together.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8080/health/live || exit 1
ENTRYPOINT ["samverkan"]
CMD ["serve"]

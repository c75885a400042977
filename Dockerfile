# enrich's release build in an image: `docker build -t enrich .` (about 30 min on 2 cores), or
# `docker compose --profile app up -d` for the app with MongoDB 8 as a replica set.
# The build stage runs tools/build-release.sh, the script `make run` uses: the same setup, the
# same pinned cargo-leptos, wasm-bindgen and wasm-opt.
FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless maven nodejs npm python3 curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN rm -rf target data .tools && tools/build-release.sh

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app enrich \
 && mkdir -p /data && chown enrich /data
WORKDIR /app
COPY --from=build /src/target/server-release/enrich /app/enrich
COPY --from=build /src/target/site /app/site
COPY --from=build /src/Leptos.toml /app/Leptos.toml
# The key ring for restricted fields lives on the volume: back /data up.
ENV LEPTOS_SITE_ROOT=/app/site \
    LEPTOS_SITE_ADDR=0.0.0.0:3000 \
    ENRICH_LEPTOS_CONFIG=/app/Leptos.toml \
    ENRICH_FIELD_KEYS_FILE=/data/field-keys.txt \
    ENRICH_METRICS_ADDR=0.0.0.0:9100 \
    RUST_LOG=info
VOLUME /data
USER enrich
# 9100: /metrics for Prometheus; publish it only on a private network.
EXPOSE 3000 9100
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=6 \
  CMD curl -fsS http://127.0.0.1:3000/healthz >/dev/null || exit 1
ENTRYPOINT ["/app/enrich"]

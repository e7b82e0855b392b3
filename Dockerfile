# Multi-stage build: compile in the Rust image, run from a small Debian image as a non-root user.
FROM rust:1-bookworm AS build
WORKDIR /src
# Dependencies first: the manifest and a stub of every target it declares (.ci/stub-targets, which .ci/run also
# checks without docker), built in their own layer, so an edit of the code or the knowledge rebuilds only signpost.
COPY Cargo.toml Cargo.lock build.rs ./
COPY .ci/stub-targets ./.ci/stub-targets
RUN .ci/stub-targets . && cargo build --release --locked --bin signpost && rm -rf src benches examples tests
COPY src ./src
COPY knowledge ./knowledge
COPY benches ./benches
COPY examples ./examples
# COPY keeps the files' own times, which may be older than the stub's build: touch them so cargo rebuilds signpost.
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin signpost

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin signpost \
    && mkdir -p /app /data && chown signpost /data
WORKDIR /app
COPY --from=build /src/target/release/signpost /usr/local/bin/signpost
# The knowledge is built into the binary; this copy lets maintainers mount an edited one and reload it.
COPY knowledge ./knowledge
ENV SIGNPOST_DATA_DIR=/data \
    RUST_LOG=info
VOLUME ["/data"]
USER signpost
ENTRYPOINT ["signpost"]
CMD ["serve"]

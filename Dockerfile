# Multi-stage build: compile in the Rust image, run from a small Debian image as a non-root user.
FROM rust:1-bookworm AS build
WORKDIR /src
# Dependencies first, so a knowledge or code edit does not rebuild them.
COPY Cargo.toml Cargo.lock build.rs ./
RUN mkdir -p src knowledge benches examples && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && echo 'fn main() {}' > benches/core.rs && cargo fetch --locked
COPY src ./src
COPY knowledge ./knowledge
COPY benches ./benches
COPY examples ./examples
RUN cargo build --release --locked --bin signpost

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

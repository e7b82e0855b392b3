//! Prometheus metrics (`/metrics`, every name starting with `signpost_`) and readiness (`/healthz`), served on
//! `SIGNPOST_METRICS_ADDR`.
//!
//! The counters are plain `prometheus` handles that the front doors bump as they work; gauges that describe the
//! store (active sessions, errors) are read from it when Prometheus scrapes, so a scrape shows the store as it is
//! then, shared by every process when it is Redis. Shards are numbers here: `discord` reports their state.

use std::{
    future::Future,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{extract::State, http::StatusCode, response::IntoResponse, routing::get, Router};
use prometheus::{
    core::Collector, Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::session::SessionStore;

/// How long `/healthz` and `/metrics` wait for the store before calling it down.
const STORE_WAIT: Duration = Duration::from_secs(2);

/// Every metric of one process.
pub struct Metrics {
    registry: Registry,
    answers: IntCounterVec,
    abstentions: IntCounterVec,
    votes: IntCounterVec,
    interactions: IntCounterVec,
    latency: HistogramVec,
    sessions_active: IntGauge,
    store_errors: IntCounter,
    /// What `store_errors` had last time it was brought up to date with the store's own count.
    store_errors_seen: Mutex<u64>,
    store_up: IntGauge,
    shards: IntGaugeVec,
    knowledge: IntGaugeVec,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels).expect("a valid metric definition");
            registry.register(Box::new(c.clone())).expect("each metric registered once");
            c
        };
        let gauge = |name: &str, help: &str, labels: &[&str]| {
            let g = IntGaugeVec::new(Opts::new(name, help), labels).expect("a valid metric definition");
            registry.register(Box::new(g.clone())).expect("each metric registered once");
            g
        };
        let answers = counter(
            "signpost_answers_total",
            "Answers given, by kind (faq, compare, framework, decide, none) and front door.",
            &["kind", "door"],
        );
        let abstentions = counter(
            "signpost_abstentions_total",
            "Questions the bot did not answer with knowledge: an honest \"don't know\", or silence in a help channel \
             for lack of confidence.",
            &["door"],
        );
        let votes = counter("signpost_votes_total", "Helpful / Not helpful votes on answers.", &["vote"]);
        let interactions = counter(
            "signpost_interactions_total",
            "Discord interactions handled, by kind (command, component, autocomplete, modal).",
            &["kind"],
        );
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "signpost_interaction_seconds",
                "Time from receiving an interaction to having handled it (replies sent), by kind.",
            )
            .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
            &["kind"],
        )
        .expect("a valid metric definition");
        registry.register(Box::new(latency.clone())).expect("each metric registered once");
        let shards = gauge(
            "signpost_shard_connected",
            "1 when this process's gateway shard is connected, 0 otherwise.",
            &["shard"],
        );
        let knowledge = gauge(
            "signpost_knowledge_info",
            "The knowledge and matcher this process answers from (version: model kind and training fingerprint).",
            &["version"],
        );
        let plain_gauge = |name: &str, help: &str| {
            let g = IntGauge::new(name, help).expect("a valid metric definition");
            registry.register(Box::new(g.clone())).expect("each metric registered once");
            g
        };
        let sessions_active = plain_gauge("signpost_sessions_active", "Decision sessions not idle past the timeout.");
        let store_up = plain_gauge("signpost_store_up", "1 when the store answered the last check, 0 otherwise.");
        let store_errors = IntCounter::new("signpost_store_errors_total", "Store operations that failed.")
            .expect("a valid metric definition");
        registry.register(Box::new(store_errors.clone())).expect("each metric registered once");
        // Votes exist as a series from the start, at 0, so dashboards and alerts see them before the first one.
        for vote in ["helpful", "not_helpful"] {
            votes.with_label_values(&[vote]);
        }
        Self {
            registry,
            answers,
            abstentions,
            votes,
            interactions,
            latency,
            sessions_active,
            store_errors,
            store_errors_seen: Mutex::new(0),
            store_up,
            shards,
            knowledge,
        }
    }

    /// An answer of `kind` given through `door` (`none` counts as an abstention too).
    pub fn answered(&self, door: &str, kind: &str) {
        self.answers.with_label_values(&[kind, door]).inc();
        if kind == "none" {
            self.abstained(door);
        }
    }

    /// A question left unanswered on purpose (not sure enough in a help channel).
    pub fn abstained(&self, door: &str) {
        self.abstentions.with_label_values(&[door]).inc();
    }

    /// A vote on an answer.
    pub fn voted(&self, helpful: bool) {
        self.votes.with_label_values(&[if helpful { "helpful" } else { "not_helpful" }]).inc();
    }

    /// An interaction of `kind`, handled in `took`.
    pub fn interaction(&self, kind: &str, took: Duration) {
        self.interactions.with_label_values(&[kind]).inc();
        self.latency.with_label_values(&[kind]).observe(took.as_secs_f64());
    }

    pub fn shard(&self, shard: u32, connected: bool) {
        self.shards.with_label_values(&[&shard.to_string()]).set(i64::from(connected));
    }

    /// Whether every shard this process runs is connected (and it runs at least one).
    pub fn shards_connected(&self) -> bool {
        let families = self.shards.collect();
        let mut any = false;
        for m in families.iter().flat_map(|f| f.get_metric()) {
            any = true;
            if m.get_gauge().get_value() < 1.0 {
                return false;
            }
        }
        any
    }

    /// The knowledge now answered from (a reload replaces the previous version's series).
    pub fn knowledge(&self, version: &str) {
        self.knowledge.reset();
        self.knowledge.with_label_values(&[version]).set(1);
    }

    /// Brings the store's figures up to date (active sessions, errors, whether it answers); returns whether it
    /// answered.
    pub async fn check_store(&self, store: &SessionStore) -> bool {
        let active = tokio::time::timeout(STORE_WAIT, store.blocking(|s| s.active())).await;
        let up = match active {
            Ok(Ok(n)) => {
                self.sessions_active.set(i64::try_from(n).unwrap_or(i64::MAX));
                true
            }
            // A store too slow to answer is down for readiness; the error counter counts it.
            Ok(Err(_)) | Err(_) => false,
        };
        self.store_up.set(i64::from(up));
        let errors = store.errors();
        let mut seen = self.store_errors_seen.lock().unwrap_or_else(|e| e.into_inner());
        self.store_errors.inc_by(errors.saturating_sub(*seen));
        *seen = errors.max(*seen);
        up
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding into a Vec cannot fail for lack of room; a failure would be a malformed metric, a bug.
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(error = %e, "encoding metrics failed");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

#[derive(Clone)]
struct Served {
    metrics: Arc<Metrics>,
    store: SessionStore,
}

/// Serves `/metrics` and `/healthz` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    metrics: Arc<Metrics>,
    store: SessionStore,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/metrics", get(scrape))
        .route("/healthz", get(health))
        .with_state(Served { metrics, store });
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// Binds `addr` (an error names it: a port already taken should stop the start, not be found later).
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot serve metrics on {addr}: {e}")))
}

async fn scrape(State(s): State<Served>) -> impl IntoResponse {
    s.metrics.check_store(&s.store).await;
    ([(axum::http::header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], s.metrics.render())
}

async fn health(State(s): State<Served>) -> impl IntoResponse {
    let store = s.metrics.check_store(&s.store).await;
    let shards = s.metrics.shards_connected();
    let status = if store && shards { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let say = |ok: bool| if ok { "ok" } else { "down" };
    (status, format!("shards: {}\nstore: {}\n", say(shards), say(store)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(m: &Metrics, key: &str) -> Option<f64> {
        m.render().lines().find_map(|l| l.strip_prefix(key).and_then(|v| v.trim().parse().ok()))
    }

    #[test]
    fn a_none_answer_is_also_an_abstention() {
        let m = Metrics::new();
        m.answered("ask", "faq");
        m.answered("message", "none");
        m.abstained("message");
        assert_eq!(sample(&m, r#"signpost_answers_total{door="ask",kind="faq"} "#), Some(1.0));
        assert_eq!(sample(&m, r#"signpost_answers_total{door="message",kind="none"} "#), Some(1.0));
        assert_eq!(sample(&m, r#"signpost_abstentions_total{door="message"} "#), Some(2.0));
        assert_eq!(sample(&m, r#"signpost_votes_total{vote="not_helpful"} "#), Some(0.0), "votes exist from the start");
    }

    #[test]
    fn shards_are_connected_only_when_every_one_is() {
        let m = Metrics::new();
        assert!(!m.shards_connected(), "no shard yet: not ready");
        m.shard(0, true);
        m.shard(1, false);
        assert!(!m.shards_connected());
        m.shard(1, true);
        assert!(m.shards_connected());
    }

    #[test]
    fn a_reload_replaces_the_knowledge_version() {
        let m = Metrics::new();
        m.knowledge("a");
        m.knowledge("b");
        let text = m.render();
        assert!(
            text.contains(r#"signpost_knowledge_info{version="b"} 1"#) && !text.contains(r#"version="a""#),
            "{text}"
        );
    }
}

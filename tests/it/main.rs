//! The single integration-test binary: one module per feature (see STYLE: mdBook's testsuite).

mod cli;
mod contract;
mod deploy;
mod dialog;
mod discord;
mod eval;
mod fake_discord;
mod knowledge;
mod learn;
mod learn_redis;
mod learned;
mod matcher;
mod prefill;
mod redis_server;
mod route;
mod several;
mod smoke;
mod sources;
mod store;
mod topics;

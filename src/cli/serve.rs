//! `signpost serve`: run the Discord bot until SIGTERM or Ctrl-C.

use std::{path::PathBuf, sync::Arc};

use tracing::info;

use super::{Cli, Exit, EXIT_KNOWLEDGE};
use crate::{
    config::Config,
    discord::{self, Bot},
    learn::Policy,
    store::Backend,
    Engine,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Settings file (default: ./signpost.toml when present). The environment overrides it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub fn run(cli: &Cli, args: &Args) -> Result<(), Exit> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,serenity=warn,poise=warn")),
        )
        .with_writer(std::io::stderr)
        .init();

    let mut config = Config::load(args.config.as_deref()).map_err(Exit::usage)?;
    if config.token.is_none() {
        return Err(Exit::usage(
            "DISCORD_TOKEN is not set. Set it to your bot's token to run the bot, or try `signpost chat` to use Signpost in this terminal without Discord.",
        ));
    }
    if let Some(dir) = &cli.knowledge {
        config.knowledge = Some(dir.clone());
    }
    let engine =
        Engine::load(config.knowledge.as_deref()).map_err(|e| Exit { code: EXIT_KNOWLEDGE, message: e.to_string() })?;
    // Redis must answer now: a bot that starts without its store would fail every decision.
    let backend = Backend::open(config.redis_url.as_deref()).map_err(|e| Exit { code: 1, message: e.to_string() })?;
    let store =
        backend.sessions(&config.data_dir, config.session_ttl).map_err(|e| Exit { code: 1, message: e.to_string() })?;
    info!(
        store = %backend.describe(&config.data_dir),
        session_ttl = ?config.session_ttl,
        knowledge = %config.knowledge.as_ref().map_or("built-in".to_string(), |d| d.display().to_string()),
        help_channels = config.help_channels.len(),
        log_questions = config.log_questions,
        log_retention = ?config.log_retention,
        // Which key, never the key itself.
        log_key = if config.log_key.is_some() { "SIGNPOST_LOG_KEY" } else { "rotated every retention period" },
        "starting"
    );
    let policy = Policy { keep_texts: config.log_questions, retention: config.log_retention };
    let learning = backend
        .learning(&config.data_dir, policy, store.clock().clone(), config.log_key.clone())
        .map_err(|e| Exit { code: 1, message: e.to_string() })?;
    let bot = Bot::new(&config, engine, store)
        .with_learning(learning)
        .map_err(|e| Exit { code: 1, message: e.to_string() })?;
    let bot = Arc::new(bot);
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| Exit { code: 1, message: format!("starting tokio: {e}") })?;
    runtime
        .block_on(discord::run(config, bot, shutdown_signal()))
        .map_err(|e| Exit { code: 1, message: format!("{e:#}") })?;
    info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

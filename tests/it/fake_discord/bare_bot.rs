//! A bare poise bot connected to the fake: the reference point for the smoke test and for benchmarks
//! comparing the real bot with plain serenity/poise through the same fake.
//!
//! Commands: `/ping` (replies "pong", no mentions allowed), `/embed` (replies with an embed),
//! `/post` (posts an embed to the channel with `POST /channels/{id}/messages`, then acknowledges
//! ephemerally). The commands are registered globally in poise's setup, on READY.

use std::sync::Arc;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::FakeDiscord;

/// The bare bot's user data (none).
pub struct Data;
pub type Error = Box<dyn std::error::Error + Send + Sync>;
type Context<'a> = poise::Context<'a, Data, Error>;

/// The intents the bare bot identifies with.
pub fn intents() -> serenity::GatewayIntents {
    serenity::GatewayIntents::non_privileged() | serenity::GatewayIntents::MESSAGE_CONTENT
}

/// Replies pong
#[poise::command(slash_command)]
pub async fn ping(ctx: Context<'_>) -> Result<(), Error> {
    ctx.send(CreateReply::default().content("pong").allowed_mentions(serenity::CreateAllowedMentions::new())).await?;
    Ok(())
}

/// Replies with an embed
#[poise::command(slash_command)]
pub async fn embed(ctx: Context<'_>, #[description = "Title of the embed"] title: Option<String>) -> Result<(), Error> {
    ctx.send(
        CreateReply::default().embed(sample_embed(title)).allowed_mentions(serenity::CreateAllowedMentions::new()),
    )
    .await?;
    Ok(())
}

/// Posts an embed to the channel
#[poise::command(slash_command)]
pub async fn post(ctx: Context<'_>) -> Result<(), Error> {
    let message = serenity::CreateMessage::new()
        .embed(sample_embed(None))
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    ctx.channel_id().send_message(ctx, message).await?;
    ctx.send(CreateReply::default().content("posted").ephemeral(true)).await?;
    Ok(())
}

fn sample_embed(title: Option<String>) -> serenity::CreateEmbed {
    serenity::CreateEmbed::new()
        .title(title.unwrap_or_else(|| "Flask or Django?".to_string()))
        .description("Two Python web frameworks, side by side.")
        .field("Flask", "A small core you extend.", true)
        .field("Django", "Batteries included.", true)
        .colour(0x3776AB)
        .footer(serenity::CreateEmbedFooter::new("bare bot"))
}

/// The bare bot's commands.
pub fn commands() -> Vec<poise::Command<Data, Error>> {
    vec![ping(), embed(), post()]
}

/// A running bare bot. Dropping it aborts the client task.
pub struct BareBot {
    pub shard_manager: Arc<serenity::ShardManager>,
    task: tokio::task::JoinHandle<Result<(), serenity::Error>>,
}

impl BareBot {
    /// Shuts the shards down (bounded to 5 s) and ends the client task.
    pub async fn shutdown(&self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.shard_manager.shutdown_all()).await;
        self.task.abort();
    }
}

impl Drop for BareBot {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the bare poise bot against `fake` (through [`FakeDiscord::http`]); returns once the client is
/// built and started, before READY (use [`FakeDiscord::wait_ready`]).
pub async fn spawn(fake: &FakeDiscord) -> BareBot {
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions { commands: commands(), ..Default::default() })
        .setup(|ctx, _ready, framework| {
            Box::pin(async move {
                poise::builtins::register_globally(ctx, &framework.options().commands).await?;
                Ok(Data)
            })
        })
        .build();
    let client = serenity::ClientBuilder::new_with_http(fake.http(), intents()).framework(framework);
    let mut client = tokio::time::timeout(Duration::from_secs(10), client)
        .await
        .expect("building the serenity client timed out")
        .expect("building the serenity client failed");
    let shard_manager = client.shard_manager.clone();
    let task = tokio::spawn(async move { client.start().await });
    BareBot { shard_manager, task }
}

//! What the bot knows about guild channels: which are threads, under which parent, and which are forums, so a
//! thread under a help channel and a post in a help forum are recognised. Learned from THREAD_CREATE and the
//! cache, and asked of Discord once for a channel met otherwise; bounded.
//!
//! Also the questions the bot answered (question message -> answer message), so editing a question edits the
//! answer, and the help threads where a human other than the asker has written (the bot steps back there). Kept in
//! memory, bounded: an edit long after the answer, or after a restart, is left alone, and after a restart a thread
//! counts as helped again from the next message of someone other than its asker.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
};

use poise::serenity_prelude as serenity;
use serenity::{ChannelType, Context, GuildChannel};

use crate::route::{Addressed, Place};

/// How many channels, and how many answered questions, are remembered.
const KEEP: usize = 10_000;

#[derive(Debug, Clone)]
pub struct Info {
    pub kind: ChannelType,
    pub parent: Option<u64>,
    pub name: String,
    /// Who opened it, for a thread (a forum post's asker).
    pub owner: Option<u64>,
}

impl Info {
    pub fn is_thread(&self) -> bool {
        matches!(self.kind, ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread)
    }

    pub fn is_forum(&self) -> bool {
        // 16 is a media channel: posts like a forum's.
        matches!(self.kind, ChannelType::Forum) || u8::from(self.kind) == 16
    }
}

#[derive(Default)]
pub struct Places {
    channels: Mutex<Bounded<Info>>,
    answers: Mutex<Bounded<Answered>>,
    /// Threads of help channels where someone other than the asker (and the bot) has written.
    helped: Mutex<Bounded<()>>,
}

/// A message the bot answered: where its answer is, and what the question said and how it came, so an edit of the
/// question is routed as the question was.
#[derive(Debug, Clone)]
pub struct Answered {
    /// The channel and id of the bot's answer.
    pub channel: u64,
    pub answer: u64,
    /// The question's text as answered (mentions removed).
    pub text: String,
    pub addressed: Addressed,
    pub place: Place,
}

struct Bounded<T> {
    map: HashMap<u64, T>,
    order: VecDeque<u64>,
}

impl<T> Default for Bounded<T> {
    fn default() -> Self {
        Self { map: HashMap::new(), order: VecDeque::new() }
    }
}

impl<T: Clone> Bounded<T> {
    fn insert(&mut self, key: u64, value: T) {
        if self.map.insert(key, value).is_none() {
            self.order.push_back(key);
            if self.order.len() > KEEP {
                if let Some(old) = self.order.pop_front() {
                    self.map.remove(&old);
                }
            }
        }
    }

    fn get(&self, key: u64) -> Option<T> {
        self.map.get(&key).cloned()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Places {
    /// Remembers a channel or thread (from THREAD_CREATE, CHANNEL_CREATE or a fetch).
    pub fn note(&self, c: &GuildChannel) {
        let info = Info {
            kind: c.kind,
            parent: c.parent_id.map(|p| p.get()),
            name: c.name.clone(),
            owner: c.owner_id.map(|o| o.get()),
        };
        lock(&self.channels).insert(c.id.get(), info);
    }

    /// What kind of channel `id` is: remembered, in the cache, or asked of Discord (then remembered).
    pub async fn info(&self, ctx: &Context, guild: Option<serenity::GuildId>, id: u64) -> Option<Info> {
        if let Some(info) = lock(&self.channels).get(id) {
            return Some(info);
        }
        let channel_id = serenity::ChannelId::new(id);
        let cached = guild.and_then(|g| {
            let guild = ctx.cache.guild(g)?;
            guild.channels.get(&channel_id).or_else(|| guild.threads.iter().find(|t| t.id == channel_id)).cloned()
        });
        let channel = match cached {
            Some(c) => c,
            None => match ctx.http.get_channel(channel_id).await {
                Ok(serenity::Channel::Guild(c)) => c,
                Ok(_) => return None,
                Err(e) => {
                    tracing::debug!(channel = id, error = %e, "cannot look the channel up");
                    return None;
                }
            },
        };
        self.note(&channel);
        lock(&self.channels).get(id)
    }

    /// Remembers that message `question` was answered, and how.
    pub fn answered(&self, question: u64, answered: Answered) {
        lock(&self.answers).insert(question, answered);
    }

    /// Notes that a human other than the asker wrote in `thread`: the bot steps back there. True the first time.
    pub fn human_helps(&self, thread: u64) -> bool {
        let mut helped = lock(&self.helped);
        if helped.get(thread).is_some() {
            return false;
        }
        helped.insert(thread, ());
        true
    }

    /// Whether a human other than the asker has written in `thread` (since the bot started).
    pub fn is_helped(&self, thread: u64) -> bool {
        lock(&self.helped).get(thread).is_some()
    }

    /// How message `question` was answered, if the bot answered it.
    pub fn answer_to(&self, question: u64) -> Option<Answered> {
        lock(&self.answers).get(question)
    }
}

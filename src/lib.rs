//! Signpost helps developers choose a Python web framework, from Discord or a terminal.
//!
//! # Layout
//!
//! The core knows nothing of Discord or terminals; front doors parse input, call [`Engine`], and render a
//! [`reply`] value.
//!
//! Core:
//! - [`knowledge`]: the knowledge base (frameworks, aspects, FAQ, dialog, lexicon in TOML; the example corpus and
//!   the dialog's corpus in TSV), loaded and validated as a whole, every problem named by file, line and column.
//!   The default copy, and the matcher's model trained on it, are compiled into the binary.
//! - [`matcher`]: maps a chat message to an answer (FAQ, comparison, framework profile, decision, or an honest
//!   "don't know") with a classifier learned from the knowledge's example corpus: `normalize` (cleaning, bounded
//!   typo repair, synonyms, stemming), `features` (TF-IDF word and character n-grams), `model` (calibrated
//!   softmax regression and its file), `train` (deterministic training, writer-grouped calibration), `reader` (the
//!   dialog's reader: one calibrated head per step, learned from `knowledge/dialog-examples/`).
//! - [`compare`]: one aspect side by side, or an overview of every aspect's verdict.
//! - [`dialog`]: the guided decision as a pure state machine over `knowledge/dialog.toml`: `state` (the answers,
//!   chosen, typed or assumed, compact and versioned), `words` (a typed reply read by rule), `verdict` (scores,
//!   runner-up and ties, the answers that decided it, the smallest change that would flip it) and `record` (the
//!   decision as a Markdown decision record); free text is read by the matcher's dialog reader, and everything
//!   recorded is recapped and changeable, before and after the verdict.
//! - [`slots`]: which frameworks a message names (the three, and the others of `others.toml`), each asked about or
//!   ruled out.
//! - [`smalltalk`]: greetings, thanks, "help", "who are you" and chatter, told apart from questions by rule.
//! - [`followup`]: a message that only continues the previous answer ("and security?", "what about fastapi?",
//!   "why?"), and the memory a conversation keeps.
//! - [`route`]: where a message goes (silent, an answer, a dialog turn, a new decision, a notice), decided from its
//!   facts (text, how it was addressed, the place, the decision there, the conversation's memory, the edit it
//!   replaces, the cooldown) for the console and every Discord door alike.
//! - [`conversation`]: the turns a plan is made of (a dialog step, a side question, a start), and the console's
//!   carrying out of plans.
//! - [`session`]: decision sessions per user and channel, with idle expiry, behind the `Store` trait (the
//!   embedded redb store lives there too).
//! - [`store`]: which store the bot runs on, embedded (redb, one process) or Redis (shared by several
//!   processes): the shared Redis connection handle and the Redis implementations of the store traits (sessions;
//!   votes, the question log and server settings).
//! - [`learn`]: learning from use, behind its own `Learn` trait (redb here, beside the sessions; Redis in
//!   [`store`]): votes on answers, the question log (pseudonymous, texts only where they teach something, rolled
//!   up into daily counts after a retention), server settings, and the maintainer's report computed from them
//!   (text, JSON, HTML).
//! - [`engine`]: the one facade the front doors call; it owns the knowledge and answers `ask` (fitted to the
//!   frameworks asked, asking back when unsure), follow-ups, `compare` and dialog steps.
//!
//! Front doors (and what they share):
//! - [`config`]: settings of the Discord bot, `signpost.toml` then the environment.
//! - [`metrics`]: Prometheus metrics and readiness (`/metrics`, `/healthz`) for `signpost serve`.
//! - [`cli`]: the `signpost` command line (`ask`, `compare`, `chat`, `check`, `export`, `report`, `serve`).
//! - [`discord`]: the Discord bot (serenity through poise): commands, conversational answers, decision threads,
//!   votes, `/settings`, private answers. The only module that imports serenity or poise.

pub mod cli;
pub mod compare;
pub mod config;
pub mod conversation;
pub mod dialog;
pub mod discord;
pub mod engine;
pub mod error;
pub mod eval;
pub mod followup;
pub mod knowledge;
pub mod learn;
pub mod matcher;
pub mod metrics;
pub mod reply;
pub mod route;
pub mod session;
pub mod slots;
pub mod smalltalk;
pub mod store;

pub use engine::Engine;

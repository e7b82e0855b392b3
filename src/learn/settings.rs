//! One server's settings, as `/settings` changes them. Every field is optional: what a server never set follows the
//! bot's configuration (signpost.toml and the environment).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GuildSettings {
    /// Help channels and forums of this server; `None`: the configured ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_channels: Option<Vec<u64>>,
    /// How sure the bot must be to speak in a help channel (0..1); `None`: the configured value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_confidence: Option<f64>,
    /// The role `Still need help?` pings; `None`: no such button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helper_role: Option<u64>,
    /// How the bot behaves in each help channel or forum (by id); a help channel not listed is `auto`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub modes: BTreeMap<u64, HelpMode>,
    /// The name of the forum tag `Solved` applies; `None`: a tag called "solved", "resolved", "answered" or "done".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solved_tag: Option<String>,
    /// Whether help forums' posts are kept to link similar earlier posts; `None`: yes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similar_posts: Option<bool>,
}

/// How the bot behaves in one help channel or forum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HelpMode {
    /// Answer every question it is sure about (and a new forum post), unprompted.
    #[default]
    Auto,
    /// Answer only when mentioned (or replied to), as in any other channel.
    Mention,
    /// Say nothing there, mentioned or not (slash commands and decisions still work).
    Off,
}

impl HelpMode {
    pub fn as_str(self) -> &'static str {
        match self {
            HelpMode::Auto => "auto",
            HelpMode::Mention => "mention",
            HelpMode::Off => "off",
        }
    }
}

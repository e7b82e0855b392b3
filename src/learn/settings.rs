//! One server's settings, as `/settings` changes them. Every field is optional: what a server never set follows the
//! bot's configuration (signpost.toml and the environment).

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
}

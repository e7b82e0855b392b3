//! Settings of `signpost serve`: `signpost.toml` (every key optional, unknown keys rejected), then the
//! environment, which wins. The secrets (the token, the question log's key) only ever come from the environment and
//! are never printed.

use std::{fmt, path::PathBuf, time::Duration};

use serde::Deserialize;

use crate::learn::LogKey;

/// The bot token. `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// `signpost.toml`, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct FileConfig {
    discord_proxy: Option<String>,
    data_dir: Option<PathBuf>,
    session_ttl: Option<String>,
    guild_id: Option<u64>,
    help_channels: Option<Vec<u64>>,
    knowledge: Option<PathBuf>,
    help_channel_min_confidence: Option<f32>,
    message_content: Option<bool>,
    decide_cooldown: Option<String>,
    redis_url: Option<String>,
    shards: Option<String>,
    metrics_addr: Option<String>,
    log_questions: Option<bool>,
    log_retention: Option<String>,
    /// Never read: present only to refuse a secret written into the file, with a message that says where it goes.
    log_key: Option<toml::Value>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub token: Option<Token>,
    /// Base URL of an HTTP proxy for Discord's REST API (which then owns rate limiting).
    pub discord_proxy: Option<String>,
    pub data_dir: PathBuf,
    pub session_ttl: Duration,
    /// Register commands in this guild only (instant, for development); otherwise globally.
    pub guild_id: Option<u64>,
    /// Channels in which every message gets an answer (when the answer is confident).
    pub help_channels: Vec<u64>,
    /// A knowledge directory to load (and reload) instead of the built-in copy.
    pub knowledge: Option<PathBuf>,
    /// In help channels, answer only at or above this confidence.
    pub help_channel_min_confidence: f32,
    /// Ask Discord for the privileged Message Content intent (help channels and typed dialog answers need it).
    pub message_content: bool,
    /// How soon a user may start another decision (`/decide`, "Start a new decision"); zero: no limit.
    pub decide_cooldown: Duration,
    /// Keep sessions, votes, the question log and server settings in this Redis (shared by every process) instead
    /// of the embedded store. May hold a password: log it only through [`redact_url`].
    pub redis_url: Option<String>,
    /// The gateway shards this process runs; `None`: as many as Discord recommends, all here.
    pub shards: Option<Shards>,
    /// Where to serve `/metrics` and `/healthz`.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Keep question texts in the question log where they teach something; false: counts only.
    pub log_questions: bool,
    /// How long question records, texts and votes are kept (records are then rolled up into daily counts).
    pub log_retention: Duration,
    /// The secret key of the question log's asker hash (`SIGNPOST_LOG_KEY`); `None`: a key per retention period,
    /// kept in the store. `Debug` never shows it.
    pub log_key: Option<LogKey>,
}

/// `FIRST-LAST/TOTAL`: shards FIRST to LAST (inclusive) of TOTAL run in this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shards {
    pub first: u32,
    pub last: u32,
    pub total: u32,
}

impl Shards {
    /// The shard ids, as a half-open range (what serenity takes).
    pub fn range(&self) -> std::ops::Range<u32> {
        self.first..self.last + 1
    }
}

impl std::str::FromStr for Shards {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a shard range FIRST-LAST/TOTAL such as 0-3/8 (shards 0 to 3 of 8)");
        let (range, total) = s.trim().split_once('/').ok_or_else(bad)?;
        let (first, last) = match range.split_once('-') {
            Some((a, b)) => (a, b),
            // One shard: `2/8`.
            None => (range, range),
        };
        let number = |t: &str| t.trim().parse::<u32>().map_err(|_| bad());
        let (first, last, total) = (number(first)?, number(last)?, number(total)?);
        if total == 0 {
            return Err(format!("`{s}`: TOTAL must be at least 1"));
        }
        if first > last {
            return Err(format!("`{s}`: FIRST ({first}) is after LAST ({last})"));
        }
        if last >= total {
            return Err(format!("`{s}`: shard ids run from 0 to TOTAL-1 ({}), LAST is {last}", total - 1));
        }
        Ok(Shards { first, last, total })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{name}: {message}")]
    Env { name: &'static str, message: String },
}

impl Default for Config {
    fn default() -> Self {
        Self {
            token: None,
            discord_proxy: None,
            data_dir: PathBuf::from("./signpost-data"),
            session_ttl: Duration::from_secs(15 * 60),
            guild_id: None,
            help_channels: Vec::new(),
            knowledge: None,
            help_channel_min_confidence: 0.5,
            message_content: true,
            decide_cooldown: Duration::from_secs(10),
            redis_url: None,
            shards: None,
            metrics_addr: None,
            log_questions: true,
            log_retention: Duration::from_secs(30 * 24 * 60 * 60),
            log_key: None,
        }
    }
}

impl Config {
    /// Reads `file` when given (it must exist) or `./signpost.toml` when present, then the environment.
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, ConfigError> {
        let (path, required) = match file {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("signpost.toml"), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => Some(t),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(ConfigError::Read { path: path.display().to_string(), source }),
        };
        Self::from_parts(text.as_deref(), &path.display().to_string(), |k| std::env::var(k).ok())
    }

    /// Builds the configuration from a file's text and an environment lookup (tests pass their own).
    pub fn from_parts(
        file: Option<&str>,
        path: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let parsed: FileConfig = match file {
            Some(text) => toml::from_str(text).map_err(|e| {
                let at = e.span().map(|s| position(text, s.start)).unwrap_or_default();
                ConfigError::Parse { path: format!("{path}{at}"), message: e.message().trim().to_string() }
            })?,
            None => FileConfig::default(),
        };
        let mut c = Config::default();
        let ttl_text = |name: &'static str, s: &str| {
            humantime::parse_duration(s.trim()).map_err(|e| ConfigError::Env {
                name,
                message: format!("`{s}` is not a duration such as 90s, 15m or 2h ({e})"),
            })
        };
        if let Some(v) = parsed.discord_proxy {
            c.discord_proxy = Some(v);
        }
        if let Some(v) = parsed.data_dir {
            c.data_dir = v;
        }
        if let Some(v) = parsed.session_ttl {
            c.session_ttl = ttl_text("session_ttl", &v)?;
        }
        c.guild_id = parsed.guild_id;
        c.help_channels = parsed.help_channels.unwrap_or_default();
        c.knowledge = parsed.knowledge;
        if let Some(v) = parsed.help_channel_min_confidence {
            c.help_channel_min_confidence = v;
        }
        if let Some(v) = parsed.message_content {
            c.message_content = v;
        }
        if let Some(v) = parsed.decide_cooldown {
            c.decide_cooldown = ttl_text("decide_cooldown", &v)?;
        }
        c.redis_url = parsed.redis_url;
        if let Some(v) = parsed.shards {
            c.shards = Some(v.parse().map_err(|message| ConfigError::Env { name: "shards", message })?);
        }
        if let Some(v) = parsed.metrics_addr {
            c.metrics_addr = Some(address("metrics_addr", &v)?);
        }

        if let Some(v) = parsed.log_questions {
            c.log_questions = v;
        }
        if let Some(v) = parsed.log_retention {
            c.log_retention = ttl_text("log_retention", &v)?;
        }
        if parsed.log_key.is_some() {
            return Err(ConfigError::Parse {
                path: path.to_string(),
                message: "log_key is a secret and is not read from this file: set SIGNPOST_LOG_KEY in the \
                          environment instead (and take it out of the file)"
                    .into(),
            });
        }

        let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        c.token = var("DISCORD_TOKEN").map(|t| Token(t.trim().to_string()));
        if let Some(v) = var("SIGNPOST_DISCORD_PROXY") {
            c.discord_proxy = Some(v.trim().trim_end_matches('/').to_string());
        }
        if let Some(v) = var("SIGNPOST_DATA_DIR") {
            c.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("SIGNPOST_SESSION_TTL") {
            c.session_ttl = ttl_text("SIGNPOST_SESSION_TTL", &v)?;
        }
        if let Some(v) = var("SIGNPOST_GUILD_ID") {
            c.guild_id = Some(snowflake("SIGNPOST_GUILD_ID", &v)?);
        }
        if let Some(v) = var("SIGNPOST_HELP_CHANNELS") {
            c.help_channels = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| snowflake("SIGNPOST_HELP_CHANNELS", s))
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = var("SIGNPOST_KNOWLEDGE") {
            c.knowledge = Some(PathBuf::from(v));
        }
        if let Some(v) = var("SIGNPOST_DECIDE_COOLDOWN") {
            c.decide_cooldown = ttl_text("SIGNPOST_DECIDE_COOLDOWN", &v)?;
        }
        if let Some(v) = var("SIGNPOST_REDIS_URL") {
            c.redis_url = Some(v.trim().to_string());
        }
        if let Some(v) = var("SIGNPOST_SHARDS") {
            c.shards = Some(v.parse().map_err(|message| ConfigError::Env { name: "SIGNPOST_SHARDS", message })?);
        }
        if let Some(v) = var("SIGNPOST_METRICS_ADDR") {
            c.metrics_addr = Some(address("SIGNPOST_METRICS_ADDR", &v)?);
        }
        if let Some(v) = var("SIGNPOST_MESSAGE_CONTENT") {
            c.message_content = boolean("SIGNPOST_MESSAGE_CONTENT", &v)?;
        }
        if let Some(v) = var("SIGNPOST_LOG_QUESTIONS") {
            c.log_questions = boolean("SIGNPOST_LOG_QUESTIONS", &v)?;
        }
        if let Some(v) = var("SIGNPOST_LOG_RETENTION") {
            c.log_retention = ttl_text("SIGNPOST_LOG_RETENTION", &v)?;
        }
        if let Some(v) = var("SIGNPOST_LOG_KEY") {
            c.log_key =
                Some(LogKey::parse(&v).map_err(|message| ConfigError::Env { name: "SIGNPOST_LOG_KEY", message })?);
        }
        if c.log_retention.is_zero() {
            return Err(ConfigError::Env { name: "log_retention", message: "must be longer than zero".into() });
        }
        if c.session_ttl.is_zero() {
            return Err(ConfigError::Env { name: "session_ttl", message: "must be longer than zero".into() });
        }
        Ok(c)
    }
}

fn boolean(name: &'static str, v: &str) -> Result<bool, ConfigError> {
    match v.trim().to_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Env { name, message: format!("`{v}` is not true or false") }),
    }
}

fn snowflake(name: &'static str, s: &str) -> Result<u64, ConfigError> {
    s.trim().parse().map_err(|_| ConfigError::Env { name, message: format!("`{s}` is not a Discord id (a number)") })
}

/// `url` without the credentials it may carry (`http://user:secret@host` -> `http://***@host`), for logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_string(),
    }
}

fn address(name: &'static str, s: &str) -> Result<std::net::SocketAddr, ConfigError> {
    s.trim().parse().map_err(|_| ConfigError::Env {
        name,
        message: format!("`{s}` is not an address and port such as 127.0.0.1:9100 or 0.0.0.0:9100"),
    })
}

fn position(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!(":{line}:{col}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn defaults_without_file_or_environment() {
        let c = Config::from_parts(None, "signpost.toml", env(&[])).unwrap();
        assert!(c.token.is_none());
        assert_eq!(c.session_ttl, Duration::from_secs(900));
        assert_eq!(c.data_dir, PathBuf::from("./signpost-data"));
    }

    #[test]
    fn environment_wins_over_the_file() {
        let file = "session_ttl = \"2h\"\nguild_id = 1\nhelp_channels = [5]\n";
        let vars = [("SIGNPOST_SESSION_TTL", "90s"), ("SIGNPOST_HELP_CHANNELS", "7, 8"), ("DISCORD_TOKEN", "abc.def")];
        let c = Config::from_parts(Some(file), "signpost.toml", env(&vars)).unwrap();
        assert_eq!(c.session_ttl, Duration::from_secs(90));
        assert_eq!(c.guild_id, Some(1));
        assert_eq!(c.help_channels, vec![7, 8]);
        assert_eq!(c.token.as_ref().unwrap().expose(), "abc.def");
        assert!(!format!("{c:?}").contains("abc.def"), "the token never shows in Debug output");
    }

    #[test]
    fn bad_values_are_named() {
        let e = Config::from_parts(Some("sesion_ttl = \"1m\""), "signpost.toml", env(&[])).unwrap_err();
        assert!(e.to_string().starts_with("signpost.toml:1:1: unknown field `sesion_ttl`"), "{e}");
        let e = Config::from_parts(None, "x", env(&[("SIGNPOST_SESSION_TTL", "soon")])).unwrap_err();
        assert!(e.to_string().contains("SIGNPOST_SESSION_TTL: `soon` is not a duration"), "{e}");
        let e = Config::from_parts(None, "x", env(&[("SIGNPOST_GUILD_ID", "general")])).unwrap_err();
        assert!(e.to_string().contains("is not a Discord id"), "{e}");
        let e = Config::from_parts(None, "x", env(&[("SIGNPOST_MESSAGE_CONTENT", "maybe")])).unwrap_err();
        assert!(e.to_string().contains("SIGNPOST_MESSAGE_CONTENT: `maybe` is not true or false"), "{e}");
    }

    #[test]
    fn proxy_credentials_never_reach_the_logs() {
        assert_eq!(redact_url("http://user:s3cret@proxy:8080/api"), "http://***@proxy:8080/api");
        assert_eq!(redact_url("https://token@proxy"), "https://***@proxy");
        assert_eq!(redact_url("http://127.0.0.1:3000"), "http://127.0.0.1:3000");
        assert_eq!(redact_url("http://proxy/path@not-credentials"), "http://proxy/path@not-credentials");
    }

    #[test]
    fn shard_ranges_are_checked() {
        let c = Config::from_parts(None, "x", env(&[("SIGNPOST_SHARDS", "2-3/4")])).unwrap();
        assert_eq!(c.shards, Some(Shards { first: 2, last: 3, total: 4 }));
        assert_eq!(c.shards.unwrap().range(), 2..4);
        assert_eq!("1/2".parse::<Shards>(), Ok(Shards { first: 1, last: 1, total: 2 }));
        assert!(Config::from_parts(None, "x", env(&[])).unwrap().shards.is_none(), "default: as Discord recommends");
        for (bad, says) in [
            ("0-4/4", "shard ids run from 0 to TOTAL-1 (3), LAST is 4"),
            ("3-1/4", "FIRST (3) is after LAST (1)"),
            ("0-0/0", "TOTAL must be at least 1"),
            ("two", "is not a shard range FIRST-LAST/TOTAL"),
            ("0-x/2", "is not a shard range FIRST-LAST/TOTAL"),
        ] {
            let e = Config::from_parts(None, "x", env(&[("SIGNPOST_SHARDS", bad)])).unwrap_err().to_string();
            assert!(e.starts_with("SIGNPOST_SHARDS: ") && e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn redis_and_metrics_settings() {
        let vars =
            [("SIGNPOST_REDIS_URL", "redis://:pw@127.0.0.1:6379/0"), ("SIGNPOST_METRICS_ADDR", "127.0.0.1:9100")];
        let c = Config::from_parts(Some("redis_url = \"redis://other\""), "x", env(&vars)).unwrap();
        assert_eq!(c.redis_url.as_deref(), Some("redis://:pw@127.0.0.1:6379/0"));
        assert_eq!(c.metrics_addr, Some("127.0.0.1:9100".parse().unwrap()));
        let e = Config::from_parts(None, "x", env(&[("SIGNPOST_METRICS_ADDR", "9100")])).unwrap_err();
        assert!(e.to_string().contains("SIGNPOST_METRICS_ADDR: `9100` is not an address and port"), "{e}");
    }

    #[test]
    fn the_question_log_settings() {
        let c = Config::from_parts(None, "x", env(&[])).unwrap();
        assert!(c.log_questions);
        assert_eq!(c.log_retention, Duration::from_secs(30 * 86_400));
        let file = "log_questions = true\nlog_retention = \"7d\"\n";
        let c = Config::from_parts(Some(file), "x", env(&[("SIGNPOST_LOG_QUESTIONS", "false")])).unwrap();
        assert!(!c.log_questions);
        assert_eq!(c.log_retention, Duration::from_secs(7 * 86_400));
        let e = Config::from_parts(None, "x", env(&[("SIGNPOST_LOG_RETENTION", "forever")])).unwrap_err();
        assert!(e.to_string().contains("SIGNPOST_LOG_RETENTION: `forever` is not a duration"), "{e}");
    }

    #[test]
    fn the_log_key_comes_from_the_environment_only_and_never_shows() {
        assert!(Config::from_parts(None, "x", env(&[])).unwrap().log_key.is_none(), "default: rotated keys");
        let secret = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5";
        let c = Config::from_parts(None, "x", env(&[("SIGNPOST_LOG_KEY", secret)])).unwrap();
        assert_eq!(c.log_key, Some(LogKey::parse(secret).unwrap()));
        assert!(!format!("{c:?}").contains(secret), "the key never shows in Debug output");
        let short = "hunter2hunter2";
        let e = Config::from_parts(None, "x", env(&[("SIGNPOST_LOG_KEY", short)])).unwrap_err().to_string();
        assert!(e.starts_with("SIGNPOST_LOG_KEY: is 14 bytes long; a key must be at least 32"), "{e}");
        assert!(!e.contains(short), "the error never repeats the key: {e}");
        let file = format!("log_key = \"{secret}\"\n");
        let e = Config::from_parts(Some(&file), "signpost.toml", env(&[])).unwrap_err().to_string();
        assert!(e.starts_with("signpost.toml: log_key is a secret and is not read from this file"), "{e}");
        assert!(e.contains("SIGNPOST_LOG_KEY") && !e.contains(secret), "{e}");
    }

    #[test]
    fn the_message_content_intent_can_be_turned_off() {
        assert!(Config::from_parts(None, "x", env(&[])).unwrap().message_content);
        let c = Config::from_parts(Some("message_content = true"), "x", env(&[("SIGNPOST_MESSAGE_CONTENT", "false")]));
        assert!(!c.unwrap().message_content);
    }
}

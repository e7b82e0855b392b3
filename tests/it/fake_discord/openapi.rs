//! Checks request bodies against Discord's OpenAPI description (`tests/discord-openapi/openapi.json`).
//!
//! The spec is parsed once per test binary; one validator is compiled lazily per (path template, method)
//! (per union member for `anyOf` bodies), with the `#/components/...` schemas it reaches placed beside it.
//! Unions pick their member by the body's `type` field when the members declare one (the interaction
//! callback), else the body passes if any member accepts it and fails with every member's errors.
//! On top of the schema, [`discord_rules`] adds limits Discord enforces for bots that the schema cannot say.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{json, Map, Value};

/// The environment variable that names openapi.json explicitly.
pub const SPEC_ENV: &str = "SIGNPOST_DISCORD_OPENAPI";

struct Spec {
    doc: Value,
    templates: Vec<Template>,
}

struct Template {
    raw: String,
    segments: Vec<Option<String>>,
    literals: usize,
}

enum BodyCheck {
    /// The route takes no JSON body.
    NoBody,
    Single(jsonschema::Validator),
    Union(Vec<Member>),
}

struct Member {
    name: String,
    type_enum: Option<Vec<Value>>,
    validator: jsonschema::Validator,
}

static SPEC: OnceLock<Result<Spec, String>> = OnceLock::new();
type Cache = Mutex<HashMap<(String, String), Arc<Result<BodyCheck, String>>>>;
static CHECKS: OnceLock<Cache> = OnceLock::new();

/// Where openapi.json is: `$SIGNPOST_DISCORD_OPENAPI`, else the copy vendored in the repository
/// (`tests/discord-openapi/`, MIT, with its license).
pub fn spec_path() -> Result<PathBuf, String> {
    if let Ok(p) = std::env::var(SPEC_ENV) {
        let p = PathBuf::from(p);
        return if p.is_file() { Ok(p) } else { Err(format!("{SPEC_ENV}={} is not a file", p.display())) };
    }
    let vendored = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/discord-openapi/openapi.json");
    if vendored.is_file() {
        Ok(vendored)
    } else {
        Err(format!("Discord's openapi.json not found at {} (set {SPEC_ENV} to use another)", vendored.display()))
    }
}

fn spec() -> Result<&'static Spec, String> {
    SPEC.get_or_init(|| {
        let path = spec_path()?;
        let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| format!("parsing {}: {e}", path.display()))?;
        let paths = doc.get("paths").and_then(Value::as_object).ok_or("openapi.json has no paths")?;
        let templates = paths
            .keys()
            .map(|raw| {
                let segments: Vec<Option<String>> = raw
                    .trim_start_matches('/')
                    .split('/')
                    .map(|s| if s.starts_with('{') { None } else { Some(s.to_string()) })
                    .collect();
                let literals = segments.iter().filter(|s| s.is_some()).count();
                Template { raw: raw.clone(), segments, literals }
            })
            .collect();
        Ok(Spec { doc, templates })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Loads the spec now (so its cost is not charged to the first request), returning where it came from.
pub fn preload() -> Result<PathBuf, String> {
    spec()?;
    spec_path()
}

/// The spec's path template for a request path (without `/api/v10`), preferring the most literal match.
pub fn template_for(path: &str) -> Option<String> {
    let spec = spec().ok()?;
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    spec.templates
        .iter()
        .filter(|t| {
            t.segments.len() == segs.len()
                && t.segments.iter().zip(&segs).all(|(t, s)| match t {
                    Some(lit) => lit == s,
                    None => !s.is_empty(),
                })
        })
        .max_by_key(|t| t.literals)
        .map(|t| t.raw.clone())
}

/// Discord's documentation types `default_member_permissions` as a string of digits ("32"), which is what
/// serenity sends and Discord accepts; the OpenAPI description says integer. Validate the number it stands for.
fn permissions_as_integers(body: &Value) -> Value {
    match body {
        Value::Array(items) => Value::Array(items.iter().map(permissions_as_integers).collect()),
        Value::Object(o) => {
            let mut o = o.clone();
            if let Some(n) =
                o.get("default_member_permissions").and_then(Value::as_str).and_then(|s| s.parse::<u64>().ok())
            {
                o.insert("default_member_permissions".into(), json!(n));
            }
            Value::Object(o)
        }
        other => other.clone(),
    }
}

/// Checks one request: the route exists in the spec, and its JSON body (if any) fits the schema and
/// Discord's bot limits. Returns the list of problems (empty when fine).
pub fn check_request(method: &str, path: &str, body: Option<&Value>) -> Vec<String> {
    let normalized = body.map(permissions_as_integers);
    let body = normalized.as_ref();
    let spec = match spec() {
        Ok(s) => s,
        Err(e) => return vec![e],
    };
    let Some(template) = template_for(path) else {
        return vec![format!("{method} {path}: no such route in Discord's API")];
    };
    let lower = method.to_ascii_lowercase();
    let op = &spec.doc["paths"][&template][&lower];
    if op.is_null() {
        return vec![format!("{method} {template}: the route has no {method} in Discord's API")];
    }
    let check = compiled(spec, &template, &lower);
    let mut errors = match (&*check, body) {
        (Err(e), _) => vec![format!("compiling the schema for {method} {template}: {e}")],
        (Ok(BodyCheck::NoBody), _) => Vec::new(),
        (Ok(_), None) => {
            if op["requestBody"]["required"] == json!(true) {
                vec!["the request body is required".to_string()]
            } else {
                Vec::new()
            }
        }
        (Ok(c), Some(body)) => validate(c, body),
    };
    if let Some(body) = body {
        errors.extend(discord_rules(&template, &lower, body));
    }
    errors
}

fn validate(check: &BodyCheck, body: &Value) -> Vec<String> {
    match check {
        BodyCheck::NoBody => Vec::new(),
        BodyCheck::Single(v) => errors_of(v, body),
        BodyCheck::Union(members) => {
            let ty = body.get("type");
            if let Some(ty) = ty {
                if let Some(m) = members.iter().find(|m| m.type_enum.as_ref().is_some_and(|e| e.contains(ty))) {
                    return errors_of(&m.validator, body).into_iter().map(|e| format!("[{}] {e}", m.name)).collect();
                }
            }
            let mut all = Vec::new();
            for m in members {
                let errs = errors_of(&m.validator, body);
                if errs.is_empty() {
                    return Vec::new();
                }
                all.extend(errs.into_iter().map(|e| format!("[{}] {e}", m.name)));
            }
            all
        }
    }
}

fn errors_of(v: &jsonschema::Validator, body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for e in v.iter_errors(body) {
        flatten(&e, &mut out);
    }
    out
}

/// Unfolds `anyOf`/`oneOf` errors ("not valid under any of the schemas") into the errors of the branch
/// that was meant: branches that fail only because the value has another type, or another `type`
/// discriminator, are skipped.
fn flatten(e: &jsonschema::ValidationError<'_>, out: &mut Vec<String>) {
    use jsonschema::error::ValidationErrorKind as K;
    if let K::AnyOf { context } | K::OneOfNotValid { context } = e.kind() {
        let at = e.instance_path().to_string();
        let discriminator = format!("{at}/type");
        let meant: Vec<&Vec<jsonschema::ValidationError<'static>>> = context
            .iter()
            .filter(|branch| {
                !branch.iter().any(|b| {
                    let p = b.instance_path().to_string();
                    (p == at && matches!(b.kind(), K::Type { .. })) || p == discriminator
                })
            })
            .collect();
        let consts: Option<Vec<String>> = meant
            .iter()
            .map(|branch| match branch.as_slice() {
                [b] if b.instance_path().to_string() == at => match b.kind() {
                    K::Constant { expected_value } => Some(expected_value.to_string()),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        if let Some(consts) = consts.filter(|c| c.len() > 1) {
            let at = if at.is_empty() { "/".to_string() } else { at };
            out.push(format!(
                "at {at}: {} is none of {} (schema {})",
                e.instance(),
                consts.join(", "),
                e.schema_path()
            ));
            return;
        }
        if !meant.is_empty() {
            for branch in meant {
                for b in branch {
                    flatten(b, out);
                }
            }
            return;
        }
    }
    out.push(describe(e));
}

fn describe(e: &jsonschema::ValidationError<'_>) -> String {
    let at = e.instance_path().to_string();
    let at = if at.is_empty() { "/".to_string() } else { at };
    // jsonschema's message starts with the offending value: shorten a long one.
    let mut msg = e.to_string();
    let inst = e.instance().to_string();
    if inst.len() > 80 {
        if let Some(rest) = msg.strip_prefix(inst.as_str()) {
            msg = format!("{}...{rest}", inst.chars().take(60).collect::<String>());
        }
    }
    super::model::truncate(&format!("at {at}: {msg} (schema {})", e.schema_path()), 600)
}

fn compiled(spec: &Spec, template: &str, method: &str) -> Arc<Result<BodyCheck, String>> {
    let key = (template.to_string(), method.to_string());
    let cache = CHECKS.get_or_init(Default::default);
    if let Some(c) = cache.lock().unwrap().get(&key) {
        return c.clone();
    }
    // Compiled outside the lock: a duplicate compile in a race is harmless.
    let built = Arc::new(compile(spec, template, method));
    cache.lock().unwrap().entry(key).or_insert(built).clone()
}

fn compile(spec: &Spec, template: &str, method: &str) -> Result<BodyCheck, String> {
    let schema = &spec.doc["paths"][template][method]["requestBody"]["content"]["application/json"]["schema"];
    if schema.is_null() {
        return Ok(BodyCheck::NoBody);
    }
    let members = schema.get("anyOf").or_else(|| schema.get("oneOf")).and_then(Value::as_array);
    if let Some(members) = members {
        if members.iter().all(|m| m.get("$ref").is_some()) {
            let compiled = members
                .iter()
                .map(|m| {
                    let r = m["$ref"].as_str().unwrap_or_default();
                    let name = r.rsplit('/').next().unwrap_or(r).to_string();
                    let target = resolve(&spec.doc, r).cloned().unwrap_or(Value::Null);
                    let type_enum = target["properties"]["type"]["enum"].as_array().cloned();
                    Ok(Member { name, type_enum, validator: build(spec, m)? })
                })
                .collect::<Result<Vec<_>, String>>()?;
            return Ok(BodyCheck::Union(compiled));
        }
    }
    Ok(BodyCheck::Single(build(spec, schema)?))
}

/// Compiles `schema` (draft 2020-12) with the part of `components` it reaches placed beside it.
fn build(spec: &Spec, schema: &Value) -> Result<jsonschema::Validator, String> {
    let mut root = match schema {
        Value::Object(o) => o.clone(),
        _ => return Err("schema is not an object".into()),
    };
    root.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
    root.insert("components".into(), reachable_components(&spec.doc, schema));
    jsonschema::draft202012::options().build(&Value::Object(root)).map_err(|e| e.to_string())
}

fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

/// The `#/components/<kind>/<name>` entries reachable from `start`, as a `components` object.
fn reachable_components(doc: &Value, start: &Value) -> Value {
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::new();
    collect_refs(start, &mut queue);
    while let Some(r) = queue.pop_front() {
        if !seen.insert(r.clone()) {
            continue;
        }
        if let Some(target) = resolve(doc, &r) {
            collect_refs(target, &mut queue);
        }
    }
    let mut components = Map::new();
    for r in seen {
        let parts: Vec<&str> = r.trim_start_matches("#/components/").splitn(2, '/').collect();
        if parts.len() != 2 {
            continue;
        }
        if let Some(target) = resolve(doc, &r) {
            let kind = components.entry(parts[0].to_string()).or_insert_with(|| json!({}));
            kind[parts[1]] = target.clone();
        }
    }
    Value::Object(components)
}

fn collect_refs(v: &Value, out: &mut VecDeque<String>) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("$ref") {
                if r.starts_with("#/components/") {
                    out.push_back(r.clone());
                }
            }
            o.values().for_each(|x| collect_refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

/// Limits Discord enforces on bots that openapi.json does not express:
/// - message `content` is at most 2,000 characters for a bot (the spec allows 4,000 on
///   `POST /channels/{id}/messages`, the limit of Nitro users);
/// - all embeds of one message together hold at most 6,000 characters.
pub fn discord_rules(template: &str, method: &str, body: &Value) -> Vec<String> {
    let (message, at) = if template.ends_with("/callback") {
        match body.get("type").and_then(Value::as_u64) {
            Some(4 | 7) => (body.get("data"), "/data"),
            _ => (None, ""),
        }
    } else if template.contains("/messages") || template.starts_with("/webhooks/") {
        (Some(body), "")
    } else if template.ends_with("/threads") && method == "post" {
        (body.get("message"), "/message")
    } else {
        (None, "")
    };
    let Some(message) = message else { return Vec::new() };
    let mut errors = Vec::new();
    if let Some(content) = message.get("content").and_then(Value::as_str) {
        let n = content.chars().count();
        if n > 2000 {
            errors.push(format!("at {at}/content: {n} characters; a bot may send at most 2000"));
        }
    }
    if let Some(embeds) = message.get("embeds").and_then(Value::as_array) {
        let total: usize = embeds.iter().map(embed_chars).sum();
        if total > 6000 {
            errors.push(format!("at {at}/embeds: {total} characters in all embeds; Discord allows at most 6000"));
        }
    }
    errors
}

fn embed_chars(e: &Value) -> usize {
    let len = |v: &Value| v.as_str().map(|s| s.chars().count()).unwrap_or(0);
    let mut n = len(&e["title"]) + len(&e["description"]) + len(&e["footer"]["text"]) + len(&e["author"]["name"]);
    if let Some(fields) = e["fields"].as_array() {
        n += fields.iter().map(|f| len(&f["name"]) + len(&f["value"])).sum::<usize>();
    }
    n
}

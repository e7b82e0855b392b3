//! `deploy/compose.yml` and `deploy/prometheus.yml` are documentation that cannot run here (no images can be
//! pulled): parsed with a YAML parser and checked for what makes the deployment work.

use yaml_rust2::{Yaml, YamlLoader};

use signpost::config::Shards;

fn load(name: &str) -> Yaml {
    let path = format!("{}/deploy/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(docs.len(), 1, "{path}: one document");
    docs.remove(0)
}

fn env<'a>(service: &'a Yaml, key: &str) -> &'a str {
    service["environment"][key].as_str().unwrap_or_else(|| panic!("no {key} in {service:?}"))
}

#[test]
fn the_compose_file_runs_two_processes_over_one_redis_and_one_proxy() {
    let compose = load("compose.yml");
    let services = compose["services"].as_hash().expect("services");
    let name = |k: &Yaml| k.as_str().unwrap().to_string();
    for needed in ["redis", "discord-proxy", "prometheus"] {
        assert!(services.keys().any(|k| name(k) == needed), "no {needed} service");
    }
    let bots: Vec<(String, &Yaml)> = services
        .iter()
        .filter(|(_, s)| !s["environment"]["SIGNPOST_SHARDS"].is_badvalue())
        .map(|(k, s)| (name(k), s))
        .collect();
    assert_eq!(bots.len(), 2, "two Signpost processes");

    let mut ranges: Vec<Shards> = Vec::new();
    for (bot, s) in &bots {
        assert_eq!(s["image"].as_str(), Some("signpost:latest"), "{bot}");
        assert_eq!(env(s, "SIGNPOST_REDIS_URL"), "redis://redis:6379/0", "{bot}: the one Redis service");
        assert_eq!(env(s, "SIGNPOST_DISCORD_PROXY"), "http://discord-proxy:80", "{bot}: the one proxy (port 80)");
        assert!(env(s, "DISCORD_TOKEN").starts_with("${DISCORD_TOKEN"), "{bot}: the token comes from the environment");
        assert_eq!(env(s, "SIGNPOST_METRICS_ADDR"), "0.0.0.0:9100", "{bot}");
        assert!(!s["depends_on"]["redis"].is_badvalue(), "{bot} waits for Redis");
        ranges.push(env(s, "SIGNPOST_SHARDS").parse().unwrap_or_else(|e| panic!("{bot}: {e}")));
    }
    // The same total everywhere, and every shard run by exactly one process (shard 0, with the DMs, included).
    let total = ranges[0].total;
    let mut runs = vec![0; total as usize];
    for r in &ranges {
        assert_eq!(r.total, total, "every process agrees on the total");
        for id in r.range() {
            runs[id as usize] += 1;
        }
    }
    assert!(runs.iter().all(|&n| n == 1), "each shard in exactly one process: {runs:?}");
    // The image is built once, from the repository's Dockerfile.
    assert_eq!(services.iter().filter(|(_, s)| !s["build"].is_badvalue()).count(), 1);
    let build = &compose["services"]["signpost-0"]["build"];
    assert_eq!((build["context"].as_str(), build["dockerfile"].as_str()), (Some(".."), Some("Dockerfile")));
    assert!(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile")).exists());

    // Prometheus scrapes each Signpost process on its metrics port.
    let prometheus = load("prometheus.yml");
    let mounted = compose["services"]["prometheus"]["volumes"][0].as_str().unwrap();
    assert!(mounted.starts_with("./prometheus.yml:/etc/prometheus/prometheus.yml"), "{mounted}");
    let job = &prometheus["scrape_configs"][0];
    assert_eq!(job["metrics_path"].as_str(), Some("/metrics"));
    let targets: Vec<&str> =
        job["static_configs"][0]["targets"].as_vec().expect("targets").iter().filter_map(Yaml::as_str).collect();
    let mut expected: Vec<String> = bots.iter().map(|(b, _)| format!("{b}:9100")).collect();
    expected.sort();
    let mut targets: Vec<String> = targets.into_iter().map(String::from).collect();
    targets.sort();
    assert_eq!(targets, expected);
}

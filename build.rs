//! Embeds the default `knowledge/` directory (and the matcher's model trained on it) into the binary, so `signpost`
//! runs with nothing beside it.

use std::{env, fmt::Write as _, fs, path::Path};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut out = String::from("&[\n");
    for rel in &files {
        let abs = root.join(rel);
        println!("cargo:rerun-if-changed={}", abs.display());
        writeln!(out, "    ({rel:?}, include_str!({:?})),", abs.display().to_string()).unwrap();
    }
    out.push(']');
    let out_dir = env::var("OUT_DIR").unwrap();
    fs::write(Path::new(&out_dir).join("embedded_knowledge.rs"), out).unwrap();

    // The matcher's model trained on this knowledge (`signpost train`), when there is one.
    let model = root.join("model.bin");
    println!("cargo:rerun-if-changed={}", model.display());
    let model_rs = if model.is_file() {
        format!("Some(include_bytes!({:?}))", model.display().to_string())
    } else {
        "None".to_string()
    };
    fs::write(Path::new(&out_dir).join("embedded_model.rs"), model_rs).unwrap();
}

/// Every `*.toml` and `*.tsv` below `dir`, as paths relative to `root` with `/` separators.
fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "toml" || e == "tsv") {
            let rel = path.strip_prefix(root).unwrap();
            let rel: Vec<_> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            files.push(rel.join("/"));
        }
    }
}

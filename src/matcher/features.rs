//! What the model sees of a message: TF-IDF weights of word 1-2-grams (over stems) and character 2-5-grams (over
//! each folded word with a space either side), plus a few shape markers (how many frameworks it names, how long
//! it is). Each block is L2-normalised on its own, then scaled, so neither drowns the other.
//!
//! Feature keys are 64-bit FNV-1a hashes of the n-gram, so reading a message allocates no n-gram strings; the
//! columns are the keys seen in at least `min_df` training messages, numbered in key order (deterministic).

use std::collections::HashMap;

use super::normalize::Reading;

/// Characters of a word that character n-grams look at: longer words add nothing but work.
const MAX_CHAR_WORD: usize = 30;

/// The knobs of the feature space (chosen by writer-grouped cross-validation, see `examples/eval.rs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureConfig {
    pub char_min: usize,
    pub char_max: usize,
    /// Scale of the character block against the word block (each has norm 1 before scaling).
    pub char_weight: f32,
    /// A key must occur in this many training messages to become a column.
    pub min_df: u32,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self { char_min: 2, char_max: 5, char_weight: 0.8, min_df: 2 }
    }
}

/// A sparse vector: (column, value), columns ascending.
pub type Sparse = Vec<(u32, f32)>;

/// The fitted feature space: which keys are columns, and their inverse document frequencies.
#[derive(Debug, Clone)]
pub struct Features {
    pub config: FeatureConfig,
    /// Key -> column.
    index: HashMap<u64, u32>,
    /// Column -> (key, idf); keys ascending.
    pub columns: Vec<(u64, f32)>,
}

const WORD: u8 = 1;
const CHAR: u8 = 2;

impl Features {
    /// Fits the vocabulary and IDF weights to the training messages.
    pub fn fit(readings: &[&Reading], config: FeatureConfig) -> Self {
        let mut df: HashMap<u64, u32> = HashMap::new();
        let mut keys = Vec::new();
        for r in readings {
            keys.clear();
            raw_keys(r, &config, &mut keys);
            keys.sort_unstable();
            keys.dedup();
            for &(_, k) in &keys {
                *df.entry(k).or_default() += 1;
            }
        }
        let n = readings.len() as f32;
        let mut columns: Vec<(u64, f32)> = df
            .into_iter()
            .filter(|&(_, d)| d >= config.min_df)
            .map(|(k, d)| (k, ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0))
            .collect();
        columns.sort_unstable_by_key(|&(k, _)| k);
        Self::from_columns(config, columns)
    }

    /// A feature space from stored columns (keys ascending).
    pub fn from_columns(config: FeatureConfig, columns: Vec<(u64, f32)>) -> Self {
        let index = columns.iter().enumerate().map(|(i, &(k, _))| (k, i as u32)).collect();
        Self { config, index, columns }
    }

    pub fn len(&self) -> usize {
        self.columns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The TF-IDF vector of one message.
    pub fn vectorize(&self, r: &Reading) -> Sparse {
        let mut keys = Vec::with_capacity(8 * r.words.len() + 8);
        raw_keys(r, &self.config, &mut keys);
        let mut cols: Vec<(u8, u32)> =
            keys.iter().filter_map(|&(block, k)| self.index.get(&k).map(|&c| (block, c))).collect();
        cols.sort_unstable_by_key(|&(_, c)| c);
        // Sublinear term frequency times IDF, per column.
        let mut out: Vec<(u8, u32, f32)> = Vec::with_capacity(cols.len());
        for (block, c) in cols {
            match out.last_mut() {
                Some((_, last, tf)) if *last == c => *tf += 1.0,
                _ => out.push((block, c, 1.0)),
            }
        }
        let mut norms = [0f32; 3];
        for (block, c, v) in &mut out {
            *v = (1.0 + v.ln()) * self.columns[*c as usize].1;
            norms[*block as usize] += *v * *v;
        }
        let scale = |block: u8| {
            let norm = norms[block as usize].sqrt();
            let weight = if block == CHAR { self.config.char_weight } else { 1.0 };
            if norm > 0.0 {
                weight / norm
            } else {
                0.0
            }
        };
        let scales = [0.0, scale(WORD), scale(CHAR)];
        out.into_iter().map(|(block, c, v)| (c, v * scales[block as usize])).collect()
    }
}

/// Every feature key of a message, with its block; repeated keys repeat (they are counted).
fn raw_keys(r: &Reading, config: &FeatureConfig, out: &mut Vec<(u8, u64)>) {
    // Word unigrams and bigrams, with the message's edges as words so "django?" alone differs from a sentence.
    let mut prev = fnv(WORD, b"\x02");
    for s in &r.stems {
        let h = fnv(WORD, s.as_bytes());
        out.push((WORD, h));
        out.push((WORD, combine(prev, h)));
        prev = h;
    }
    out.push((WORD, combine(prev, fnv(WORD, b"\x03"))));
    // Shape markers.
    out.push((WORD, fnv(WORD, format!("\x01frameworks:{}", r.frameworks.len().min(3)).as_bytes())));
    let len = match r.words.len() {
        0..=3 => "tiny",
        4..=8 => "short",
        9..=25 => "medium",
        _ => "long",
    };
    out.push((WORD, fnv(WORD, format!("\x01length:{len}").as_bytes())));
    if r.foreign_only {
        out.push((WORD, fnv(WORD, b"\x01foreign")));
    }
    // Character n-grams within each word, padded by a space either side.
    let mut chars: Vec<char> = Vec::with_capacity(MAX_CHAR_WORD + 2);
    let mut buf = [0u8; 4 * 8];
    for w in &r.words {
        chars.clear();
        chars.push(' ');
        chars.extend(w.chars().take(MAX_CHAR_WORD));
        chars.push(' ');
        for n in config.char_min..=config.char_max {
            for window in chars.windows(n) {
                let mut len = 0;
                for c in window {
                    len += c.encode_utf8(&mut buf[len..]).len();
                }
                out.push((CHAR, fnv(CHAR, &buf[..len])));
            }
        }
    }
}

fn fnv(tag: u8, bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(tag);
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn combine(a: u64, b: u64) -> u64 {
    fnv(WORD, &[a.to_le_bytes(), b.to_le_bytes()].concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(words: &[&str]) -> Reading {
        Reading {
            words: words.iter().map(|w| w.to_string()).collect(),
            stems: words.iter().map(|w| w.to_string()).collect(),
            ..Reading::default()
        }
    }

    #[test]
    fn vectors_are_sorted_normalised_and_ignore_unknown_keys() {
        let a = reading(&["flask", "or", "django"]);
        let b = reading(&["flask", "vs", "django"]);
        let f = Features::fit(&[&a, &b], FeatureConfig { char_weight: 1.0, ..FeatureConfig::default() });
        let v = f.vectorize(&a);
        assert!(v.windows(2).all(|w| w[0].0 < w[1].0));
        let norm: f32 = v.iter().map(|(_, x)| x * x).sum();
        assert!((norm - 2.0).abs() < 1e-4, "two blocks of norm 1, got {norm}");
        assert!(f.vectorize(&reading(&["zzzzqqq"])).iter().all(|(c, _)| (*c as usize) < f.len()));
    }

    #[test]
    fn columns_do_not_depend_on_input_order() {
        let a = reading(&["which", "is", "faster"]);
        let b = reading(&["is", "flask", "faster"]);
        let x = Features::fit(&[&a, &b], FeatureConfig { min_df: 1, ..FeatureConfig::default() });
        let y = Features::fit(&[&b, &a], FeatureConfig { min_df: 1, ..FeatureConfig::default() });
        assert_eq!(x.columns, y.columns);
    }
}

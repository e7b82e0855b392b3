//! The classifier: multinomial logistic regression over the sparse features, with a temperature that calibrates
//! its probabilities, and its compact file format.

use super::{
    features::{FeatureConfig, Features, Sparse},
    reader::{DialogReader, Head},
};

/// A linear softmax model. Weights are stored feature-major (`weights[f * classes + k]`), so a sparse message
/// touches one contiguous row per feature. Trained in `f32`; once [`LinearModel::quantize`]d (and as read from a
/// file) it holds 8-bit weights with one scale per row instead: a quarter of the memory, and a row is one cache
/// line, which is what a message's read costs.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    pub classes: usize,
    /// Dense weights while training; empty once quantised.
    pub weights: Vec<f32>,
    /// 8-bit weights (`q[f * classes + k] * scales[f]`), once quantised.
    pub q: Vec<i8>,
    pub scales: Vec<f32>,
    pub bias: Vec<f32>,
    /// Logits are divided by this before the softmax (fitted on held-out writers).
    pub temperature: f32,
}

impl LinearModel {
    pub fn zeros(features: usize, classes: usize) -> Self {
        Self {
            classes,
            weights: vec![0.0; features * classes],
            q: Vec::new(),
            scales: Vec::new(),
            bias: vec![0.0; classes],
            temperature: 1.0,
        }
    }

    pub fn logits(&self, x: &Sparse) -> Vec<f32> {
        let k = self.classes;
        let mut z = self.bias.clone();
        if self.weights.is_empty() {
            for &(f, v) in x {
                let f = f as usize;
                let scaled = v * self.scales[f];
                for (zi, &w) in z.iter_mut().zip(&self.q[f * k..(f + 1) * k]) {
                    *zi += scaled * f32::from(w);
                }
            }
        } else {
            for &(f, v) in x {
                let row = &self.weights[f as usize * k..(f as usize + 1) * k];
                for (zi, w) in z.iter_mut().zip(row) {
                    *zi += v * w;
                }
            }
        }
        z
    }

    /// Calibrated class probabilities.
    pub fn probabilities(&self, x: &Sparse) -> Vec<f32> {
        softmax(&self.logits(x), self.temperature)
    }

    /// Rounds every weight to 8 bits with one scale per feature row: the file stays small, and the model in
    /// memory is exactly the one a file holds, whichever way it was made.
    pub fn quantize(&mut self) {
        let k = self.classes.max(1);
        let rows = self.weights.len() / k;
        self.scales = Vec::with_capacity(rows);
        self.q = Vec::with_capacity(self.weights.len());
        for row in self.weights.chunks(k) {
            let scale = row_scale(row);
            self.scales.push(scale);
            self.q.extend(row.iter().map(|w| (w / scale).round().clamp(-127.0, 127.0) as i8));
        }
        self.weights = Vec::new();
    }
}

fn row_scale(row: &[f32]) -> f32 {
    let max = row.iter().fold(0f32, |m, w| m.max(w.abs()));
    if max > 0.0 {
        max / 127.0
    } else {
        1.0
    }
}

/// Softmax of `z / temperature`, computed stably.
pub fn softmax(z: &[f32], temperature: f32) -> Vec<f32> {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut p: Vec<f32> = z.iter().map(|&v| ((v - max) / temperature).exp()).collect();
    let sum: f32 = p.iter().sum();
    p.iter_mut().for_each(|v| *v /= sum);
    p
}

/// Everything a trained matcher needs besides the knowledge: written by `signpost train`, embedded in the binary.
#[derive(Debug, Clone)]
pub struct StoredModel {
    /// What it was trained from ([`super::train::fingerprint`]).
    pub fingerprint: u64,
    pub labels: Vec<String>,
    /// Words the corpus shows to be real (the normaliser does not repair them).
    pub corpus_words: Vec<String>,
    pub corpus_size: u32,
    /// Below this probability the matcher abstains even when `none` is not the top class.
    pub threshold: f32,
    pub features: Features,
    pub model: LinearModel,
    /// The decision dialog's reader, trained with the matcher.
    pub reader: DialogReader,
}

const MAGIC: &[u8; 8] = b"SPMODEL\x02";

impl StoredModel {
    /// The training fingerprint a model file was made from, read without decoding the rest.
    pub fn fingerprint_of(bytes: &[u8]) -> Option<u64> {
        (bytes.get(..8)? == MAGIC).then_some(())?;
        Some(u64::from_le_bytes(bytes.get(8..16)?.try_into().ok()?))
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.features.len() * (12 + self.model.classes));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.fingerprint.to_le_bytes());
        put_u32(&mut out, self.corpus_size);
        put_strings(&mut out, &self.labels);
        put_strings(&mut out, &self.corpus_words);
        out.extend_from_slice(&self.threshold.to_le_bytes());
        put_linear(&mut out, &self.features, &self.model);
        let reader = &self.reader;
        out.extend_from_slice(&reader.fingerprint.to_le_bytes());
        put_u32(&mut out, reader.heads.len() as u32);
        for h in &reader.heads {
            put_strings(&mut out, std::slice::from_ref(&h.step));
            put_strings(&mut out, &h.options);
            put_u32(&mut out, h.offset as u32);
            out.extend_from_slice(&h.temperature.to_le_bytes());
            out.extend_from_slice(&h.threshold.to_le_bytes());
        }
        put_linear(&mut out, &reader.features, &reader.model);
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(8)? != MAGIC {
            return Err("not a Signpost model file (or one of another format version)".into());
        }
        let fingerprint = u64::from_le_bytes(r.take(8)?.try_into().unwrap());
        let corpus_size = r.u32()?;
        let labels = r.strings()?;
        let corpus_words = r.strings()?;
        let threshold = r.f32()?;
        let (features, model) = r.linear()?;
        if model.classes != labels.len() {
            return Err("the model's classes do not match its labels".into());
        }
        let reader_fingerprint = u64::from_le_bytes(r.take(8)?.try_into().unwrap());
        let n_heads = r.u32()? as usize;
        let mut heads = Vec::with_capacity(n_heads.min(1_000));
        for _ in 0..n_heads {
            let step = r.strings()?.pop().ok_or("a dialog reader head has no step")?;
            let options = r.strings()?;
            let offset = r.u32()? as usize;
            let (temperature, threshold) = (r.f32()?, r.f32()?);
            heads.push(Head { step, options, offset, temperature, threshold });
        }
        let (reader_features, reader_model) = r.linear()?;
        if heads.iter().any(|h| h.offset + h.options.len() + 1 > reader_model.classes) {
            return Err("a dialog reader head lies outside its model".into());
        }
        if r.at != r.bytes.len() {
            return Err("model file has trailing bytes".into());
        }
        Ok(Self {
            fingerprint,
            labels,
            corpus_words,
            corpus_size,
            threshold,
            features,
            model,
            reader: DialogReader {
                fingerprint: reader_fingerprint,
                features: reader_features,
                model: reader_model,
                heads,
            },
        })
    }
}

fn put_strings(out: &mut Vec<u8>, list: &[String]) {
    put_u32(out, list.len() as u32);
    for l in list {
        put_u32(out, l.len() as u32);
        out.extend_from_slice(l.as_bytes());
    }
}

/// A feature space and a linear model over it: the knobs, the temperature, the biases, then one row per column
/// (key, IDF, the row's scale, one signed byte per class).
fn put_linear(out: &mut Vec<u8>, features: &Features, model: &LinearModel) {
    let c = &features.config;
    for v in [c.char_min as u32, c.char_max as u32, c.min_df, model.classes as u32] {
        put_u32(out, v);
    }
    for v in [c.char_weight, model.temperature] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for &b in &model.bias {
        out.extend_from_slice(&b.to_le_bytes());
    }
    put_u32(out, features.len() as u32);
    let k = model.classes;
    let quantized;
    let model = if model.weights.is_empty() {
        model
    } else {
        let mut m = model.clone();
        m.quantize();
        quantized = m;
        &quantized
    };
    for (f, &(key, idf)) in features.columns.iter().enumerate() {
        out.extend_from_slice(&key.to_le_bytes());
        out.extend_from_slice(&idf.to_le_bytes());
        out.extend_from_slice(&model.scales[f].to_le_bytes());
        out.extend(model.q[f * k..(f + 1) * k].iter().map(|&w| w as u8));
    }
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or("model file is truncated")?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }

    fn strings(&mut self) -> Result<Vec<String>, String> {
        let n = self.u32()? as usize;
        let mut out = Vec::with_capacity(n.min(100_000));
        for _ in 0..n {
            let len = self.u32()? as usize;
            out.push(String::from_utf8(self.take(len)?.to_vec()).map_err(|_| "text in the model file is not UTF-8")?);
        }
        Ok(out)
    }

    fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }

    /// The inverse of [`put_linear`].
    fn linear(&mut self) -> Result<(Features, LinearModel), String> {
        let (char_min, char_max, min_df, k) =
            (self.u32()? as usize, self.u32()? as usize, self.u32()?, self.u32()? as usize);
        let (char_weight, temperature) = (self.f32()?, self.f32()?);
        if !(1..=8).contains(&char_min) || !(char_min..=8).contains(&char_max) {
            return Err("bad character n-gram range".into());
        }
        if k == 0 || k > 10_000 {
            return Err("bad class count".into());
        }
        let bias = (0..k).map(|_| self.f32()).collect::<Result<Vec<_>, _>>()?;
        let n = self.u32()? as usize;
        if n.checked_mul(16 + k).is_none_or(|len| len > self.bytes.len() - self.at) {
            return Err("model file is truncated".into());
        }
        let mut columns = Vec::with_capacity(n);
        let mut scales = Vec::with_capacity(n);
        let mut q = Vec::with_capacity(n * k);
        for _ in 0..n {
            let key = u64::from_le_bytes(self.take(8)?.try_into().unwrap());
            let idf = self.f32()?;
            columns.push((key, idf));
            scales.push(self.f32()?);
            q.extend(self.take(k)?.iter().map(|&b| b as i8));
        }
        if columns.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err("model columns are not in key order".into());
        }
        let config = FeatureConfig { char_min, char_max, char_weight, min_df };
        let model = LinearModel { classes: k, weights: Vec::new(), q, scales, bias, temperature };
        Ok((Features::from_columns(config, columns), model))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_sums_to_one_and_temperature_flattens() {
        let p = softmax(&[2.0, 1.0, 0.0], 1.0);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        let q = softmax(&[2.0, 1.0, 0.0], 2.0);
        assert!(q[0] < p[0]);
    }

    #[test]
    fn file_round_trip_and_damage() {
        let columns = vec![(3u64, 1.5f32), (9, 2.0)];
        let mut model = LinearModel::zeros(2, 3);
        model.weights = vec![0.5, -1.0, 0.25, 0.0, 0.0, 0.0];
        model.bias = vec![0.1, 0.2, 0.3];
        model.temperature = 1.3;
        model.quantize();
        let stored = StoredModel {
            fingerprint: 42,
            labels: vec!["faq:a".into(), "decide".into(), "none".into()],
            corpus_words: vec!["celery".into()],
            corpus_size: 7,
            threshold: 0.2,
            features: Features::from_columns(FeatureConfig::default(), columns.clone()),
            model: model.clone(),
            reader: DialogReader {
                fingerprint: 7,
                features: Features::from_columns(FeatureConfig::default(), columns),
                model,
                heads: vec![Head {
                    step: "size".into(),
                    options: vec!["small".into(), "large".into()],
                    offset: 0,
                    temperature: 0.7,
                    threshold: 0.4,
                }],
            },
        };
        let bytes = stored.to_bytes();
        let back = StoredModel::from_bytes(&bytes).unwrap();
        assert_eq!(back.model, stored.model);
        assert_eq!(back.labels, stored.labels);
        assert_eq!(back.corpus_words, stored.corpus_words);
        assert_eq!(back.features.columns, stored.features.columns);
        assert_eq!(back.reader.heads, stored.reader.heads);
        assert_eq!(back.reader.fingerprint, 7);
        assert_eq!(back.reader.model, stored.reader.model);
        assert!(StoredModel::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(StoredModel::from_bytes(&longer).is_err());
        assert!(StoredModel::from_bytes(b"garbage").is_err());
    }
}

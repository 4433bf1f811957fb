//! Numbers for `cargo xtask bench`: min/median/max of repeated runs, percentiles of samples,
//! and reading what the benchmark programs print.
//!
//! The JS benchmarks (`loader/bench/`, `e2e/bench/`) print one `bench:KEY VALUE` line per
//! measurement; [`Samples::parse`] collects them (a repeated key is another run). The native
//! ones print their own lines, read by [`number_after`]. Nothing here runs or judges anything.

use std::collections::BTreeMap;

/// min / median / max (and how many) of a set of measurements.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub n: usize,
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

impl Stats {
    /// `None` for no values (NaNs are dropped first).
    pub fn of(values: &[f64]) -> Option<Stats> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Stats {
            n,
            min: v[0],
            median,
            max: v[n - 1],
        })
    }

    /// `min / median / max` with `decimals` digits, or just the value for one run.
    pub fn format(&self, decimals: usize) -> String {
        if self.n == 1 {
            format!("{:.decimals$}", self.median)
        } else {
            format!(
                "{:.decimals$} / {:.decimals$} / {:.decimals$}",
                self.min, self.median, self.max
            )
        }
    }
}

/// The `q` quantile (0..=1) by nearest rank: the smallest value with at least `q` of the
/// values at or below it. `None` for no values.
pub fn percentile(values: &[f64], q: f64) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let rank = (q.clamp(0.0, 1.0) * v.len() as f64).ceil() as usize;
    Some(v[rank.saturating_sub(1).min(v.len() - 1)])
}

/// What a JS benchmark printed: numbers and words per key, in order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Samples {
    pub numbers: BTreeMap<String, Vec<f64>>,
    pub words: BTreeMap<String, Vec<String>>,
}

impl Samples {
    /// Collects every `bench:KEY VALUE` line (ANSI colours and other lines ignored). A value
    /// that parses as a number goes to `numbers`, anything else to `words`.
    pub fn parse(stdout: &str) -> Samples {
        let mut s = Samples::default();
        for line in stdout.lines() {
            let Some(rest) = line.trim().strip_prefix("bench:") else {
                continue;
            };
            let Some((key, value)) = rest.split_once(' ') else {
                continue;
            };
            let value = value.trim();
            match value.parse::<f64>() {
                Ok(x) => s.numbers.entry(key.to_owned()).or_default().push(x),
                Err(_) => s
                    .words
                    .entry(key.to_owned())
                    .or_default()
                    .push(value.to_owned()),
            }
        }
        s
    }

    /// All numbers of `key` (empty when it never came).
    pub fn get(&self, key: &str) -> &[f64] {
        self.numbers.get(key).map_or(&[], Vec::as_slice)
    }

    pub fn stats(&self, key: &str) -> Option<Stats> {
        Stats::of(self.get(key))
    }

    /// The first number of `key`.
    pub fn first(&self, key: &str) -> Option<f64> {
        self.get(key).first().copied()
    }

    pub fn words(&self, key: &str) -> &[String] {
        self.words.get(key).map_or(&[], Vec::as_slice)
    }
}

/// The first number after `marker` on the first line containing it: for the native benches'
/// own output (`Chat::handle_frame:    312345 frames/s`, `round trip p50 1.2 ms`).
pub fn number_after(stdout: &str, marker: &str) -> Option<f64> {
    let line = stdout.lines().find(|l| l.contains(marker))?;
    let rest = &line[line.find(marker)? + marker.len()..];
    rest.split(|c: char| c.is_whitespace() || c == ':')
        .find(|w| !w.is_empty())?
        .parse()
        .ok()
}

/// Bytes as KB (1,000 bytes, as the budget is written) with one decimal.
pub fn kb(bytes: f64) -> String {
    format!("{:.1}", bytes / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_of_odd_even_and_empty_sets() {
        let s = Stats::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.n, s.min, s.median, s.max), (3, 1.0, 2.0, 3.0));
        assert_eq!(Stats::of(&[4.0, 1.0, 2.0, 3.0]).unwrap().median, 2.5);
        assert_eq!(Stats::of(&[]), None);
        assert_eq!(Stats::of(&[f64::NAN]), None);
        assert_eq!(s.format(1), "1.0 / 2.0 / 3.0");
        assert_eq!(Stats::of(&[7.25]).unwrap().format(2), "7.25");
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), Some(50.0));
        assert_eq!(percentile(&v, 0.99), Some(99.0));
        assert_eq!(percentile(&v, 1.0), Some(100.0));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&[5.0], 0.99), Some(5.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn samples_collect_repeated_keys_and_words() {
        let out = "starting\nbench:tbt_none 0.00\nbench:tbt_none 12.5\n  bench:resource_webchat /dist/loader.js\nbench:broken\nother: 3\n";
        let s = Samples::parse(out);
        assert_eq!(s.get("tbt_none"), &[0.0, 12.5]);
        assert_eq!(
            s.words("resource_webchat"),
            &["/dist/loader.js".to_string()]
        );
        assert!(s.get("broken").is_empty());
        assert_eq!(s.first("tbt_none"), Some(0.0));
    }

    #[test]
    fn numbers_after_markers() {
        let out = "frame mix: 120 frames\nxml::parse:                  812345 frames/s\nChat::handle_frame:       312345 frames/s  (9 bytes answered)\n  round trip p50 1.5 ms  p99 7.25 ms  max 9.0 ms\n";
        assert_eq!(number_after(out, "Chat::handle_frame"), Some(312345.0));
        assert_eq!(number_after(out, "xml::parse"), Some(812345.0));
        assert_eq!(number_after(out, "round trip p50"), Some(1.5));
        assert_eq!(number_after(out, "p99"), Some(7.25));
        assert_eq!(number_after(out, "nothing"), None);
        assert_eq!(kb(99_950.0), "100.0");
    }
}

//! airgate's `/metrics` (Prometheus text format): fetched over a connection of its own and
//! read as series name (with labels) -> value.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use airgate_bench::http1::Conn;

pub struct Metrics {
    conn: Conn,
}

/// One scrape: `name{labels}` -> value.
#[derive(Clone, Debug, Default)]
pub struct Scrape(pub BTreeMap<String, f64>);

impl Metrics {
    pub fn new(addr: SocketAddr) -> Metrics {
        Metrics {
            conn: Conn::new(addr, &addr.to_string()),
        }
    }

    /// Whether `GET /metrics` answers HTTP 200.
    pub async fn reachable(&mut self) -> bool {
        matches!(self.conn.request("GET", "/metrics", &[], &[]).await, Ok(r) if r.status == 200)
    }

    /// `GET /metrics`; an empty scrape when it fails.
    pub async fn scrape(&mut self) -> Scrape {
        match self.conn.request("GET", "/metrics", &[], &[]).await {
            Ok(r) if r.status == 200 => Scrape::parse(&String::from_utf8_lossy(&r.body)),
            _ => Scrape::default(),
        }
    }
}

impl Scrape {
    pub fn parse(text: &str) -> Scrape {
        let mut map = BTreeMap::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // The value is the first field after the series (labels may hold spaces in
            // quoted values, so split after the closing brace when there is one).
            let (series, rest) = match line.find('}') {
                Some(i) => (&line[..=i], &line[i + 1..]),
                None => match line.split_once(' ') {
                    Some((s, r)) => (s, r),
                    None => continue,
                },
            };
            if let Some(v) = rest.split_whitespace().next().and_then(|v| v.parse().ok()) {
                map.insert(series.trim().to_owned(), v);
            }
        }
        Scrape(map)
    }

    /// The sum of every series of metric `name` (with or without labels); `None` when there
    /// is none.
    pub fn get(&self, name: &str) -> Option<f64> {
        let mut found = None;
        for (series, v) in &self.0 {
            let base = series.split('{').next().unwrap_or(series);
            if base == name {
                *found.get_or_insert(0.0) += v;
            }
        }
        found
    }

    /// Histogram `name`: the cumulative buckets (upper bound, count) summed over other labels,
    /// the count and the sum.
    pub fn histogram(&self, name: &str) -> Histogram {
        let bucket = format!("{name}_bucket");
        let mut buckets: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
        for (series, v) in &self.0 {
            let Some(labels) = series.strip_prefix(&bucket) else {
                continue;
            };
            let Some(le) = labels
                .split("le=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
            else {
                continue;
            };
            let bound = if le == "+Inf" {
                f64::INFINITY
            } else {
                match le.parse::<f64>() {
                    Ok(b) => b,
                    Err(_) => continue,
                }
            };
            buckets.entry(bound.to_bits()).or_insert((bound, 0.0)).1 += v;
        }
        let mut b: Vec<(f64, f64)> = buckets.into_values().collect();
        b.sort_by(|x, y| x.0.total_cmp(&y.0));
        Histogram {
            buckets: b,
            count: self.get(&format!("{name}_count")).unwrap_or(0.0),
            sum: self.get(&format!("{name}_sum")).unwrap_or(0.0),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Histogram {
    pub buckets: Vec<(f64, f64)>,
    pub count: f64,
    pub sum: f64,
}

impl Histogram {
    /// What was observed between `earlier` and `self`.
    pub fn since(&self, earlier: &Histogram) -> Histogram {
        let before = |bound: f64| {
            earlier
                .buckets
                .iter()
                .find(|b| b.0 == bound)
                .map_or(0.0, |b| b.1)
        };
        Histogram {
            buckets: self
                .buckets
                .iter()
                .map(|&(bound, n)| (bound, n - before(bound)))
                .collect(),
            count: self.count - earlier.count,
            sum: self.sum - earlier.sum,
        }
    }

    /// The `q` quantile, interpolated linearly within its bucket (as Prometheus'
    /// `histogram_quantile`); the bucket's lower bound when it is the `+Inf` one.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.buckets.last()?.1;
        if total <= 0.0 {
            return None;
        }
        let rank = q * total;
        let mut lower = (0.0, 0.0);
        for &(bound, n) in &self.buckets {
            if n >= rank {
                if bound.is_infinite() {
                    return Some(lower.0);
                }
                let in_bucket = n - lower.1;
                let frac = if in_bucket > 0.0 {
                    (rank - lower.1) / in_bucket
                } else {
                    1.0
                };
                return Some(lower.0 + (bound - lower.0) * frac);
            }
            lower = (bound, n);
        }
        None
    }

    /// `count N, mean X s, p50 ~Y s, p90 ~, p99 ~` (or "no observations").
    pub fn summary(&self) -> String {
        if self.count <= 0.0 {
            return "no observations".into();
        }
        let q = |p: f64| {
            self.quantile(p)
                .map_or("?".to_owned(), |v| format!("{:.3} s", v))
        };
        format!(
            "count {}, mean {:.3} s, p50 ~{}, p90 ~{}, p99 ~{} (bucket interpolation)",
            self.count,
            self.sum / self.count,
            q(0.5),
            q(0.9),
            q(0.99)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauges_and_histograms_are_read() {
        let s = Scrape::parse(
            "# HELP x y\n# TYPE airgate_push_held_requests gauge\nairgate_push_held_requests 12\n\
             airgate_push_latency_seconds_bucket{le=\"0.5\"} 2\n\
             airgate_push_latency_seconds_bucket{le=\"1\"} 4\n\
             airgate_push_latency_seconds_bucket{le=\"+Inf\"} 4\n\
             airgate_push_latency_seconds_sum 2.5\nairgate_push_latency_seconds_count 4\n",
        );
        assert_eq!(s.get("airgate_push_held_requests"), Some(12.0));
        assert_eq!(s.get("airgate_push_watchers"), None);
        let h = s.histogram("airgate_push_latency_seconds");
        assert_eq!(h.count, 4.0);
        assert_eq!(h.quantile(0.5), Some(0.5));
        assert_eq!(h.quantile(0.75), Some(0.75));
        let d = h.since(&Histogram::default());
        assert_eq!(d.count, 4.0);
    }
}

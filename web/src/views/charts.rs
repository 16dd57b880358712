//! Charts drawn on the server as SVG: line, area and (grouped) bar charts with a value axis,
//! category labels, a legend, and what assistive technology needs (`role="img"`, `<title>`,
//! `<desc>`, a `<title>` on every point for hover). No script and no inline style: colours
//! come from the stylesheet through the `s0`…`s5` series classes, so both themes apply.
//!
//! It draws what it is given and never invents data: an empty chart says "No data".
//! Values are expected to be finite and non-negative (counts, rates, milliseconds); anything
//! else is drawn as 0.

use std::fmt::Write as _;

use maud::{Markup, Render, html};

/// How the values are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Line,
    /// A line with the area under it filled.
    Area,
    /// One bar per series in each category, side by side.
    Bar,
}

/// How values read on the axis and in tooltips.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Counts: `950`, `1.2k`, `3.4M`.
    Count,
    /// Percentages on a fixed 0–100 axis.
    Percent,
    /// Milliseconds.
    Millis,
}

impl Unit {
    /// A short label of `v` for the axis.
    pub fn axis(self, v: f64) -> String {
        match self {
            Unit::Count => compact(v),
            Unit::Percent => format!("{}%", trim(v)),
            Unit::Millis => format!("{} ms", compact(v)),
        }
    }

    /// The exact-ish value for a tooltip or table.
    pub fn exact(self, v: f64) -> String {
        match self {
            Unit::Count => grouped(v),
            Unit::Percent => format!("{v:.1}%"),
            Unit::Millis => format!("{v:.0} ms"),
        }
    }
}

/// One named row of values, one per label.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// A chart, built with its methods and rendered with maud (`(chart)`).
#[derive(Debug, Clone)]
pub struct Chart {
    id: String,
    title: String,
    kind: Kind,
    unit: Unit,
    labels: Vec<String>,
    series: Vec<Series>,
    width: f64,
    height: f64,
}

const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;
/// At most this many category labels are written under the axis.
const MAX_LABELS: usize = 8;
/// Series colours in the stylesheet.
const PALETTE: usize = 6;

impl Chart {
    /// A chart whose element ids start with `id` (unique per page) titled `title`.
    pub fn new(id: &str, title: &str, kind: Kind) -> Chart {
        Chart {
            id: id.to_owned(),
            title: title.to_owned(),
            kind,
            unit: Unit::Count,
            labels: Vec::new(),
            series: Vec::new(),
            width: 640.0,
            height: 240.0,
        }
    }

    pub fn unit(mut self, unit: Unit) -> Chart {
        self.unit = unit;
        self
    }

    /// The categories (days, plans…), one per value of every series.
    pub fn labels(mut self, labels: impl IntoIterator<Item = String>) -> Chart {
        self.labels = labels.into_iter().collect();
        self
    }

    pub fn series(mut self, name: &str, values: impl IntoIterator<Item = f64>) -> Chart {
        let values = values.into_iter().map(|v| if v.is_finite() && v > 0.0 { v } else { 0.0 }).collect();
        self.series.push(Series { name: name.to_owned(), values });
        self
    }

    /// The drawing size in SVG units (it scales to its container).
    pub fn size(mut self, width: f64, height: f64) -> Chart {
        self.width = width.max(LEFT + RIGHT + 10.0);
        self.height = height.max(TOP + BOTTOM + 10.0);
        self
    }

    fn count(&self) -> usize {
        self.series.iter().map(|s| s.values.len()).max().unwrap_or(0).max(self.labels.len())
    }

    fn is_empty(&self) -> bool {
        self.series.iter().all(|s| s.values.is_empty())
    }

    fn label(&self, i: usize) -> &str {
        self.labels.get(i).map_or("", String::as_str)
    }

    /// The value axis: top value and step.
    fn scale(&self) -> (f64, f64) {
        if self.unit == Unit::Percent {
            return (100.0, 25.0);
        }
        let max = self.series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0, f64::max);
        nice_scale(max)
    }

    /// A sentence describing the data, for screen readers.
    fn description(&self) -> String {
        if self.is_empty() {
            return "No data.".to_owned();
        }
        let mut text = String::new();
        if let (Some(first), Some(last)) = (self.labels.first(), self.labels.last()) {
            let _ = write!(text, "From {first} to {last}. ");
        }
        for s in &self.series {
            let max = s.values.iter().copied().fold(0.0, f64::max);
            let _ = if self.unit == Unit::Count {
                let total: f64 = s.values.iter().sum();
                write!(
                    text,
                    "{}: total {}, highest {}. ",
                    s.name,
                    self.unit.exact(total),
                    self.unit.exact(max)
                )
            } else {
                write!(text, "{}: highest {}. ", s.name, self.unit.exact(max))
            };
        }
        text.trim_end().to_owned()
    }

    /// The data as a table, for people who prefer numbers (put it in a `<details>`).
    pub fn table(&self) -> Markup {
        html! {
            table.chart-data {
                caption { (self.title) }
                thead { tr { th scope="col" { "" } @for s in &self.series { th scope="col" { (s.name) } } } }
                tbody {
                    @for i in 0..self.count() {
                        tr {
                            th scope="row" { (self.label(i)) }
                            @for s in &self.series { td { (s.values.get(i).map_or_else(String::new, |v| self.unit.exact(*v))) } }
                        }
                    }
                }
            }
        }
    }

    #[expect(clippy::many_single_char_names, reason = "w, h, x, y, n read as in geometry")]
    fn svg(&self) -> Markup {
        let (w, h) = (self.width, self.height);
        let plot_w = w - LEFT - RIGHT;
        let plot_h = h - TOP - BOTTOM;
        let (top, step) = self.scale();
        let y = |v: f64| TOP + plot_h - (v.min(top) / top) * plot_h;
        let n = self.count();
        let ticks = tick_values(top, step);
        let title_id = format!("{}-title", self.id);
        let desc_id = format!("{}-desc", self.id);
        html! {
            svg.chart-svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {w} {h}"))
                role="img" aria-labelledby=(format!("{title_id} {desc_id}")) preserveAspectRatio="xMidYMid meet" {
                title id=(title_id) { (self.title) }
                desc id=(desc_id) { (self.description()) }
                g.grid aria-hidden="true" {
                    @for t in &ticks {
                        line x1=(num(LEFT)) x2=(num(w - RIGHT)) y1=(num(y(*t))) y2=(num(y(*t))) {}
                        text.axis x=(num(LEFT - 6.0)) y=(num(y(*t) + 4.0)) text-anchor="end" { (self.unit.axis(*t)) }
                    }
                }
                line.axis-line x1=(num(LEFT)) x2=(num(w - RIGHT)) y1=(num(TOP + plot_h)) y2=(num(TOP + plot_h)) aria-hidden="true" {}
                @if self.is_empty() {
                    text.empty x=(num(LEFT + plot_w / 2.0)) y=(num(TOP + plot_h / 2.0)) text-anchor="middle" { "No data" }
                } @else {
                    g.x-labels aria-hidden="true" {
                        @for i in label_indices(n) {
                            @let anchor = if self.kind != Kind::Bar && i + 1 == n && n > 1 { "end" } else { "middle" };
                            text.axis x=(num(self.x_center(i, plot_w))) y=(num(h - 8.0)) text-anchor=(anchor) { (self.label(i)) }
                        }
                    }
                    @for (k, s) in self.series.iter().enumerate() {
                        @let class = format!("series s{}", k % PALETTE);
                        g class=(class) {
                            @match self.kind {
                                Kind::Bar => {
                                    @for (i, v) in s.values.iter().enumerate() {
                                        @let (x, bw) = self.bar_x(i, k, plot_w);
                                        rect x=(num(x)) y=(num(y(*v))) width=(num(bw)) height=(num(TOP + plot_h - y(*v))) {
                                            title { (self.label(i)) " · " (s.name) ": " (self.unit.exact(*v)) }
                                        }
                                    }
                                }
                                Kind::Line | Kind::Area => {
                                    @let points: Vec<(f64, f64)> = s.values.iter().enumerate().map(|(i, v)| (self.x_center(i, plot_w), y(*v))).collect();
                                    @if self.kind == Kind::Area {
                                        path.area d=(area_path(&points, TOP + plot_h)) {}
                                    }
                                    path.line d=(line_path(&points)) {}
                                    @for (i, (px, py)) in points.iter().enumerate() {
                                        circle cx=(num(*px)) cy=(num(*py)) r="2.5" {
                                            title { (self.label(i)) " · " (s.name) ": " (self.unit.exact(s.values[i])) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The x of category `i`'s centre.
    fn x_center(&self, i: usize, plot_w: f64) -> f64 {
        let n = self.count().max(1);
        if self.kind == Kind::Bar {
            LEFT + plot_w * (as_f64(i) + 0.5) / as_f64(n)
        } else if n == 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * as_f64(i) / as_f64(n - 1)
        }
    }

    /// The x and width of series `k`'s bar in category `i`.
    fn bar_x(&self, i: usize, k: usize, plot_w: f64) -> (f64, f64) {
        let band = plot_w / as_f64(self.count().max(1));
        let inner = band * 0.8;
        let bw = inner / as_f64(self.series.len().max(1));
        (LEFT + band * as_f64(i) + band * 0.1 + bw * as_f64(k), bw)
    }
}

impl Render for Chart {
    fn render(&self) -> Markup {
        html! {
            figure.chart {
                (self.svg())
                @if self.series.len() > 1 || self.kind != Kind::Bar {
                    figcaption.legend {
                        @for (k, s) in self.series.iter().enumerate() {
                            span class=(format!("key s{}", k % PALETTE)) { (s.name) }
                        }
                    }
                }
            }
        }
    }
}

#[expect(clippy::cast_precision_loss, reason = "chart positions of at most a few thousand points")]
fn as_f64(i: usize) -> f64 {
    i as f64
}

/// A coordinate with at most one decimal.
fn num(v: f64) -> String {
    trim(v)
}

/// `v` to one decimal, without a trailing `.0`.
///
/// Written with integers: a chart prints hundreds of coordinates, and formatting a float to a
/// fixed precision takes Rust's exact (slow) path — a tenth of the tenant page's CPU.
fn trim(v: f64) -> String {
    let tenths = (v * 10.0).round_ties_even();
    if !tenths.is_finite() || tenths.abs() >= 1e15 {
        let text = format!("{v:.1}");
        return text.strip_suffix(".0").map_or(text.clone(), str::to_owned);
    }
    #[expect(clippy::cast_possible_truncation, reason = "finite and below 1e15, checked above")]
    let tenths = tenths as i64;
    let (whole, tenth) = (tenths / 10, (tenths % 10).abs());
    match (tenth, tenths < 0 && whole == 0) {
        (0, _) => whole.to_string(),
        (_, true) => format!("-0.{tenth}"),
        (_, false) => format!("{whole}.{tenth}"),
    }
}

/// A "nice" axis for values up to `max`: the top (≥ max) and a step that divides it into
/// 4 or 5 parts, of the form 1, 2, 2.5 or 5 × 10ⁿ.
pub fn nice_scale(max: f64) -> (f64, f64) {
    if !max.is_finite() || max <= 0.0 {
        return (1.0, 0.25);
    }
    let rough = max / 4.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * magnitude);
    let top = (max / step).ceil() * step;
    (top, step)
}

fn tick_values(top: f64, step: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut t = 0.0;
    while t <= top + step / 1000.0 && ticks.len() < 12 {
        ticks.push(t);
        t += step;
    }
    ticks
}

/// Which of `n` categories get a label: at most [`MAX_LABELS`], first and last included.
pub fn label_indices(n: usize) -> Vec<usize> {
    if n <= MAX_LABELS {
        return (0..n).collect();
    }
    let every = n.div_ceil(MAX_LABELS - 1);
    let mut indices: Vec<usize> = (0..n).step_by(every).collect();
    if indices.last() != Some(&(n - 1)) {
        // Keep the last one and drop a neighbour that would collide with it.
        if indices.last().is_some_and(|l| n - 1 - l < every / 2 + 1) {
            indices.pop();
        }
        indices.push(n - 1);
    }
    indices
}

fn line_path(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        let _ = write!(d, "{}{},{} ", if i == 0 { "M" } else { "L" }, num(*x), num(*y));
    }
    d.trim_end().to_owned()
}

fn area_path(points: &[(f64, f64)], base: f64) -> String {
    match (points.first(), points.last()) {
        (Some((x0, _)), Some((xn, _))) => {
            format!("{} L{},{} L{},{} Z", line_path(points), num(*xn), num(base), num(*x0), num(base))
        }
        _ => String::new(),
    }
}

/// `1234` → `1.2k`, `2500000` → `2.5M`.
pub fn compact(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{}G", trim(v / 1e9))
    } else if a >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if a >= 1e3 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    }
}

/// `1234567` → `1,234,567` (rounded to a whole number).
pub fn grouped(v: f64) -> String {
    #[expect(clippy::cast_possible_truncation, reason = "rounded, and far below i64's range")]
    let whole = v.round() as i64;
    let digits = whole.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if whole < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(n: usize) -> Vec<String> {
        (1..=n).map(|d| format!("11-{d:02}")).collect()
    }

    #[test]
    fn nice_scales_cover_the_maximum_in_round_steps() {
        assert_eq!(nice_scale(0.0), (1.0, 0.25));
        assert_eq!(nice_scale(f64::NAN), (1.0, 0.25));
        assert_eq!(nice_scale(7.0), (8.0, 2.0));
        assert_eq!(nice_scale(100.0), (100.0, 25.0));
        assert_eq!(nice_scale(1234.0), (1500.0, 500.0));
        for max in [0.3, 1.0, 3.0, 9.9, 42.0, 999.0, 12_345.0, 7_654_321.0] {
            let (top, step) = nice_scale(max);
            assert!(top >= max, "{max}: {top}");
            let parts = top / step;
            assert!((1.0..=5.0).contains(&parts.round()), "{max}: {top}/{step}");
        }
    }

    #[test]
    fn one_decimal_without_a_trailing_zero() {
        for (v, text) in [
            (0.0, "0"),
            (7.0, "7"),
            (12.34, "12.3"),
            (12.36, "12.4"),
            (1.25, "1.2"),
            (99.96, "100"),
            (-0.04, "0"),
            (-0.5, "-0.5"),
            (-12.34, "-12.3"),
            (1e20, "100000000000000000000"),
        ] {
            assert_eq!(trim(v), text, "{v}");
        }
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(1_250.0), "1.2k");
        assert_eq!(compact(2_500_000.0), "2.5M");
        assert_eq!(compact(2_000.0), "2k");
        assert_eq!(grouped(1_234_567.4), "1,234,567");
        assert_eq!(grouped(-1_000.0), "-1,000");
        assert_eq!(grouped(12.0), "12");
        assert_eq!(Unit::Percent.axis(50.0), "50%");
        assert_eq!(Unit::Percent.exact(99.123), "99.1%");
        assert_eq!(Unit::Millis.exact(120.4), "120 ms");
    }

    #[test]
    fn label_thinning_keeps_first_and_last() {
        assert_eq!(label_indices(0), Vec::<usize>::new());
        assert_eq!(label_indices(5), vec![0, 1, 2, 3, 4]);
        for n in [9, 14, 30, 31, 365] {
            let ix = label_indices(n);
            assert!(ix.len() <= MAX_LABELS, "{n}: {ix:?}");
            assert_eq!(ix.first(), Some(&0));
            assert_eq!(ix.last(), Some(&(n - 1)));
            assert!(ix.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn a_line_chart_is_accessible_svg_with_a_point_per_value() {
        let chart = Chart::new("auth", "Authentications", Kind::Area)
            .labels(days(30))
            .series("Successes", (0..30).map(f64::from))
            .series("Failures", (0..30).map(|d| f64::from(d) / 10.0));
        let svg = chart.render().into_string();
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"aria-labelledby="auth-title auth-desc""#));
        assert!(svg.contains(r#"<title id="auth-title">Authentications</title>"#));
        assert!(svg.contains("From 11-01 to 11-30. Successes: total 435, highest 29."));
        assert_eq!(svg.matches("<circle").count(), 60);
        assert_eq!(svg.matches(r#"class="area""#).count(), 2);
        assert!(svg.contains("11-30 · Successes: 29"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        assert!(!svg.contains("style="), "no inline style (CSP)");
        assert!(svg.contains(r#"class="key s1""#), "a legend");
        // In HTML, an SVG element without an end tag swallows what follows it.
        for tag in ["line", "path", "rect", "circle", "text"] {
            assert_eq!(
                svg.matches(&format!("<{tag} ")).count(),
                svg.matches(&format!("</{tag}>")).count(),
                "{tag}"
            );
        }
    }

    #[test]
    fn a_bar_chart_has_one_rect_per_value_inside_the_plot() {
        let chart = Chart::new("plans", "Tenants by plan", Kind::Bar)
            .labels(["free", "basic", "premium"].map(str::to_owned))
            .series("Tenants", [3.0, 0.0, f64::INFINITY])
            .size(300.0, 200.0);
        let svg = chart.render().into_string();
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("premium · Tenants: 0"), "non-finite values are drawn as 0");
        assert!(!svg.contains("figcaption"), "a single-series bar chart needs no legend");
        for h in svg.split(r#"height=""#).skip(1) {
            let v: f64 = h.split('"').next().and_then(|t| t.parse().ok()).expect("a height");
            assert!((0.0..=200.0).contains(&v));
        }
    }

    #[test]
    fn empty_charts_say_so_and_labels_are_escaped() {
        let svg = Chart::new("x", "Nothing <yet>", Kind::Line).render().into_string();
        assert!(svg.contains("No data"));
        assert!(svg.contains("Nothing &lt;yet&gt;"));
        let one = Chart::new("y", "One", Kind::Line)
            .labels(["<b>".to_owned()])
            .series("a&b", [5.0])
            .render()
            .into_string();
        assert!(one.contains("&lt;b&gt;") && one.contains("a&amp;b") && !one.contains("<b>"));
        let table = Chart::new("z", "T", Kind::Bar)
            .unit(Unit::Percent)
            .labels(["d1".to_owned()])
            .series("rate", [98.76])
            .table()
            .into_string();
        assert!(table.contains("<td>98.8%</td>"));
    }
}

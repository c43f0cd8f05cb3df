//! The benchmarks over time: every `./x bench` appends its figures, with the
//! date and the commit, to `docs/bench/history.tsv` (committed, so the
//! trend travels with the code), and draws one SVG chart per metric in
//! `docs/bench/` from the whole history, the goal as a dashed line. People
//! would rather look at a trend than read a table of numbers; the charts are
//! linked from docs/benchmarks.md.
//!
//! The history is a tab-separated file, one row per metric and run:
//! `date commit metric value unit goal`, the goal written as `<=N`, `>=N`
//! or `report`. The charts are plain SVG written here (no plotting
//! dependency): x is the run's place in the history, y starts at zero.

use crate::bench::{Goal, Metric};
use std::path::Path;

pub const HEADER: &str = "date\tcommit\tmetric\tvalue\tunit\tgoal";

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub date: String,
    pub commit: String,
    pub metric: String,
    pub value: f64,
    pub unit: String,
    pub goal: Goal,
}

fn goal_text(goal: Goal) -> String {
    match goal {
        Goal::AtMost(v) => format!("<={}", crate::bench::json_number(v)),
        Goal::AtLeast(v) => format!(">={}", crate::bench::json_number(v)),
        Goal::Report => "report".to_string(),
    }
}

fn parse_goal(text: &str) -> Option<Goal> {
    if let Some(v) = text.strip_prefix("<=") {
        return v.parse().ok().map(Goal::AtMost);
    }
    if let Some(v) = text.strip_prefix(">=") {
        return v.parse().ok().map(Goal::AtLeast);
    }
    (text == "report").then_some(Goal::Report)
}

impl Row {
    fn line(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            self.date,
            self.commit,
            self.metric,
            crate::bench::json_number(self.value),
            self.unit,
            goal_text(self.goal)
        )
    }
}

/// The rows of a history file; a line that is not a row is an error naming
/// its number (the file is ours, and a broken one should be noticed).
pub fn parse(text: &str) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() || line == HEADER {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let bad = || format!("docs/bench/history.tsv line {}: not `{}`: {line:?}", i + 1, HEADER.replace('\t', " "));
        let [date, commit, metric, value, unit, goal] = fields[..] else { return Err(bad()) };
        rows.push(Row {
            date: date.to_string(),
            commit: commit.to_string(),
            metric: metric.to_string(),
            value: value.parse().map_err(|_| bad())?,
            unit: unit.to_string(),
            goal: parse_goal(goal).ok_or_else(bad)?,
        });
    }
    Ok(rows)
}

/// The rows of one run's metrics.
pub fn rows_of(metrics: &[Metric], date: &str, commit: &str) -> Vec<Row> {
    metrics
        .iter()
        .map(|m| Row {
            date: date.to_string(),
            commit: commit.to_string(),
            metric: m.name.clone(),
            value: m.value,
            unit: m.unit.to_string(),
            goal: m.goal,
        })
        .collect()
}

/// `text` (a history file, perhaps empty) with `rows` appended.
pub fn append(text: &str, rows: &[Row]) -> String {
    let mut out = if text.trim().is_empty() { format!("{HEADER}\n") } else { text.to_string() };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    for row in rows {
        out.push_str(&row.line());
        out.push('\n');
    }
    out
}

/// Appends this run to `dir/history.tsv` and redraws every metric's chart
/// in `dir`. Returns the charts written.
pub fn record(dir: &Path, metrics: &[Metric], date: &str, commit: &str) -> Result<usize, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join("history.tsv");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    parse(&old)?;
    let new = append(&old, &rows_of(metrics, date, commit));
    std::fs::write(&path, &new).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let rows = parse(&new)?;
    let mut names: Vec<&str> = Vec::new();
    for row in &rows {
        if !names.contains(&row.metric.as_str()) {
            names.push(&row.metric);
        }
    }
    for name in &names {
        let svg = chart(name, &rows);
        let file = dir.join(format!("{name}.svg"));
        std::fs::write(&file, svg).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    }
    Ok(names.len())
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    date_of_day((secs / 86_400) as i64)
}

/// The civil date of a day counted from 1970-01-01 (proleptic Gregorian):
/// count whole 400-year eras (146,097 days) from 0000-03-01, so that the
/// leap day falls at the end of each year counted from March.
fn date_of_day(days: i64) -> String {
    let from_march_0000 = days + 719_468;
    let era = from_march_0000.div_euclid(146_097);
    let day_of_era = from_march_0000.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The commit measured: its short hash, with `+` when the work tree had
/// changes (the figures are then of something no commit holds).
pub fn commit(root: &Path) -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .current_dir(root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let hash = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".to_string());
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    if dirty { format!("{hash}+") } else { hash }
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 90.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;

/// A line chart of one metric over the history: one point per run, the
/// latest goal as a dashed line, the first and last runs named on the x
/// axis, the latest value written beside its point.
pub fn chart(metric: &str, rows: &[Row]) -> String {
    let points: Vec<&Row> = rows.iter().filter(|r| r.metric == metric).collect();
    let goal = points.last().map(|r| r.goal).unwrap_or(Goal::Report);
    let unit = points.last().map(|r| r.unit.as_str()).unwrap_or("");
    let goal_value = match goal {
        Goal::AtMost(v) | Goal::AtLeast(v) => Some(v),
        Goal::Report => None,
    };
    let top = points.iter().map(|r| r.value).chain(goal_value).fold(0.0f64, f64::max);
    let top = nice_ceiling(if top > 0.0 { top * 1.1 } else { 1.0 });
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |i: usize| {
        if points.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (points.len() - 1) as f64
        }
    };
    let y = |v: f64| TOP + plot_h * (1.0 - v / top);
    let mut svg = String::new();
    svg.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"sans-serif\" font-size=\"12\">\n"
    ));
    svg.push_str(&format!("<rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"white\"/>\n"));
    let title = match goal {
        Goal::AtMost(v) => format!("{metric} ({unit}), goal at most {}", label(v)),
        Goal::AtLeast(v) => format!("{metric} ({unit}), goal at least {}", label(v)),
        Goal::Report => format!("{metric} ({unit}), reported"),
    };
    svg.push_str(&format!("<text x=\"{LEFT}\" y=\"22\" font-size=\"14\" font-weight=\"bold\">{}</text>\n", escape(&title)));
    // Axes and the y scale: 0, half, top.
    svg.push_str(&format!(
        "<line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{}\" stroke=\"black\"/>\n<line x1=\"{LEFT}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"black\"/>\n",
        TOP + plot_h,
        LEFT + plot_w
    ));
    for v in [0.0, top / 2.0, top] {
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n<line x1=\"{LEFT}\" y1=\"{1:.1}\" x2=\"{}\" y2=\"{1:.1}\" stroke=\"#ddd\"/>\n",
            LEFT - 6.0,
            y(v) + 4.0,
            label(v),
            LEFT + plot_w
        ));
    }
    if let Some(g) = goal_value {
        svg.push_str(&format!(
            "<line class=\"goal\" x1=\"{LEFT}\" y1=\"{0:.1}\" x2=\"{1}\" y2=\"{0:.1}\" stroke=\"#c00\" stroke-dasharray=\"6 4\"/>\n<text x=\"{1}\" y=\"{2:.1}\" text-anchor=\"end\" fill=\"#c00\">goal {3}</text>\n",
            y(g),
            LEFT + plot_w,
            y(g) - 4.0,
            label(g)
        ));
    }
    if !points.is_empty() {
        let line: Vec<String> = points.iter().enumerate().map(|(i, r)| format!("{:.1},{:.1}", x(i), y(r.value))).collect();
        svg.push_str(&format!("<polyline fill=\"none\" stroke=\"#06c\" stroke-width=\"2\" points=\"{}\"/>\n", line.join(" ")));
        for (i, r) in points.iter().enumerate() {
            svg.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#06c\"><title>{} {}: {}</title></circle>\n",
                x(i),
                y(r.value),
                escape(&r.date),
                escape(&r.commit),
                label(r.value)
            ));
        }
        let last = points.len() - 1;
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#06c\">{}</text>\n",
            x(last),
            y(points[last].value) - 8.0,
            label(points[last].value)
        ));
        let first = points[0];
        svg.push_str(&format!(
            "<text x=\"{LEFT}\" y=\"{:.1}\">{} {}</text>\n",
            TOP + plot_h + 18.0,
            escape(&first.date),
            escape(&first.commit)
        ));
        if last > 0 {
            svg.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{} {}</text>\n",
                LEFT + plot_w,
                TOP + plot_h + 18.0,
                escape(&points[last].date),
                escape(&points[last].commit)
            ));
        }
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{} runs</text>\n",
            LEFT + plot_w / 2.0,
            TOP + plot_h + 36.0,
            points.len()
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

/// The smallest of 1, 2, 2.5, 5 times a power of ten at or above `v`, so
/// the y scale's labels are round.
fn nice_ceiling(v: f64) -> f64 {
    let power = 10f64.powf(v.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * power >= v {
            return step * power;
        }
    }
    10.0 * power
}

/// A figure as the charts write it: whole numbers of five digits or more
/// in groups of three (7,684,624), others as bench.json has them.
fn label(value: f64) -> String {
    let text = crate::bench::json_number(value);
    if value.fract() != 0.0 || value.abs() < 10_000.0 {
        return text;
    }
    let (sign, digits) = text.strip_prefix('-').map_or(("", text.as_str()), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(name: &str, value: f64, goal: Goal) -> Metric {
        Metric { name: name.to_string(), value, unit: "instr", goal, repeatable: true }
    }

    #[test]
    fn a_run_appends_rows_that_read_back() {
        let first = append("", &rows_of(&[metric("null_syscall", 125.0, Goal::AtMost(80.0))], "2026-12-04", "abc1234"));
        assert_eq!(first, format!("{HEADER}\n2026-12-04\tabc1234\tnull_syscall\t125\tinstr\t<=80\n"));
        let second = append(&first, &rows_of(&[metric("null_syscall", 113.0, Goal::AtMost(80.0)), metric("boot", 6.5e6, Goal::Report)], "2026-12-05", "def5678+"));
        let rows = parse(&second).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].value, 113.0);
        assert_eq!(rows[1].commit, "def5678+");
        assert_eq!(rows[2].goal, Goal::Report);
        assert_eq!(parse(&append(&second, &[])).unwrap(), rows, "appending nothing changes nothing");
    }

    #[test]
    fn a_broken_line_is_an_error_naming_it() {
        let err = parse(&format!("{HEADER}\n2026-12-04\tabc\tnull_syscall\tmany\tinstr\t<=80\n")).unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(parse("2026-12-04\tabc\tnull_syscall\t1\tinstr\n").is_err(), "five fields");
        assert!(parse("2026-12-04\tabc\tnull_syscall\t1\tinstr\t<80\n").is_err(), "no such goal");
    }

    #[test]
    fn the_chart_has_a_point_per_run_and_the_goal_where_it_belongs() {
        let mut text = String::new();
        for (i, v) in [953.0, 900.0, 600.0].into_iter().enumerate() {
            text = append(&text, &rows_of(&[metric("scalar_roundtrip", v, Goal::AtMost(600.0)), metric("other", 1.0, Goal::Report)], &format!("2026-12-0{}", i + 1), "c"));
        }
        let svg = chart("scalar_roundtrip", &parse(&text).unwrap());
        assert_eq!(svg.matches("<circle").count(), 3, "one point per run of this metric only");
        assert!(svg.contains("goal at most 600"));
        // Scale: 953 * 1.1 = 1048 -> 2000; the goal line at 600 of 2000.
        let expected_y = TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - 600.0 / 2000.0);
        assert!(svg.contains(&format!("class=\"goal\" x1=\"{LEFT}\" y1=\"{expected_y:.1}\"")), "{svg}");
        assert!(svg.contains("2026-12-01 c") && svg.contains("2026-12-03 c"), "first and last run named");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        let reported = chart("other", &parse(&text).unwrap());
        assert!(!reported.contains("class=\"goal\""), "a reported metric has no goal line");
    }

    #[test]
    fn dates_of_days() {
        assert_eq!(date_of_day(0), "1970-01-01");
        assert_eq!(date_of_day(59), "1970-03-01");
        assert_eq!(date_of_day(11_016), "2000-02-29");
        assert_eq!(date_of_day(20_791), "2026-12-04");
        assert_eq!(date_of_day(-1), "1969-12-31");
    }

    #[test]
    fn labels_group_large_whole_numbers() {
        assert_eq!(label(7_684_624.0), "7,684,624");
        assert_eq!(label(1_000_000.0), "1,000,000");
        assert_eq!(label(65_536.0), "65,536");
        assert_eq!(label(984.0), "984");
        assert_eq!(label(1.423), "1.423");
    }

    #[test]
    fn scales_are_round() {
        assert_eq!(nice_ceiling(1048.3), 2000.0);
        assert_eq!(nice_ceiling(137.5), 200.0);
        assert_eq!(nice_ceiling(7.2e6), 1e7);
        assert_eq!(nice_ceiling(2.2), 2.5);
        assert_eq!(nice_ceiling(50.0), 50.0);
    }
}

//! Rendering figure specs from tables with plotters (PNG and SVG).

use crate::spec::{FigureSpec, Layer, LayerKind, Style};
use anyhow::{Context, anyhow};
use arrow::record_batch::RecordBatch;
use pipeline::table;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Font family name registered for every figure.
pub const FONT: &str = "sans-serif";

/// Where the TTF comes from: `RBMLAB_FONT`, else Debian's `fonts-dejavu-core`.
const FONT_PATHS: &[&str] =
    &["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf"];

static FONT_OK: OnceLock<Result<(), String>> = OnceLock::new();

/// Registers the font once. Errors clearly when no font is installed (plotters would
/// otherwise draw figures without any text).
pub fn ensure_font() -> anyhow::Result<()> {
    FONT_OK
        .get_or_init(|| {
            let mut candidates: Vec<String> = std::env::var("RBMLAB_FONT").into_iter().collect();
            candidates.extend(FONT_PATHS.iter().map(|s| s.to_string()));
            for p in &candidates {
                if let Ok(bytes) = std::fs::read(p) {
                    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                    for style in [FontStyle::Normal, FontStyle::Bold, FontStyle::Italic, FontStyle::Oblique] {
                        plotters::style::register_font(FONT, style, bytes).map_err(|_| format!("{p} is not a valid font"))?;
                    }
                    return Ok(());
                }
            }
            Err(format!(
                "no font found (tried {}); install Debian's fonts-dejavu-core (`make deps`) or set RBMLAB_FONT to a .ttf file",
                candidates.join(", ")
            ))
        })
        .clone()
        .map_err(|e| anyhow!(e))
}

const PALETTE: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

fn color(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

/// Palette indices handed to series whose layer names no `color`: in palette order, skipping
/// the indices other layers of the figure fix, so that an automatic series never shares a
/// colour with a fixed one (until the palette is exhausted, then it wraps around). A label
/// seen before gets its colour again: a line layer and a points layer drawing the same
/// series (same label) match, and the legend lists the label once.
#[derive(Debug, Clone)]
struct AutoColors {
    fixed: Vec<usize>,
    next: usize,
    by_label: BTreeMap<String, usize>,
}

impl AutoColors {
    fn new(fixed: impl IntoIterator<Item = usize>) -> Self {
        let mut fixed: Vec<usize> = fixed.into_iter().map(|c| c % PALETTE.len()).collect();
        fixed.sort_unstable();
        fixed.dedup();
        Self { fixed, next: 0, by_label: BTreeMap::new() }
    }

    /// The colour of a series with this label (a fresh one for a new or absent label).
    fn for_label(&mut self, label: Option<&str>) -> usize {
        if let Some(&c) = label.and_then(|l| self.by_label.get(l)) {
            return c;
        }
        let c = self.take();
        if let Some(l) = label {
            self.by_label.insert(l.to_string(), c);
        }
        c
    }

    fn take(&mut self) -> usize {
        if self.fixed.len() < PALETTE.len() {
            while self.fixed.contains(&(self.next % PALETTE.len())) {
                self.next += 1;
            }
        }
        self.next += 1;
        self.next - 1
    }
}

/// Tables of one layer: every part of `stage.output`.
pub type LayerTables = Vec<RecordBatch>;

/// One drawable series.
#[derive(Debug, Clone)]
struct Series {
    label: Option<String>,
    kind: LayerKind,
    style: Style,
    color: usize,
    /// (x, y, s.e.) with s.e. NaN when not aggregated.
    pts: Vec<(f64, f64, f64)>,
}

fn column_or_none(t: &RecordBatch, c: &str) -> Option<Vec<f64>> {
    table::col_f64(t, c).ok()
}

fn fmt_val(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 { format!("{}", v as i64) } else { pipeline::value::fmt_float(v) }
}

/// Builds the series of one layer restricted to `panel` (column, value).
fn layer_series(
    l: &Layer,
    tables: &[RecordBatch],
    panel: Option<(&str, f64)>,
    next_color: &mut AutoColors,
) -> anyhow::Result<Vec<Series>> {
    if l.kind == LayerKind::Heatmap {
        // Drawn as cells by `crate::heatmap`, not as a series.
        return Ok(Vec::new());
    }
    // series value (as its label text) -> rows (x, y); series in order of first appearance.
    let mut groups: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for t in tables {
        let xs = table::col_f64(t, &l.x).with_context(|| format!("layer from {}.{}", l.stage, l.output))?;
        let ys = match &l.y {
            Some(y) => table::col_f64(t, y).with_context(|| format!("layer from {}.{}", l.stage, l.output))?,
            None => vec![0.0; xs.len()],
        };
        let pcol = panel.and_then(|(c, _)| column_or_none(t, c));
        let scol = l.series.as_ref().map(|s| series_values(t, s)).transpose()?;
        let filters: Vec<(Vec<f64>, f64)> =
            l.filter.iter().map(|(c, v)| Ok((table::col_f64(t, c)?, *v))).collect::<anyhow::Result<_>>()?;
        for i in 0..xs.len() {
            if let (Some(pc), Some((_, pv))) = (&pcol, panel)
                && pc[i] != pv
            {
                continue;
            }
            if filters.iter().any(|(c, v)| c[i] != *v) {
                continue;
            }
            let s = scol.as_ref().map(|c| c[i].clone()).unwrap_or_default();
            if !groups.contains_key(&s) {
                order.push(s.clone());
            }
            groups.entry(s).or_default().push((xs[i], ys[i]));
        }
    }
    let mut out = Vec::new();
    for s in order {
        let rows = &groups[&s];
        let mut pts: Vec<(f64, f64, f64)> = if l.mean_sem {
            let mut by_x: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
            for (x, y) in rows {
                by_x.entry(x.to_bits()).or_default().push(*y);
            }
            by_x.into_iter()
                .map(|(x, ys)| {
                    let n = ys.len() as f64;
                    let m = ys.iter().sum::<f64>() / n;
                    let se = if ys.len() > 1 {
                        (ys.iter().map(|y| (y - m).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt()
                    } else {
                        f64::NAN
                    };
                    (f64::from_bits(x), m, se)
                })
                .collect()
        } else {
            rows.iter().map(|(x, y)| (*x, *y, f64::NAN)).collect()
        };
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let label = match (&l.label, &l.series) {
            (Some(lab), Some(_)) => Some(lab.replace("{value}", &s)),
            (Some(lab), None) => Some(lab.clone()),
            (None, Some(sc)) => Some(format!("{sc} = {s}")),
            (None, None) => None,
        };
        let c = l.color.unwrap_or_else(|| next_color.for_label(label.as_deref()));
        out.push(Series { label, kind: l.kind, style: l.style, color: c, pts });
    }
    Ok(out)
}

/// Values of a layer's `series` column as label text: numbers (formatted as in labels) or
/// strings (e.g. an estimator's name).
fn series_values(t: &RecordBatch, c: &str) -> anyhow::Result<Vec<String>> {
    match t.schema().field_with_name(c).map(|f| f.data_type().clone()) {
        Ok(arrow::datatypes::DataType::Utf8 | arrow::datatypes::DataType::LargeUtf8) => table::col_str(t, c),
        _ => Ok(table::col_f64(t, c)?.into_iter().map(fmt_val).collect()),
    }
}

fn tf(v: f64, log: bool) -> f64 {
    if log { v.log10() } else { v }
}

fn range(vals: impl Iterator<Item = f64>, fixed: Option<(f64, f64)>, log: bool) -> (f64, f64) {
    if let Some((a, b)) = fixed {
        return (tf(a, log), tf(b, log));
    }
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in vals {
        let v = tf(v, log);
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        return (lo - 0.5, hi + 0.5);
    }
    let pad = 0.05 * (hi - lo);
    (lo - pad, hi + pad)
}

/// Renders one figure to `<dir>/<name>.png` and `.svg`; `tables` maps (stage, output) to
/// its parts; `footer` is the provenance line. Returns the written paths.
pub fn render(
    spec: &FigureSpec,
    tables: &BTreeMap<(String, String), LayerTables>,
    footer: &str,
    dir: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    ensure_font()?;
    std::fs::create_dir_all(dir)?;
    let panels = panel_values(spec, tables);
    let w = 560 * panels.len().max(1) as u32 + 40;
    let h = 480u32;
    let png = dir.join(format!("{}.png", spec.name));
    let svg = dir.join(format!("{}.svg", spec.name));
    let tmp_png = dir.join(format!(".{}.{}.tmp.png", spec.name, std::process::id()));
    let tmp_svg = dir.join(format!(".{}.{}.tmp.svg", spec.name, std::process::id()));
    {
        let root = BitMapBackend::new(&tmp_png, (w, h)).into_drawing_area();
        draw(&root, spec, tables, &panels, footer)?;
        root.present().map_err(|e| anyhow!("writing {}: {e:?}", png.display()))?;
    }
    {
        let root = SVGBackend::new(&tmp_svg, (w, h)).into_drawing_area();
        draw(&root, spec, tables, &panels, footer)?;
        root.present().map_err(|e| anyhow!("writing {}: {e:?}", svg.display()))?;
    }
    std::fs::rename(&tmp_png, &png)?;
    std::fs::rename(&tmp_svg, &svg)?;
    Ok(vec![png, svg])
}

/// Renders into an RGB buffer (used by tests to check that text was drawn).
pub fn render_rgb(
    spec: &FigureSpec,
    tables: &BTreeMap<(String, String), LayerTables>,
    footer: &str,
) -> anyhow::Result<(u32, u32, Vec<u8>)> {
    ensure_font()?;
    let panels = panel_values(spec, tables);
    let (w, h) = (560 * panels.len().max(1) as u32 + 40, 480u32);
    let mut buf = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        draw(&root, spec, tables, &panels, footer)?;
        root.present().map_err(|e| anyhow!("{e:?}"))?;
    }
    Ok((w, h, buf))
}

fn panel_values(spec: &FigureSpec, tables: &BTreeMap<(String, String), LayerTables>) -> Vec<Option<f64>> {
    let Some(pc) = &spec.panels else {
        return vec![None];
    };
    let mut vals: Vec<f64> = Vec::new();
    for l in &spec.layers {
        for t in tables.get(&(l.stage.clone(), l.output.clone())).into_iter().flatten() {
            if let Some(c) = column_or_none(t, pc) {
                vals.extend(c);
            }
        }
    }
    vals.sort_by(f64::total_cmp);
    vals.dedup();
    if vals.is_empty() { vec![None] } else { vals.into_iter().map(Some).collect() }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &FigureSpec,
    tables: &BTreeMap<(String, String), LayerTables>,
    panels: &[Option<f64>],
    footer: &str,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing figure {}: {e:?}", spec.name);
    root.fill(&WHITE).map_err(err)?;
    let (w, h) = root.dim_in_pixel();
    let (main, foot) = root.split_vertically(h - 26);
    let (title, body) = main.split_vertically(34);
    title.draw_text(&spec.title, &TextStyle::from((FONT, 20).into_font()).color(&BLACK), (12, 8)).map_err(err)?;
    foot.draw_text(footer, &TextStyle::from((FONT, 12).into_font()).color(&RGBColor(80, 80, 80)), (12, 6))
        .map_err(err)?;
    let _ = w;
    let areas = body.split_evenly((1, panels.len().max(1)));
    for (area, pv) in areas.iter().zip(panels) {
        let panel = spec.panels.as_deref().zip(*pv);
        if let Some((l, o)) = spec.layers.iter().find_map(|l| l.image.as_ref().map(|o| (l, o))) {
            let ts = tables.get(&(l.stage.clone(), l.output.clone())).map(|v| v.as_slice()).unwrap_or(&[]);
            let caption = panel.map(|(c, v)| format!("{c} = {}", fmt_val(v))).unwrap_or_default();
            crate::raster::draw_panel(area, spec, l, o, ts, panel, &caption)?;
            continue;
        }
        let mut next_color = AutoColors::new(spec.layers.iter().filter_map(|l| l.color));
        let mut series = Vec::new();
        for l in &spec.layers {
            let ts = tables.get(&(l.stage.clone(), l.output.clone())).map(|v| v.as_slice()).unwrap_or(&[]);
            series.extend(layer_series(l, ts, panel, &mut next_color)?);
        }
        let (xl, yl) = (spec.x.log, spec.y.log);
        // Heatmap cells (in transformed coordinates) and the extents they add to the ranges.
        let mut heat = Vec::new();
        for l in &spec.layers {
            if let Some(o) = &l.heat {
                let ts = tables.get(&(l.stage.clone(), l.output.clone())).map(|v| v.as_slice()).unwrap_or(&[]);
                heat.push((o, crate::heatmap::collect(l, o, ts, panel, |v| tf(v, xl), |v| tf(v, yl))?));
            }
        }
        let inv = |v: f64, log: bool| if log { 10f64.powf(v) } else { v };
        let heat_x: Vec<f64> = heat
            .iter()
            .flat_map(|(_, c)| c.pts.iter().flat_map(move |p| [p.0 - 0.5 * c.size.0, p.0 + 0.5 * c.size.0]))
            .map(|v| inv(v, xl))
            .collect();
        let heat_y: Vec<f64> = heat
            .iter()
            .flat_map(|(_, c)| c.pts.iter().flat_map(move |p| [p.1 - 0.5 * c.size.1, p.1 + 0.5 * c.size.1]))
            .map(|v| inv(v, yl))
            .collect();
        let xr = range(series.iter().flat_map(|s| s.pts.iter().map(|p| p.0)).chain(heat_x), spec.x.range, spec.x.log);
        let yr = range(
            series
                .iter()
                .filter(|s| s.kind != LayerKind::Vline)
                .flat_map(|s| s.pts.iter().flat_map(|p| [p.1, p.1 - p.2.max(0.0), p.1 + p.2.max(0.0)]))
                .chain(heat_y),
            spec.y.range,
            spec.y.log,
        );
        // A continuous heatmap reserves a strip on the right of the panel for its colour bar.
        let bar = heat.iter().find(|(o, _)| o.levels.is_empty()).map(|(o, _)| *o);
        let (plot_area, bar_area) = match bar {
            Some(_) => {
                let (pw, _) = area.dim_in_pixel();
                let (a, b) = area.split_horizontally(pw.saturating_sub(96));
                (a, Some(b))
            }
            None => (area.clone(), None),
        };
        let caption = match panel {
            Some((c, v)) => format!("{c} = {}", fmt_val(v)),
            None => String::new(),
        };
        let mut cb = ChartBuilder::on(&plot_area);
        cb.margin(12).x_label_area_size(42).y_label_area_size(62);
        if !caption.is_empty() {
            cb.caption(caption, (FONT, 16));
        }
        let mut chart = cb.build_cartesian_2d(xr.0..xr.1, yr.0..yr.1).map_err(err)?;
        let xfmt = move |v: &f64| {
            if xl { fmt_tick(round_sig(10f64.powf(*v), 3)) } else { fmt_tick(*v) }
        };
        let yfmt = move |v: &f64| {
            if yl { fmt_tick(round_sig(10f64.powf(*v), 3)) } else { fmt_tick(*v) }
        };
        chart
            .configure_mesh()
            .x_desc(spec.x.label.as_str())
            .y_desc(spec.y.label.as_str())
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        let mut any_label = false;
        // A label drawn by an earlier layer (the same series as line and as points) is listed once.
        let mut legend_seen = std::collections::BTreeSet::new();
        for (o, cells) in &heat {
            let zr = crate::heatmap::z_range(o, &[cells]);
            let (hx, hy) = (0.5 * cells.size.0, 0.5 * cells.size.1);
            chart
                .draw_series(cells.pts.iter().map(|p| {
                    let c = crate::heatmap::cell_colour(o, p.2, zr, color);
                    Rectangle::new([(p.0 - hx, p.1 - hy), (p.0 + hx, p.1 + hy)], c.filled())
                }))
                .map_err(err)?;
            for (i, name) in o.levels.iter().enumerate() {
                let c = color(i);
                any_label = true;
                chart
                    .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
                    .map_err(err)?
                    .label(name.clone())
                    .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
            }
            if let (Some(b), true) = (&bar_area, o.levels.is_empty()) {
                crate::heatmap::draw_colorbar(b, o, zr, FONT).map_err(err)?;
            }
        }
        for s in &series {
            let c = color(s.color);
            let pts: Vec<(f64, f64, f64)> = s
                .pts
                .iter()
                .map(|p| (tf(p.0, xl), tf(p.1, yl), p.2))
                .filter(|p| p.0.is_finite() && p.1.is_finite())
                .collect();
            let anno = match s.kind {
                LayerKind::Line => {
                    let xy: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.1)).collect();
                    match s.style {
                        Style::Solid => chart.draw_series(LineSeries::new(xy, c.stroke_width(2))).map_err(err)?,
                        Style::Dashed => {
                            chart.draw_series(DashedLineSeries::new(xy, 6, 4, c.stroke_width(2))).map_err(err)?
                        }
                    }
                }
                LayerKind::Points => {
                    let bars: Vec<PathElement<(f64, f64)>> = pts
                        .iter()
                        .filter(|p| p.2.is_finite() && p.2 > 0.0)
                        .flat_map(|p| {
                            let (lo, hi) = (tf(10f64.powf(p.1) - p.2, yl), tf(10f64.powf(p.1) + p.2, yl));
                            let (lo, hi) = if yl { (lo, hi) } else { (p.1 - p.2, p.1 + p.2) };
                            let dx = (xr.1 - xr.0) * 0.006;
                            vec![
                                PathElement::new(vec![(p.0, lo), (p.0, hi)], c.stroke_width(1)),
                                PathElement::new(vec![(p.0 - dx, lo), (p.0 + dx, lo)], c.stroke_width(1)),
                                PathElement::new(vec![(p.0 - dx, hi), (p.0 + dx, hi)], c.stroke_width(1)),
                            ]
                        })
                        .collect();
                    chart.draw_series(bars).map_err(err)?;
                    chart.draw_series(pts.iter().map(|p| Circle::new((p.0, p.1), 4, c.filled()))).map_err(err)?
                }
                // Drawn by `crate::raster` before the chart is built.
                LayerKind::Raster | LayerKind::ImageGrid | LayerKind::Heatmap => continue,
                LayerKind::Vline | LayerKind::Hline => {
                    let mut vals: Vec<f64> =
                        pts.iter().map(|p| if s.kind == LayerKind::Vline { p.0 } else { p.1 }).collect();
                    vals.sort_by(f64::total_cmp);
                    vals.dedup();
                    let lines: Vec<Vec<(f64, f64)>> = vals
                        .iter()
                        .map(|v| {
                            if s.kind == LayerKind::Vline {
                                vec![(*v, yr.0), (*v, yr.1)]
                            } else {
                                vec![(xr.0, *v), (xr.1, *v)]
                            }
                        })
                        .collect();
                    let mut last = None;
                    for l in lines {
                        last = Some(chart.draw_series(DashedLineSeries::new(l, 4, 4, c.stroke_width(1))).map_err(err)?);
                    }
                    match last {
                        Some(a) => a,
                        None => continue,
                    }
                }
            };
            if let Some(lab) = s.label.as_ref().filter(|l| legend_seen.insert(l.as_str())) {
                any_label = true;
                anno.label(lab.clone())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(3)));
            }
        }
        if any_label {
            chart
                .configure_series_labels()
                .position(match spec.legend.as_str() {
                    "upper_middle" => SeriesLabelPosition::UpperMiddle,
                    "upper_right" => SeriesLabelPosition::UpperRight,
                    "middle_left" => SeriesLabelPosition::MiddleLeft,
                    "middle_middle" => SeriesLabelPosition::MiddleMiddle,
                    "middle_right" => SeriesLabelPosition::MiddleRight,
                    "lower_left" => SeriesLabelPosition::LowerLeft,
                    "lower_middle" => SeriesLabelPosition::LowerMiddle,
                    "lower_right" => SeriesLabelPosition::LowerRight,
                    _ => SeriesLabelPosition::UpperLeft,
                })
                .label_font((FONT, 13))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .draw()
                .map_err(err)?;
        }
    }
    Ok(())
}

/// `v` rounded to `digits` significant digits (tick labels of a log axis, whose ticks sit at
/// round values of log10 v and so at ragged values of v).
fn round_sig(v: f64, digits: i32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(digits - 1 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

fn fmt_tick(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{v:.0e}")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_may_be_a_string_column_and_label_each_curve_by_its_value() {
        let root = pipeline::yaml::parse_str(
            "title: t\nx: {column: d, label: d, scale: log}\ny: {label: th}\nlayers:\n  - {from: c.thresholds, kind: line, y: threshold, series: method, label: \"{value}\"}\n  - {from: c.thresholds, kind: points, y: threshold, series: method}\n",
            std::path::Path::new("t.yaml"),
        )
        .unwrap();
        let f = crate::spec::parse("f", &root).unwrap();
        let t = pipeline::table::TableBuilder::new()
            .f64("d", vec![1000.0, 2000.0, 1000.0, 2000.0])
            .str("method", ["PCA", "PCA", "L-BFGS", "L-BFGS"].map(String::from).to_vec())
            .f64("threshold", vec![0.7, 0.71, 0.9, 0.85])
            .build()
            .unwrap();
        let mut next = AutoColors::new([]);
        let s = layer_series(&f.layers[0], std::slice::from_ref(&t), None, &mut next).unwrap();
        let got: Vec<(Option<String>, Vec<f64>)> =
            s.iter().map(|s| (s.label.clone(), s.pts.iter().map(|p| p.1).collect())).collect();
        assert_eq!(got, vec![(Some("PCA".into()), vec![0.7, 0.71]), (Some("L-BFGS".into()), vec![0.9, 0.85])]);
        assert_ne!(s[0].color, s[1].color);
        let unlabeled = layer_series(&f.layers[1], std::slice::from_ref(&t), None, &mut next).unwrap();
        assert_eq!(unlabeled[0].label.as_deref(), Some("method = PCA"));
        assert!(unlabeled.iter().all(|u| u.color != s[0].color && u.color != s[1].color));
        // The same labels in a second layer (points over the lines) reuse the lines' colours.
        let again = layer_series(&f.layers[0], std::slice::from_ref(&t), None, &mut next).unwrap();
        assert_eq!(again.iter().map(|x| x.color).collect::<Vec<_>>(), s.iter().map(|x| x.color).collect::<Vec<_>>());
        let mut tables = BTreeMap::new();
        tables.insert(("c".to_string(), "thresholds".to_string()), vec![t]);
        render_rgb(&f, &tables, "footer").unwrap();
    }

    #[test]
    fn log_axis_ticks_show_three_significant_digits() {
        assert_eq!(fmt_tick(round_sig(501.1872, 3)), "501");
        assert_eq!(fmt_tick(round_sig(630.9573, 3)), "631");
        assert_eq!(fmt_tick(round_sig(0.0012589, 3)), "0.0013");
        assert_eq!(fmt_tick(round_sig(3162.2776, 3)), "3160");
        assert_eq!(round_sig(0.0, 3), 0.0);
    }

    #[test]
    fn automatic_colours_skip_the_fixed_ones_and_wrap_when_the_palette_is_used_up() {
        let mut a = AutoColors::new([0, 2, 12]); // 12 wraps to 2
        let got: Vec<usize> = (0..4).map(|_| a.take() % PALETTE.len()).collect();
        assert_eq!(got, vec![1, 3, 4, 5]);
        let mut all = AutoColors::new(0..PALETTE.len());
        assert_eq!((0..3).map(|_| all.take()).collect::<Vec<_>>(), vec![0, 1, 2]);
    }
}

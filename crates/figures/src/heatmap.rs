//! Heatmap layers: one filled cell per table row at its `(x, y)`, coloured by a third
//! column, with a colour bar (continuous) or a legend of named categories.
//!
//! ```yaml
//! figures:
//!   landscape:
//!     title: Free energy F(h1, h2)
//!     x: {column: h1, label: "h₁"}
//!     y: {label: "h₂"}
//!     layers:
//!       - {from: landscape.grid, kind: heatmap, y: h2, heatmap: {z: f_rel, label: "F − min F"}}
//!       - {from: landscape.minima, kind: points, y: h2, label: minima}
//!   phases:
//!     x: {column: inv_sigma}
//!     layers:
//!       - from: rs.grid
//!         kind: heatmap
//!         y: w_over_sigma
//!         heatmap: {z: phase_code, levels: [paramagnetic, ferromagnetic, spin glass]}
//! ```
//!
//! `heatmap:` keys: `z` (required, the colour column), `label` (colour-bar title), `scale`
//! (`linear` | `log`: colour by log10 z; rows with z <= 0 are not drawn), `range: [min, max]`
//! (colour range; values outside are clamped; default: the data's range in the panel) and
//! `levels` (category names: z is then an integer index, cell colour = palette colour of the
//! index, and the legend lists the names instead of a colour bar).
//!
//! Cells are centred on the rows' coordinates and are as wide (high) as the smallest gap
//! between distinct x (y) values of the layer, so a regular grid tiles the plane. A panel
//! with a continuous heatmap reserves a strip on its right for the colour bar.

use crate::spec::{Layer, e, entries, num, text};
use anyhow::Context;
use arrow::record_batch::RecordBatch;
use pipeline::ConfigError;
use pipeline::spec::join;
use pipeline::table;
use pipeline::yaml::{Kind, Node};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Options of a heatmap layer.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatOpts {
    /// Colour column.
    pub z: String,
    /// Colour-bar title.
    pub label: String,
    /// Colour by log10 z.
    pub log: bool,
    /// Fixed colour range.
    pub range: Option<(f64, f64)>,
    /// Category names (categorical heatmap) or empty (continuous).
    pub levels: Vec<String>,
}

/// Parses the `heatmap:` mapping of a layer.
pub fn parse_heat(n: &Node, path: &str) -> Result<HeatOpts, ConfigError> {
    entries(n, path, &["z", "label", "scale", "range", "levels"])?;
    let z = n
        .get("z")
        .ok_or_else(|| e(n, path, "a heatmap needs `z` (the colour column)"))
        .and_then(|c| text(c, &join(path, "z")))?;
    let label = n.get("label").map(|c| text(c, &join(path, "label"))).transpose()?.unwrap_or_else(|| z.clone());
    let log = match n.get("scale").map(|s| text(s, &join(path, "scale"))).transpose()?.as_deref() {
        None | Some("linear") => false,
        Some("log") => true,
        Some(o) => return Err(e(n, &join(path, "scale"), format!("scale must be linear or log, got `{o}`"))),
    };
    let range = match n.get("range") {
        None => None,
        Some(r) => match &r.kind {
            Kind::Seq(v) if v.len() == 2 => {
                let (a, b) = (num(&v[0], &join(path, "range"))?, num(&v[1], &join(path, "range"))?);
                if !(b > a) || (log && a <= 0.0) {
                    return Err(e(
                        r,
                        &join(path, "range"),
                        "expected [min, max] with min < max (min > 0 on a log scale)",
                    ));
                }
                Some((a, b))
            }
            _ => return Err(e(r, &join(path, "range"), "expected [min, max]")),
        },
    };
    let levels = match n.get("levels") {
        None => vec![],
        Some(v) => match &v.kind {
            Kind::Seq(items) if !items.is_empty() => {
                items.iter().map(|c| text(c, &join(path, "levels"))).collect::<Result<_, _>>()?
            }
            _ => return Err(e(v, &join(path, "levels"), "expected a non-empty list of category names")),
        },
    };
    Ok(HeatOpts { z, label, log, range, levels })
}

/// Cells of one heatmap layer in one panel: `(x, y, z)` plus the cell size.
#[derive(Debug, Clone)]
pub struct Cells {
    /// `(x, y, z)` rows (untransformed).
    pub pts: Vec<(f64, f64, f64)>,
    /// Cell width and height in plot coordinates (after any log transform of the axes).
    pub size: (f64, f64),
}

/// Smallest positive gap between distinct sorted values (1 when there is a single value).
fn min_gap(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.dedup();
    let g = v.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0.0).fold(f64::INFINITY, f64::min);
    if g.is_finite() { g } else { 1.0 }
}

/// Reads the cells of `l` restricted to `panel`, with axes transformed by `tx`, `ty`.
pub fn collect(
    l: &Layer,
    opts: &HeatOpts,
    tables: &[RecordBatch],
    panel: Option<(&str, f64)>,
    tx: impl Fn(f64) -> f64,
    ty: impl Fn(f64) -> f64,
) -> anyhow::Result<Cells> {
    let mut pts = Vec::new();
    let ctx = || format!("heatmap layer from {}.{}", l.stage, l.output);
    for t in tables {
        let xs = table::col_f64(t, &l.x).with_context(ctx)?;
        let ys = table::col_f64(t, l.y.as_deref().unwrap_or_default()).with_context(ctx)?;
        let zs = table::col_f64(t, &opts.z).with_context(ctx)?;
        let pc = panel.and_then(|(c, _)| table::col_f64(t, c).ok());
        let filters: Vec<(Vec<f64>, f64)> =
            l.filter.iter().map(|(c, v)| Ok((table::col_f64(t, c)?, *v))).collect::<anyhow::Result<_>>()?;
        for i in 0..xs.len() {
            if let (Some(c), Some((_, v))) = (&pc, panel)
                && c[i] != v
            {
                continue;
            }
            if filters.iter().any(|(c, v)| c[i] != *v) {
                continue;
            }
            let (x, y) = (tx(xs[i]), ty(ys[i]));
            if x.is_finite() && y.is_finite() && zs[i].is_finite() && (!opts.log || zs[i] > 0.0) {
                pts.push((x, y, zs[i]));
            }
        }
    }
    let size = (min_gap(pts.iter().map(|p| p.0).collect()), min_gap(pts.iter().map(|p| p.1).collect()));
    Ok(Cells { pts, size })
}

const VIRIDIS: [(u8, u8, u8); 5] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)];

/// Viridis colour of `t` in [0, 1] (clamped; piecewise linear through five anchors).
pub fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let s = t * 4.0;
    let k = (s.floor() as usize).min(3);
    let f = s - k as f64;
    let (a, b) = (VIRIDIS[k], VIRIDIS[k + 1]);
    let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Colour range of continuous cells (in colour coordinates: log10 z on a log scale).
pub fn z_range(opts: &HeatOpts, cells: &[&Cells]) -> (f64, f64) {
    let tz = |z: f64| if opts.log { z.log10() } else { z };
    if let Some((a, b)) = opts.range {
        return (tz(a), tz(b));
    }
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for c in cells {
        for p in &c.pts {
            let z = tz(p.2);
            lo = lo.min(z);
            hi = hi.max(z);
        }
    }
    if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi - lo < 1e-300 {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    }
}

/// Fill colour of one cell.
pub fn cell_colour(opts: &HeatOpts, z: f64, zr: (f64, f64), palette: impl Fn(usize) -> RGBColor) -> RGBColor {
    if opts.levels.is_empty() {
        let v = if opts.log { z.log10() } else { z };
        viridis((v - zr.0) / (zr.1 - zr.0))
    } else {
        palette(z.round().max(0.0) as usize)
    }
}

/// Draws a vertical colour bar for `zr` into `area`, titled `opts.label`.
pub fn draw_colorbar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    opts: &HeatOpts,
    zr: (f64, f64),
    font: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut cb = ChartBuilder::on(area);
    cb.margin_top(40).margin_bottom(54).margin_right(4).right_y_label_area_size(52);
    let mut chart = cb.build_cartesian_2d(0.0..1.0, zr.0..zr.1)?;
    let log = opts.log;
    let fmt = move |v: &f64| {
        let x = if log { 10f64.powf(*v) } else { *v };
        let a = x.abs();
        if a == 0.0 {
            "0".into()
        } else if !(1e-3..1e4).contains(&a) {
            format!("{x:.0e}")
        } else {
            let s = format!("{x:.3}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_label_formatter(&fmt)
        .label_style((font, 12))
        .draw()?;
    let n = 128;
    let h = (zr.1 - zr.0) / n as f64;
    chart.draw_series((0..n).map(|k| {
        let z0 = zr.0 + k as f64 * h;
        Rectangle::new([(0.0, z0), (1.0, z0 + h)], viridis((k as f64 + 0.5) / n as f64).filled())
    }))?;
    area.draw_text(&opts.label, &TextStyle::from((font, 13).into_font()).color(&BLACK), (4, 18))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends_and_gaps() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(2.0), viridis(1.0));
        assert_eq!(viridis(0.5), RGBColor(33, 145, 140));
        assert!((min_gap(vec![0.0, 0.5, 0.5, 1.5]) - 0.5).abs() < 1e-15);
        assert_eq!(min_gap(vec![3.0]), 1.0);
    }

    #[test]
    fn categorical_cells_take_palette_colours_and_continuous_cells_span_viridis() {
        let cat = HeatOpts {
            z: "c".into(),
            label: "c".into(),
            log: false,
            range: None,
            levels: vec!["a".into(), "b".into()],
        };
        let pal = |i: usize| RGBColor(i as u8, 0, 0);
        assert_eq!(cell_colour(&cat, 1.0, (0.0, 1.0), pal), RGBColor(1, 0, 0));
        let cont = HeatOpts { levels: vec![], log: true, ..cat };
        let cells = Cells { pts: vec![(0.0, 0.0, 0.01), (1.0, 0.0, 10.0)], size: (1.0, 1.0) };
        let zr = z_range(&cont, &[&cells]);
        assert!((zr.0 + 2.0).abs() < 1e-12 && (zr.1 - 1.0).abs() < 1e-12);
        assert_eq!(cell_colour(&cont, 10.0, zr, pal), viridis(1.0));
        assert_eq!(cell_colour(&cont, 0.01, zr, pal), viridis(0.0));
    }
}

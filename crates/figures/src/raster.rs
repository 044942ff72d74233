//! Image layers: `raster` (a sample matrix drawn as an image, one row per sample) and
//! `image_grid` (each sample reshaped to an image, tiled in a grid). Both read a
//! fixed-width binary column of `i8` values, the sample-table layout of the stages crate
//! (one row per sample; byte `j` of a row is unit `j`).
//!
//! ```yaml
//! figures:
//!   ising_configurations:
//!     title: 10 000 Ising configurations
//!     x: {label: "site i"}
//!     y: {label: "configuration"}
//!     layers:
//!       - from: ising.samples
//!         kind: raster
//!         image: {column: v, rows: 10000, colormap: gray_r}
//!   digits:
//!     title: Binarised MNIST
//!     layers:
//!       - from: mnist.samples
//!         kind: image_grid
//!         image: {column: v, shape: [28, 28], grid_cols: 10, group: label, colormap: gray}
//! ```
//!
//! `image:` keys: `column` (required, the binary column), `rows` (at most this many samples,
//! taken in table order after `filter` and panel selection), `shape: [height, width]`
//! (`image_grid` only; default square), `grid_cols` (tiles per grid row, default 10), `group`
//! (`image_grid` only: one grid row per distinct value of this numeric column, sorted, with the
//! first `grid_cols` samples of each), `colormap` and `vmin`/`vmax` (default: the data's range).
//!
//! Colour maps: `gray` (vmin black → vmax white), `gray_r` (vmin white → vmax black), `viridis`
//! (piecewise-linear through five viridis anchors), `hsv` (cyclic hue for Potts states:
//! `hue = 360° (v − vmin)/(vmax − vmin + 1)`, so state `vmax + 1` would wrap to `vmin`).
//!
//! Rendering: when the matrix has more rows or columns than the plot has pixels, each display
//! cell shows the sample/site at its centre (nearest neighbour, never averaged, so a ±1 raster
//! stays black and white). Runs of equal colour along a display row are merged into one
//! rectangle, which keeps the SVG small.

use crate::spec::{Layer, e, entries, num, text};
use anyhow::{Context, anyhow};
use arrow::record_batch::RecordBatch;
use pipeline::ConfigError;
use pipeline::spec::join;
use pipeline::table;
use pipeline::yaml::{Kind, Node};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Colour map of an image layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Colormap {
    /// vmin black → vmax white.
    Gray,
    /// vmin white → vmax black.
    GrayR,
    /// Viridis (five anchors, linear in between).
    Viridis,
    /// Cyclic hue (Potts states).
    Hsv,
}

/// Options of a `raster` or `image_grid` layer (the `image:` mapping).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageOpts {
    /// Fixed-width binary column holding one sample per row (`i8` per unit).
    pub column: String,
    /// At most this many samples.
    pub max_rows: Option<usize>,
    /// Image shape `(height, width)` for `image_grid`.
    pub shape: Option<(usize, usize)>,
    /// Tiles per grid row.
    pub grid_cols: usize,
    /// Group column (`image_grid`): one grid row per value.
    pub group: Option<String>,
    /// Colour map.
    pub colormap: Colormap,
    /// Value mapped to the low end of the colour map.
    pub vmin: Option<f64>,
    /// Value mapped to the high end.
    pub vmax: Option<f64>,
}

fn count(n: &Node, path: &str) -> Result<usize, ConfigError> {
    match n.kind {
        Kind::Int(i) if i >= 1 => Ok(i as usize),
        _ => Err(e(n, path, "expected an integer >= 1")),
    }
}

/// Parses the `image:` mapping of a layer at `path`.
pub fn parse_image(n: &Node, path: &str) -> Result<ImageOpts, ConfigError> {
    entries(n, path, &["column", "rows", "shape", "grid_cols", "group", "colormap", "vmin", "vmax"])?;
    let column = n
        .get("column")
        .ok_or_else(|| e(n, path, "an image layer needs `column` (a fixed-width binary column)"))
        .and_then(|c| text(c, &join(path, "column")))?;
    let max_rows = n.get("rows").map(|c| count(c, &join(path, "rows"))).transpose()?;
    let shape = match n.get("shape") {
        None => None,
        Some(s) => match &s.kind {
            Kind::Seq(v) if v.len() == 2 => {
                Some((count(&v[0], &join(path, "shape"))?, count(&v[1], &join(path, "shape"))?))
            }
            _ => return Err(e(s, &join(path, "shape"), "expected [height, width]")),
        },
    };
    let grid_cols = n.get("grid_cols").map(|c| count(c, &join(path, "grid_cols"))).transpose()?.unwrap_or(10);
    let group = n.get("group").map(|c| text(c, &join(path, "group"))).transpose()?;
    let colormap = match n.get("colormap").map(|c| text(c, &join(path, "colormap"))).transpose()?.as_deref() {
        None | Some("gray") => Colormap::Gray,
        Some("gray_r") => Colormap::GrayR,
        Some("viridis") => Colormap::Viridis,
        Some("hsv") => Colormap::Hsv,
        Some(o) => {
            return Err(e(
                n,
                &join(path, "colormap"),
                format!("colormap must be gray, gray_r, viridis or hsv, got `{o}`"),
            ));
        }
    };
    let vmin = n.get("vmin").map(|c| num(c, &join(path, "vmin"))).transpose()?;
    let vmax = n.get("vmax").map(|c| num(c, &join(path, "vmax"))).transpose()?;
    if let (Some(a), Some(b)) = (vmin, vmax)
        && a >= b
    {
        return Err(e(n, path, format!("vmin ({a}) must be below vmax ({b})")));
    }
    Ok(ImageOpts { column, max_rows, shape, grid_cols, group, colormap, vmin, vmax })
}

/// A sample matrix gathered from a layer's tables.
#[derive(Debug, Clone, PartialEq)]
pub struct Cells {
    /// Number of samples (rows).
    pub rows: usize,
    /// Units per sample (columns).
    pub cols: usize,
    /// Row-major values.
    pub vals: Vec<i8>,
    /// Group value of each row (NaN when the layer has no `group`).
    pub groups: Vec<f64>,
}

/// Collects the rows of `opts.column` from `tables` that pass the layer's filters and the
/// panel selection, in table order, up to `opts.max_rows`.
pub fn collect(
    l: &Layer,
    opts: &ImageOpts,
    tables: &[RecordBatch],
    panel: Option<(&str, f64)>,
) -> anyhow::Result<Cells> {
    let mut cells = Cells { rows: 0, cols: 0, vals: Vec::new(), groups: Vec::new() };
    let limit = opts.max_rows.unwrap_or(usize::MAX);
    for t in tables {
        if cells.rows >= limit {
            break;
        }
        let ctx = || format!("layer from {}.{}", l.stage, l.output);
        let (w, bytes) = table::col_fixed_binary(t, &opts.column).with_context(ctx)?;
        if cells.rows > 0 && w != cells.cols {
            anyhow::bail!(
                "{}: column `{}` has width {w} in one table and {} in another",
                ctx(),
                opts.column,
                cells.cols
            );
        }
        cells.cols = w;
        let pcol = match panel {
            Some((c, _)) => table::col_f64(t, c).ok(),
            None => None,
        };
        let filters: Vec<(Vec<f64>, f64)> = l
            .filter
            .iter()
            .map(|(c, v)| Ok((table::col_f64(t, c)?, *v)))
            .collect::<anyhow::Result<_>>()
            .with_context(ctx)?;
        let gcol = opts.group.as_ref().map(|g| table::col_f64(t, g)).transpose().with_context(ctx)?;
        for i in 0..t.num_rows() {
            if cells.rows >= limit {
                break;
            }
            if let (Some(pc), Some((_, pv))) = (&pcol, panel)
                && pc[i] != pv
            {
                continue;
            }
            if filters.iter().any(|(c, v)| c[i] != *v) {
                continue;
            }
            cells.vals.extend(bytes[i * w..(i + 1) * w].iter().map(|b| *b as i8));
            cells.groups.push(gcol.as_ref().map(|g| g[i]).unwrap_or(f64::NAN));
            cells.rows += 1;
        }
    }
    Ok(cells)
}

/// Source indices shown by `n_px` display cells along an axis of `n_src` entries: all of them
/// when they fit, else the entry at the centre of each display cell (nearest neighbour).
pub fn display_indices(n_src: usize, n_px: usize) -> Vec<usize> {
    if n_src <= n_px.max(1) {
        return (0..n_src).collect();
    }
    let n = n_px.max(1);
    (0..n).map(|j| (((j as f64 + 0.5) * n_src as f64 / n as f64) as usize).min(n_src - 1)).collect()
}

/// Maximal runs `(start, end_exclusive, value)` of equal consecutive values.
pub fn runs<T: PartialEq + Copy>(v: &[T]) -> Vec<(usize, usize, T)> {
    let mut out = Vec::new();
    let mut s = 0;
    for i in 1..=v.len() {
        if i == v.len() || v[i] != v[s] {
            if s < v.len() {
                out.push((s, i, v[s]));
            }
            s = i;
        }
    }
    out
}

fn lerp(a: (u8, u8, u8), b: (u8, u8, u8), t: f64) -> RGBColor {
    let f = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * t).round() as u8;
    RGBColor(f(a.0, b.0), f(a.1, b.1), f(a.2, b.2))
}

/// Colour of value `v` under `cm` with the range `[lo, hi]` (`lo < hi`).
pub fn colour(cm: Colormap, v: f64, lo: f64, hi: f64) -> RGBColor {
    let t = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
    match cm {
        Colormap::Gray => lerp((0, 0, 0), (255, 255, 255), t),
        Colormap::GrayR => lerp((255, 255, 255), (0, 0, 0), t),
        Colormap::Viridis => {
            const A: [(u8, u8, u8); 5] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)];
            let x = t * 4.0;
            let i = (x.floor() as usize).min(3);
            lerp(A[i], A[i + 1], x - i as f64)
        }
        Colormap::Hsv => {
            let h = 6.0 * ((v - lo) / (hi - lo + 1.0)).rem_euclid(1.0);
            let x = 1.0 - (h % 2.0 - 1.0).abs();
            let (r, g, b) = match h as usize {
                0 => (1.0, x, 0.0),
                1 => (x, 1.0, 0.0),
                2 => (0.0, 1.0, x),
                3 => (0.0, x, 1.0),
                4 => (x, 0.0, 1.0),
                _ => (1.0, 0.0, x),
            };
            // Slightly darkened so that yellow and cyan stay visible on white.
            let s = |c: f64| (c * 225.0).round() as u8;
            RGBColor(s(r), s(g), s(b))
        }
    }
}

fn value_range(opts: &ImageOpts, cells: &Cells) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in &cells.vals {
        lo = lo.min(v as f64);
        hi = hi.max(v as f64);
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let lo = opts.vmin.unwrap_or(lo);
    let mut hi = opts.vmax.unwrap_or(hi);
    if hi <= lo {
        hi = lo + 1.0;
    }
    (lo, hi)
}

fn fmt_count(v: f64) -> String {
    format!("{}", v.round() as i64)
}

/// Draws the image layer `l` into one panel `area` (called by the renderer when a figure's
/// layer is a `raster` or an `image_grid`).
pub fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &crate::spec::FigureSpec,
    l: &Layer,
    opts: &ImageOpts,
    tables: &[RecordBatch],
    panel: Option<(&str, f64)>,
    caption: &str,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing figure {}: {e:?}", spec.name);
    let cells = collect(l, opts, tables, panel)?;
    if cells.rows == 0 || cells.cols == 0 {
        anyhow::bail!("figure {}: layer from {}.{} selected no samples", spec.name, l.stage, l.output);
    }
    let (lo, hi) = value_range(opts, &cells);
    match l.kind {
        crate::spec::LayerKind::ImageGrid => draw_grid(area, opts, &cells, lo, hi, caption).map_err(err),
        _ => {
            let mut cb = ChartBuilder::on(area);
            cb.margin(12).x_label_area_size(42).y_label_area_size(62);
            if !caption.is_empty() {
                cb.caption(caption, (crate::render::FONT, 16));
            }
            let (nr, nc) = (cells.rows as f64, cells.cols as f64);
            let mut chart = cb.build_cartesian_2d(0.0..nc, 0.0..nr).map_err(err)?;
            let yfmt = move |v: &f64| fmt_count(nr - *v);
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc(spec.x.label.as_str())
                .y_desc(spec.y.label.as_str())
                .x_label_formatter(&|v| fmt_count(*v))
                .y_label_formatter(&yfmt)
                .label_style((crate::render::FONT, 13))
                .axis_desc_style((crate::render::FONT, 15))
                .draw()
                .map_err(err)?;
            let (px, py) = chart.plotting_area().dim_in_pixel();
            let ci = display_indices(cells.cols, px as usize);
            let ri = display_indices(cells.rows, py as usize);
            let (dx, dy) = (nc / ci.len() as f64, nr / ri.len() as f64);
            let mut rects = Vec::new();
            let mut line: Vec<RGBColor> = Vec::with_capacity(ci.len());
            for (a, &r) in ri.iter().enumerate() {
                line.clear();
                line.extend(ci.iter().map(|&c| colour(opts.colormap, cells.vals[r * cells.cols + c] as f64, lo, hi)));
                let (y1, y0) = (nr - a as f64 * dy, nr - (a + 1) as f64 * dy);
                for (s, t, col) in runs(&line) {
                    rects.push(Rectangle::new([(s as f64 * dx, y0), (t as f64 * dx, y1)], col.filled()));
                }
            }
            chart.draw_series(rects).map_err(err)?;
            Ok(())
        }
    }
}

/// Tiles of an `image_grid`: sample indices per grid row.
pub fn grid_rows(opts: &ImageOpts, cells: &Cells) -> Vec<Vec<usize>> {
    let gc = opts.grid_cols.max(1);
    match &opts.group {
        None => (0..cells.rows).collect::<Vec<_>>().chunks(gc).map(|c| c.to_vec()).collect(),
        Some(_) => {
            let mut vals: Vec<f64> = cells.groups.iter().copied().filter(|g| !g.is_nan()).collect();
            vals.sort_by(f64::total_cmp);
            vals.dedup();
            vals.iter().map(|g| (0..cells.rows).filter(|&i| cells.groups[i] == *g).take(gc).collect()).collect()
        }
    }
}

fn draw_grid<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    opts: &ImageOpts,
    cells: &Cells,
    lo: f64,
    hi: f64,
    caption: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (h, w) = opts.shape.unwrap_or_else(|| {
        let s = (cells.cols as f64).sqrt().round() as usize;
        (s, s)
    });
    let (aw, ah) = area.dim_in_pixel();
    let top = if caption.is_empty() { 8.0 } else { 28.0 };
    if !caption.is_empty() {
        area.draw_text(caption, &TextStyle::from((crate::render::FONT, 16).into_font()).color(&BLACK), (12, 6))?;
    }
    if h * w != cells.cols {
        // Checked again here so that a wrong shape is a clear message, not a garbled image.
        area.draw_text(
            &format!("shape {h}×{w} does not match rows of {} units", cells.cols),
            &TextStyle::from((crate::render::FONT, 14).into_font()).color(&RED),
            (12, 40),
        )?;
        return Ok(());
    }
    let tiles = grid_rows(opts, cells);
    let gc = opts.grid_cols.max(1) as f64;
    let gr = tiles.len().max(1) as f64;
    let gap = 3.0;
    let m = 8.0;
    let scale = ((aw as f64 - 2.0 * m - gap * (gc - 1.0)) / (gc * w as f64))
        .min((ah as f64 - top - m - gap * (gr - 1.0)) / (gr * h as f64))
        .max(0.05);
    let (tw, th) = (w as f64 * scale, h as f64 * scale);
    let x0 = (aw as f64 - (gc * tw + (gc - 1.0) * gap)) / 2.0;
    let px = |v: f64| v.round() as i32;
    let mut line = Vec::with_capacity(w);
    for (gi, row) in tiles.iter().enumerate() {
        for (gj, &s) in row.iter().enumerate() {
            let ox = x0 + gj as f64 * (tw + gap);
            let oy = top + gi as f64 * (th + gap);
            let img = &cells.vals[s * cells.cols..(s + 1) * cells.cols];
            for r in 0..h {
                line.clear();
                line.extend(img[r * w..(r + 1) * w].iter().map(|&v| colour(opts.colormap, v as f64, lo, hi)));
                let (ya, yb) = (px(oy + r as f64 * scale), px(oy + (r + 1) as f64 * scale));
                for (a, b, col) in runs(&line) {
                    area.draw(&Rectangle::new(
                        [(px(ox + a as f64 * scale), ya), (px(ox + b as f64 * scale), yb)],
                        col.filled(),
                    ))?;
                }
            }
            area.draw(&Rectangle::new(
                [(px(ox), px(oy)), (px(ox + tw), px(oy + th))],
                RGBColor(180, 180, 180).stroke_width(1),
            ))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::yaml::parse_str;
    use std::collections::BTreeMap;
    use std::path::Path;

    fn figure(yaml: &str) -> Result<crate::spec::FigureSpec, ConfigError> {
        let root = parse_str(yaml, Path::new("t.yaml")).unwrap();
        crate::spec::parse("f", &root)
    }

    fn table(rows: &[Vec<i8>], label: &[i64]) -> RecordBatch {
        let w = rows[0].len();
        let bytes: Vec<u8> = rows.iter().flatten().map(|v| *v as u8).collect();
        pipeline::table::TableBuilder::new()
            .i64("sample", (0..rows.len() as i64).collect())
            .fixed_binary("v", w, &bytes)
            .unwrap()
            .i64("label", label.to_vec())
            .build()
            .unwrap()
    }

    #[test]
    fn parses_image_layers_and_rejects_bad_options() {
        let f =
            figure("layers:\n  - {from: s.samples, kind: raster, image: {column: v, rows: 50, colormap: gray_r}}\n")
                .unwrap();
        let o = f.layers[0].image.as_ref().unwrap();
        assert_eq!((o.column.as_str(), o.max_rows, o.colormap), ("v", Some(50), Colormap::GrayR));
        let g = figure(
            "layers:\n  - {from: s.samples, kind: image_grid, image: {column: v, shape: [28, 28], group: label}}\n",
        )
        .unwrap();
        assert_eq!(g.layers[0].image.as_ref().unwrap().shape, Some((28, 28)));
        for (bad, word) in [
            ("{from: s.samples, kind: raster}", "image"),
            ("{from: s.samples, kind: raster, image: {rows: 3}}", "column"),
            ("{from: s.samples, kind: raster, image: {column: v, colormap: jet}}", "colormap"),
            ("{from: s.samples, kind: raster, image: {column: v, colums: 3}}", "did you mean"),
            ("{from: s.samples, kind: raster, image: {column: v, vmin: 1, vmax: 0}}", "vmin"),
            ("{from: s.samples, kind: line, x: a, y: b, image: {column: v}}", "image"),
        ] {
            let e = figure(&format!("layers:\n  - {bad}\n")).unwrap_err().to_string();
            assert!(e.contains(word), "{bad}: {e}");
        }
    }

    #[test]
    fn display_indices_and_runs() {
        assert_eq!(display_indices(3, 10), vec![0, 1, 2]);
        // 10 000 samples on 400 pixels: the centre sample of each block of 25.
        let d = display_indices(10_000, 400);
        assert_eq!((d.len(), d[0], d[1], d[399]), (400, 12, 37, 9987));
        assert_eq!(runs(&[1, 1, 2, 2, 2, 1]), vec![(0, 2, 1), (2, 5, 2), (5, 6, 1)]);
        assert!(runs::<i8>(&[]).is_empty());
    }

    #[test]
    fn grid_groups_take_the_first_samples_of_each_label() {
        let t = table(&[vec![0; 4], vec![1; 4], vec![0; 4], vec![1; 4], vec![0; 4]], &[3, 1, 3, 1, 3]);
        let f = figure(
            "layers:\n  - {from: s.samples, kind: image_grid, image: {column: v, grid_cols: 2, group: label}}\n",
        )
        .unwrap();
        let (l, o) = (&f.layers[0], f.layers[0].image.as_ref().unwrap());
        let c = collect(l, o, &[t], None).unwrap();
        assert_eq!((c.rows, c.cols), (5, 4));
        assert_eq!(grid_rows(o, &c), vec![vec![1, 3], vec![0, 2]]);
    }

    #[test]
    fn raster_draws_black_and_white_halves() {
        // Every sample: +1 on the left half of the sites, −1 on the right half.
        let rows: Vec<Vec<i8>> = (0..200).map(|_| (0..40).map(|j| if j < 20 { 1 } else { -1 }).collect()).collect();
        let t = table(&rows, &vec![0; 200]);
        let f = figure(
            "title: r\nx: {label: site}\ny: {label: sample}\nlayers:\n  - {from: s.samples, kind: raster, image: {column: v, colormap: gray_r}}\n",
        )
        .unwrap();
        let mut tables = BTreeMap::new();
        tables.insert(("s".to_string(), "samples".to_string()), vec![t]);
        let (w, h, buf) = crate::render::render_rgb(&f, &tables, "footer").unwrap();
        let px = |x: u32, y: u32| {
            let i = ((y * w + x) * 3) as usize;
            (buf[i], buf[i + 1], buf[i + 2])
        };
        // The plot area spans most of the image; sample well inside each half.
        let (y, xl, xr) = (h / 2, 62 + 12 + (w - 100) / 4, 62 + 12 + 3 * (w - 100) / 4);
        assert_eq!(px(xl, y), (0, 0, 0), "+1 is black under gray_r");
        assert_eq!(px(xr, y), (255, 255, 255), "−1 is white under gray_r");
        let black = (0..w * h).filter(|i| px(i % w, i / w) == (0, 0, 0)).count() as f64;
        // The black half covers roughly half of a ~(w−100)×(h−140) plot area.
        let half = 0.5 * (w as f64 - 100.0) * (h as f64 - 140.0);
        assert!(black > 0.8 * half && black < 1.3 * half, "{black} black pixels vs {half}");
    }

    #[test]
    fn colour_maps_hit_their_ends() {
        assert_eq!(colour(Colormap::Gray, -1.0, -1.0, 1.0), RGBColor(0, 0, 0));
        assert_eq!(colour(Colormap::GrayR, -1.0, -1.0, 1.0), RGBColor(255, 255, 255));
        assert_eq!(colour(Colormap::Viridis, 1.0, 0.0, 1.0), RGBColor(253, 231, 37));
        // Cyclic: P = 10 states 0..9 give 10 distinct hues, state 0 is red.
        let hues: Vec<RGBColor> = (0..10).map(|v| colour(Colormap::Hsv, v as f64, 0.0, 9.0)).collect();
        assert_eq!(hues[0], RGBColor(225, 0, 0));
        let mut d = hues.clone();
        d.dedup();
        assert_eq!(d.len(), 10);
    }
}

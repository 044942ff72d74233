//! Figure specifications as written under `figures:` in a pipeline file.
//!
//! ```yaml
//! figures:
//!   top_eigenvalue:
//!     title: Top eigenvalue of the sample covariance
//!     x: {column: snr, label: "SNR λ"}            # scale: linear | log
//!     y: {label: top eigenvalue}
//!     panels: alpha                               # one panel per distinct value (optional)
//!     footer: [d, prior]                          # columns whose values the footer lists
//!     legend: lower_right                         # legend corner (default upper_left)
//!     layers:
//!       - {from: theory.curve, kind: line, y: top_eigenvalue, label: BBP}
//!       - {from: spectrum.top, kind: points, y: top_eigenvalue, aggregate: mean_sem, label: simulation}
//!       - {from: theory.curve, kind: vline, x: snr_threshold, label: "λ_c"}
//! ```
//!
//! Image layers (`kind: raster` draws a sample matrix, `kind: image_grid` tiles samples as
//! images) read a fixed-width binary column and take their options under `image:`; see
//! [`crate::raster`] for the keys. A panel whose figure has an image layer draws that layer only.
//!
//! `kind: heatmap` fills one cell per row at its (x, y), coloured by the column named under
//! `heatmap: {z: ...}` (continuous viridis map with a colour bar, or named categories with
//! `levels: [...]`); see [`crate::heatmap`] for the keys. Draw it first so that lines and
//! points appear on top.

use pipeline::ConfigError;
use pipeline::spec::{closest, join};
use pipeline::yaml::{Kind, Loc, Node};

/// Axis settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Default column for layers (x axis only).
    pub column: Option<String>,
    /// Label.
    pub label: String,
    /// Logarithmic scale.
    pub log: bool,
    /// Fixed range.
    pub range: Option<(f64, f64)>,
}

/// How a layer draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LayerKind {
    /// Connected line sorted by x.
    Line,
    /// Markers (with error bars when aggregated).
    Points,
    /// Vertical line at each distinct x value.
    Vline,
    /// Horizontal line at each distinct y value.
    Hline,
    /// A sample matrix drawn as an image (`image:` options; see [`crate::raster`]).
    Raster,
    /// Samples reshaped to images and tiled (`image:` options; see [`crate::raster`]).
    ImageGrid,
    /// Cells coloured by a third column (`heatmap:` options; see [`crate::heatmap`]).
    Heatmap,
}

/// Line style.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Style {
    /// Solid.
    Solid,
    /// Dashed.
    Dashed,
}

/// One layer of a figure.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Upstream stage.
    pub stage: String,
    /// Upstream output.
    pub output: String,
    /// Where `from` is written.
    pub loc: Loc,
    /// Drawing kind.
    pub kind: LayerKind,
    /// x column.
    pub x: String,
    /// y column (unused for vline).
    pub y: Option<String>,
    /// Aggregate over repeated x (mean ± standard error).
    pub mean_sem: bool,
    /// One series per distinct value of this column.
    pub series: Option<String>,
    /// Legend label (a `{value}` placeholder takes the series value).
    pub label: Option<String>,
    /// Line style.
    pub style: Style,
    /// Fixed colour index into the palette.
    pub color: Option<usize>,
    /// Row filter: column == value.
    pub filter: Vec<(String, f64)>,
    /// Options of a `raster` / `image_grid` layer.
    pub image: Option<crate::raster::ImageOpts>,
    /// Options of a `heatmap` layer.
    pub heat: Option<crate::heatmap::HeatOpts>,
}

/// A figure.
#[derive(Debug, Clone)]
pub struct FigureSpec {
    /// Figure name (file stem).
    pub name: String,
    /// Title.
    pub title: String,
    /// x axis.
    pub x: Axis,
    /// y axis.
    pub y: Axis,
    /// Column splitting panels.
    pub panels: Option<String>,
    /// Columns listed in the footer.
    pub footer: Vec<String>,
    /// Legend position: one of [`LEGEND_POSITIONS`] (`upper_left` by default).
    pub legend: String,
    /// Layers in drawing order.
    pub layers: Vec<Layer>,
    /// Where it is declared.
    pub loc: Loc,
}

impl FigureSpec {
    /// Distinct upstream stages this figure reads.
    pub fn stages(&self) -> Vec<String> {
        let mut v: Vec<String> = self.layers.iter().map(|l| l.stage.clone()).collect();
        v.sort();
        v.dedup();
        v
    }
}

pub(crate) fn e(n: &Node, path: &str, m: impl Into<String>) -> ConfigError {
    ConfigError::new(&n.loc, path, m)
}

pub(crate) fn entries<'a>(n: &'a Node, path: &str, allowed: &[&str]) -> Result<&'a [(String, Loc, Node)], ConfigError> {
    let Kind::Map(m) = &n.kind else {
        return Err(e(n, path, format!("expected a mapping, found {}", n.type_name())));
    };
    for (k, loc, _) in m {
        if !allowed.contains(&k.as_str()) {
            let hint = closest(k, allowed).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default();
            return Err(ConfigError::new(
                loc,
                join(path, k),
                format!("unknown key `{k}`{hint}; allowed: {}", allowed.join(", ")),
            ));
        }
    }
    Ok(m)
}

pub(crate) fn text(n: &Node, path: &str) -> Result<String, ConfigError> {
    match &n.kind {
        Kind::Str(s) => Ok(s.clone()),
        Kind::Int(i) => Ok(i.to_string()),
        Kind::Float(f) => Ok(f.to_string()),
        _ => Err(e(n, path, format!("expected text, found {}", n.type_name()))),
    }
}

pub(crate) fn num(n: &Node, path: &str) -> Result<f64, ConfigError> {
    match n.kind {
        Kind::Int(i) => Ok(i as f64),
        Kind::Float(f) if f.is_finite() => Ok(f),
        _ => Err(e(n, path, "expected a finite number")),
    }
}

fn axis(n: &Node, path: &str) -> Result<Axis, ConfigError> {
    entries(n, path, &["column", "label", "scale", "range"])?;
    let column = n.get("column").map(|c| text(c, &join(path, "column"))).transpose()?;
    let label = n
        .get("label")
        .map(|c| text(c, &join(path, "label")))
        .transpose()?
        .or_else(|| column.clone())
        .unwrap_or_default();
    let log = match n.get("scale") {
        None => false,
        Some(s) => match text(s, &join(path, "scale"))?.as_str() {
            "linear" => false,
            "log" => true,
            o => {
                return Err(e(s, &join(path, "scale"), format!("scale must be linear or log, got `{o}`")));
            }
        },
    };
    let range = match n.get("range") {
        None => None,
        Some(r) => match &r.kind {
            Kind::Seq(v) if v.len() == 2 => {
                Some((num(&v[0], &join(path, "range"))?, num(&v[1], &join(path, "range"))?))
            }
            _ => return Err(e(r, &join(path, "range"), "expected [min, max]")),
        },
    };
    Ok(Axis { column, label, log, range })
}

/// Parses one figure.
/// Accepted values of a figure's `legend:` key.
pub const LEGEND_POSITIONS: [&str; 9] = [
    "upper_left",
    "upper_middle",
    "upper_right",
    "middle_left",
    "middle_middle",
    "middle_right",
    "lower_left",
    "lower_middle",
    "lower_right",
];

pub fn parse(name: &str, n: &Node) -> Result<FigureSpec, ConfigError> {
    let path = join("figures", name);
    entries(n, &path, &["title", "x", "y", "panels", "footer", "legend", "layers", "doc"])?;
    let legend = match n.get("legend") {
        None => "upper_left".to_string(),
        Some(l) => {
            let v = text(l, &join(&path, "legend"))?;
            if !LEGEND_POSITIONS.contains(&v.as_str()) {
                return Err(e(
                    l,
                    &join(&path, "legend"),
                    format!("legend must be one of {}", LEGEND_POSITIONS.join(", ")),
                ));
            }
            v
        }
    };
    let title = n.get("title").map(|t| text(t, &join(&path, "title"))).transpose()?.unwrap_or_else(|| name.to_string());
    let x = n.get("x").map(|a| axis(a, &join(&path, "x"))).transpose()?.unwrap_or(Axis {
        column: None,
        label: String::new(),
        log: false,
        range: None,
    });
    let y = n.get("y").map(|a| axis(a, &join(&path, "y"))).transpose()?.unwrap_or(Axis {
        column: None,
        label: String::new(),
        log: false,
        range: None,
    });
    let panels = n.get("panels").map(|p| text(p, &join(&path, "panels"))).transpose()?;
    let footer = match n.get("footer") {
        None => vec![],
        Some(f) => match &f.kind {
            Kind::Seq(v) => v.iter().map(|c| text(c, &join(&path, "footer"))).collect::<Result<_, _>>()?,
            _ => {
                return Err(e(f, &join(&path, "footer"), "expected a list of column names"));
            }
        },
    };
    let ln = n.get("layers").ok_or_else(|| e(n, &path, "a figure needs `layers`"))?;
    let Kind::Seq(items) = &ln.kind else {
        return Err(e(ln, &join(&path, "layers"), "expected a list of layers"));
    };
    let mut layers = Vec::new();
    for (i, l) in items.iter().enumerate() {
        let lp = format!("{path}.layers[{i}]");
        entries(
            l,
            &lp,
            &["from", "kind", "x", "y", "aggregate", "series", "label", "style", "color", "filter", "image", "heatmap"],
        )?;
        let from_n = l.get("from").ok_or_else(|| e(l, &lp, "a layer needs `from: stage.output`"))?;
        let from = text(from_n, &join(&lp, "from"))?;
        let Some((stage, output)) = from.split_once('.') else {
            return Err(e(from_n, &join(&lp, "from"), format!("expected `stage.output`, found `{from}`")));
        };
        let kind = match l.get("kind").map(|k| text(k, &join(&lp, "kind"))).transpose()?.as_deref().unwrap_or("line") {
            "line" => LayerKind::Line,
            "points" => LayerKind::Points,
            "vline" => LayerKind::Vline,
            "hline" => LayerKind::Hline,
            "raster" => LayerKind::Raster,
            "image_grid" => LayerKind::ImageGrid,
            "heatmap" => LayerKind::Heatmap,
            o => {
                return Err(e(
                    l,
                    &join(&lp, "kind"),
                    format!("layer kind must be line, points, vline, hline, raster, image_grid or heatmap, got `{o}`"),
                ));
            }
        };
        let is_image = matches!(kind, LayerKind::Raster | LayerKind::ImageGrid);
        let image = match (l.get("image"), is_image) {
            (Some(n), true) => Some(crate::raster::parse_image(n, &join(&lp, "image"))?),
            (None, true) => {
                return Err(e(l, &join(&lp, "image"), "a raster/image_grid layer needs `image: {column: ...}`"));
            }
            (Some(n), false) => {
                return Err(e(n, &join(&lp, "image"), "`image` applies to raster and image_grid layers only"));
            }
            (None, false) => None,
        };
        let heat = match (l.get("heatmap"), kind == LayerKind::Heatmap) {
            (Some(n), true) => Some(crate::heatmap::parse_heat(n, &join(&lp, "heatmap"))?),
            (None, true) => {
                return Err(e(l, &join(&lp, "heatmap"), "a heatmap layer needs `heatmap: {z: ...}`"));
            }
            (Some(n), false) => {
                return Err(e(n, &join(&lp, "heatmap"), "`heatmap` applies to heatmap layers only"));
            }
            (None, false) => None,
        };
        let xcol = match l.get("x") {
            Some(c) => text(c, &join(&lp, "x"))?,
            None if is_image => String::new(),
            None => x
                .column
                .clone()
                .ok_or_else(|| e(l, &join(&lp, "x"), "no x column: set it on the layer or as `x.column`"))?,
        };
        let ycol = l.get("y").map(|c| text(c, &join(&lp, "y"))).transpose()?;
        if ycol.is_none() && kind != LayerKind::Vline && !is_image {
            return Err(e(l, &join(&lp, "y"), "this layer needs a `y` column"));
        }
        let mean_sem = match l.get("aggregate") {
            None => false,
            Some(a) => match text(a, &join(&lp, "aggregate"))?.as_str() {
                "mean_sem" => true,
                "none" => false,
                o => {
                    return Err(e(
                        a,
                        &join(&lp, "aggregate"),
                        format!("aggregate must be mean_sem or none, got `{o}`"),
                    ));
                }
            },
        };
        let style = match l.get("style").map(|s| text(s, &join(&lp, "style"))).transpose()?.as_deref() {
            None | Some("solid") => Style::Solid,
            Some("dashed") => Style::Dashed,
            Some(o) => {
                return Err(e(l, &join(&lp, "style"), format!("style must be solid or dashed, got `{o}`")));
            }
        };
        let color = match l.get("color") {
            None => None,
            Some(c) => match c.kind {
                Kind::Int(i) if i >= 0 => Some(i as usize),
                _ => return Err(e(c, &join(&lp, "color"), "expected a palette index >= 0")),
            },
        };
        let mut filter = Vec::new();
        if let Some(f) = l.get("filter") {
            let Kind::Map(m) = &f.kind else {
                return Err(e(f, &join(&lp, "filter"), "expected {column: value}"));
            };
            for (k, _, v) in m {
                filter.push((k.clone(), num(v, &join(&join(&lp, "filter"), k))?));
            }
        }
        layers.push(Layer {
            stage: stage.to_string(),
            output: output.to_string(),
            loc: from_n.loc.clone(),
            kind,
            x: xcol,
            y: ycol,
            mean_sem,
            series: l.get("series").map(|s| text(s, &join(&lp, "series"))).transpose()?,
            label: l.get("label").map(|s| text(s, &join(&lp, "label"))).transpose()?,
            style,
            color,
            filter,
            image,
            heat,
        });
    }
    Ok(FigureSpec { name: name.to_string(), title, x, y, panels, footer, legend, layers, loc: n.loc.clone() })
}

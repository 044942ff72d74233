//! Figures: specifications written in pipeline files, rendered from the pipeline's
//! tables with plotters into PNG and SVG.

pub mod heatmap;
pub mod raster;
pub mod render;
pub mod spec;

pub use render::{LayerTables, render, render_rgb};
pub use spec::{FigureSpec, parse};

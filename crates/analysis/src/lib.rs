//! Analyses of samples and weights: spectra, overlaps, magnetisations and fits.
//!
//! Pure numerics on `ndarray` arrays; no YAML, no Parquet.
//!
//! Modules (paper 002 = Harsh, Tubiana, Cocco, Monasson 2020; paper 001 = Bachtis, Biroli,
//! Decelle, Seoane 2024):
//! * [`spectrum`]: top eigenpair of a sample covariance (Lanczos) and dense symmetric top-k.
//! * [`stats`]: Student-t quantiles, mean ± s.e., grouping, histograms, linear fits, Spearman.
//! * [`lstsq`]: small dense least squares (Householder QR) shared by the fits.
//! * [`circular`]: circular mean / resultant / std of angles, wrapping, sorted gaps on a circle.
//! * [`ring`]: receptive-field centres on the ring, unwrapping of centre trajectories, sorting of
//!   hidden units by centre (paper 002 Figs. 3–6).
//! * [`fwhm`]: full width at half maximum by a least-squares cubic spline with one knot (paper 002
//!   Fig. 3b).
//! * [`diffusion`]: mean-square displacement, diffusion coefficient with a jackknife confidence
//!   interval, log–log slope (paper 002 Fig. 5b).
//! * [`order`]: order parameter `W = |Σw|` (paper 002 eq. 12), the scale-free overlap and
//!   localisation measures.
//! * [`potts`]: angular / spatial modulations (paper 002 eqs. 17, 18) and per-site cosine fits
//!   (Figs. 9–11).
//! * [`covariance`]: properly centred one-hot Potts covariance, ±1 spin covariance, projection on
//!   the XY modes `span{e¹, e²}` (paper 002 Figs. 12–13).
//! * [`p001`]: paper 001 analyses that need no trained RBM: SVD and mode matching, magnetisations
//!   and susceptibilities, autocorrelation times, finite-size-scaling collapse quality.

pub mod circular;
pub mod covariance;
mod dense;
pub mod diffusion;
pub mod fwhm;
pub mod lstsq;
pub mod order;
pub mod p001;
pub mod potts;
pub mod ring;
pub mod spectrum;
pub mod stats;

/// Errors of the analysis routines.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    /// Input of the wrong shape or content.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// An iterative method did not converge.
    #[error("{method} did not converge after {iterations} iterations (residual {residual:e})")]
    NotConverged {
        /// Which method.
        method: &'static str,
        /// Iterations done.
        iterations: usize,
        /// Last residual.
        residual: f64,
    },
    /// The input is well formed but does not determine the requested quantity (a singular fit,
    /// a profile without half-maximum crossings, no overlap between curves, ...).
    #[error("degenerate input: {0}")]
    Degenerate(String),
    /// A dense linear-algebra kernel (faer) failed.
    #[error("linear algebra failure: {0}")]
    LinAlg(String),
}

/// Crate result type.
pub type Result<T> = std::result::Result<T, Error>;

/// Rejects empty slices and non-finite entries with a message naming `what`.
pub(crate) fn check_finite(what: &str, x: impl IntoIterator<Item = f64>) -> Result<()> {
    let mut n = 0usize;
    for v in x {
        if !v.is_finite() {
            return Err(Error::Invalid(format!("{what} contains NaN or infinity")));
        }
        n += 1;
    }
    if n == 0 {
        return Err(Error::Invalid(format!("{what} is empty")));
    }
    Ok(())
}

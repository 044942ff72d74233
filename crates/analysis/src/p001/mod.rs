//! Paper 001 analyses.

//! Stage kinds: thin adapters from typed pipeline parameters and upstream tables to the
//! numeric crates, and back to tables.

pub mod codec;
pub mod fp;
pub mod kinds {
    //! One module per family of stage kinds.
    pub mod data;
    pub mod engine;
    pub mod p002_ising;
    pub mod p002_xy;
    pub mod p003;
    pub mod rmt;
    pub mod theory;
}

use pipeline::Registry;

/// Every stage kind rbmlab ships.
pub fn registry() -> Registry {
    let mut r = Registry::new();
    r.add(kinds::rmt::SpikedCovariance);
    r.add(kinds::rmt::CovarianceTopEigen);
    r.add(kinds::rmt::SpikedTopEigen);
    r.add(kinds::rmt::BbpTheory);
    r.add(kinds::rmt::BbpCheck);
    kinds::data::register(&mut r);
    kinds::engine::register(&mut r);
    kinds::p002_ising::register(&mut r);
    kinds::p002_xy::register(&mut r);
    kinds::p003::register(&mut r);
    kinds::theory::register(&mut r);
    r
}

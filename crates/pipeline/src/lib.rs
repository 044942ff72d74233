//! The rbmlab pipeline engine: YAML pipelines, planning with cache keys computed up
//! front, a content-addressed Parquet store with atomic publication, and a parallel
//! runner. It knows nothing of RBMs: stage kinds are registered by the `stages` crate.

pub mod error;
pub mod key;
pub mod plan;
pub mod run;
pub mod spec;
pub mod stage;
pub mod store;
pub mod table;
pub mod value;
pub mod views;
pub mod yaml;

pub use error::ConfigError;
pub use plan::{Plan, Task};
pub use run::{RunOptions, RunSummary, execute};
pub use spec::{PipelineSpec, load};
pub use stage::{InputSpec, Outputs, ParamSpec, Registry, StageCtx, StageInfo, StageKind, Upstream};
pub use store::Store;
pub use table::TableBuilder;
pub use value::{ParamType, Params, Value};

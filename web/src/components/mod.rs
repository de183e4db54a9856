//! The page's views. None of them knows any lesson by name: they render the catalogue and
//! `RunRecord`s.

mod code;
mod controls;
mod explorer;
mod prediction;
mod results;
mod status;
mod tasks;
mod timeline;
mod visual;
mod words;

pub use code::CodePanel;
pub use controls::{Controls, PoolOff};
pub use explorer::ExplorerPanel;
pub use prediction::Prediction;
pub use results::Results;
pub use status::StatusChips;
pub use timeline::Timeline;
pub use visual::StateView;
pub use words::{SourceLine, glossed};

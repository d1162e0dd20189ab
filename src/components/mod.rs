//! Pieces the pages share.

pub mod layout;
pub mod load_failure;
pub mod sign_out_control;
pub mod theme;

pub use layout::Layout;
pub use load_failure::load_failure;
pub use sign_out_control::{sign_out_control, sign_out_failure};

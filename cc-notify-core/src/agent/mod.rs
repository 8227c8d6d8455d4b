//! Agent adapters: each coding agent's hook payload decoded onto the core event model.

pub mod claude;
pub mod input;

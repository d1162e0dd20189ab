//! Clerk for Yew.

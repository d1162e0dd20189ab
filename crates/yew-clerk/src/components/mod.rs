//! Components: control components and the sign-out button.

mod control;
mod sign_out_button;

pub use control::{
    ChildrenProps, ClerkLoaded, ClerkLoading, Protect, ProtectProps, SignedIn, SignedOut,
};
pub use sign_out_button::{SignOutButton, SignOutButtonProps};

//! One component per route.

mod account;
mod home;
mod not_found;
mod sessions;
mod sign_in;
mod sign_out;

pub use account::Account;
pub use home::Home;
pub use not_found::not_found;
pub use sessions::Sessions;
pub use sign_in::{SignIn, Step as SignInStep};
pub use sign_out::SignOutPage;

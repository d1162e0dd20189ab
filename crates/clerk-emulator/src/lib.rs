//! Local Clerk Frontend API emulator.

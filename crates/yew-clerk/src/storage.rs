//! localStorage. Failures (storage blocked, private-mode quotas) never panic:
//! reads give `None`, writes are best effort, a clear reports an error.
//!
//! Values go through gloo-storage (JSON, typed). Its `LocalStorage::raw()`
//! throws (`expect_throw`) where the browser blocks storage: a sandboxed
//! iframe, or storage disabled. So every gloo-storage call sits behind
//! [`local_storage`], one probe through web_sys, which returns a `Result`.

use gloo_storage::{LocalStorage, Storage};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ClerkError;

/// `window.localStorage`, or `None` where the browser refuses it.
fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The keys that a clear removes: every key not in `keep`.
pub(crate) fn keys_to_remove<'a>(
    all: impl IntoIterator<Item = String> + 'a,
    keep: &'a [String],
) -> impl Iterator<Item = String> + 'a {
    all.into_iter().filter(move |key| !keep.contains(key))
}

/// Removes everything this origin stored in localStorage except `keep`.
///
/// Raw web_sys, not gloo-storage: it has no way to list keys (its `get_all`
/// JSON-decodes every value, and fails on any value another script stored as
/// plain text).
pub(crate) fn clear_except(keep: &[String]) -> Result<(), ClerkError> {
    let storage =
        local_storage().ok_or_else(|| ClerkError::Storage("localStorage is unavailable".into()))?;
    let len = storage
        .length()
        .map_err(|_| ClerkError::Storage("cannot read localStorage".into()))?;
    let all: Vec<String> = (0..len)
        .filter_map(|i| storage.key(i).ok().flatten())
        .collect();
    for key in keys_to_remove(all, keep) {
        storage
            .remove_item(&key)
            .map_err(|_| ClerkError::Storage(format!("cannot remove \"{key}\"")))?;
    }
    Ok(())
}

/// The value stored under `key`; `None` when absent, unreadable or of another
/// shape.
pub(crate) fn get<T: DeserializeOwned>(key: &str) -> Option<T> {
    local_storage()?;
    LocalStorage::get(key).ok()
}

/// Stores a value; a full or disabled storage is ignored.
pub(crate) fn set<T: Serialize>(key: &str, value: T) {
    if local_storage().is_some() {
        let _ = LocalStorage::set(key, value);
    }
}

/// Removes `key`; a disabled storage is ignored.
pub(crate) fn remove(key: &str) {
    if local_storage().is_some() {
        LocalStorage::delete(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_listed_keys() {
        let all = ["theme", "cart", "__clerk_db_jwt", "draft"].map(String::from);
        let keep = ["theme".to_owned(), "__clerk_db_jwt".to_owned()];
        let removed: Vec<_> = keys_to_remove(all, &keep).collect();
        assert_eq!(removed, ["cart", "draft"]);
        assert_eq!(keys_to_remove(Vec::new(), &keep).count(), 0);
    }
}

//! localStorage. Failures (storage blocked, private-mode quotas) never panic:
//! reads give `None`, writes are best effort, a clear reports an error.
//!
//! Not gloo-storage: its `LocalStorage::raw()` throws when the browser blocks
//! storage (Safari with cookies off), which would take the app down.

use crate::error::ClerkError;

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

/// The raw string stored under `key`.
pub(crate) fn get(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

/// Stores a raw string; a full or disabled storage is ignored.
pub(crate) fn set(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(key, value);
    }
}

/// Removes `key`; a disabled storage is ignored.
pub(crate) fn remove(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
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

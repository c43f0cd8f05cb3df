//! What the unit tests share to build their fixture trees on disk.

use std::fs;
use std::path::Path;

/// Writes `text` to `path`, creating its parent directories.
pub fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

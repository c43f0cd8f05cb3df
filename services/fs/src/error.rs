//! What can go wrong in the filesystem, and its status code in the
//! protocol (`xous_abi::services::fs::error`).

use xous_abi::services::fs::error;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FsError {
    NotFound,
    AlreadyExists,
    NotADirectory,
    IsADirectory,
    DirectoryNotEmpty,
    /// No room for the blocks the operation needs; nothing was changed.
    StorageFull,
    InvalidFilename,
    /// The file is read-only.
    ReadOnly,
    InvalidInput,
    /// The device failed, or a block read back does not check out.
    Io,
    FileTooLarge,
    /// The root cannot be removed or renamed.
    Busy,
    /// Too many symbolic links followed while resolving a path (a loop).
    FilesystemLoop,
    /// The inode has as many names as it may have.
    TooManyLinks,
    /// Not allowed whatever the permissions: a hard link to a directory.
    NotPermitted,
}

impl FsError {
    pub fn code(self) -> u32 {
        match self {
            FsError::NotFound => error::NOT_FOUND,
            FsError::AlreadyExists => error::ALREADY_EXISTS,
            FsError::NotADirectory => error::NOT_A_DIRECTORY,
            FsError::IsADirectory => error::IS_A_DIRECTORY,
            FsError::DirectoryNotEmpty => error::DIRECTORY_NOT_EMPTY,
            FsError::StorageFull => error::STORAGE_FULL,
            FsError::InvalidFilename => error::INVALID_FILENAME,
            FsError::ReadOnly => error::PERMISSION_DENIED,
            FsError::InvalidInput => error::INVALID_INPUT,
            FsError::Io => error::IO,
            FsError::FileTooLarge => error::FILE_TOO_LARGE,
            FsError::Busy => error::BUSY,
            FsError::FilesystemLoop => error::FILESYSTEM_LOOP,
            FsError::TooManyLinks => error::TOO_MANY_LINKS,
            FsError::NotPermitted => error::PERMISSION_DENIED,
        }
    }
}

impl From<block::BlockError> for FsError {
    fn from(_: block::BlockError) -> FsError {
        FsError::Io
    }
}

pub type Result<T> = core::result::Result<T, FsError>;

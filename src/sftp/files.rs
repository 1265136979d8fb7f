//! The SFTP subsystem of one organisation: its folders (made from the schemes, nothing on disk
//! but the files being written), the files put in them, and the answers to read.
//!
//! ```text
//! /                                   innsending, kvittering
//! /innsending                         one folder per scheme
//! /innsending/<scheme>                one folder per income year the scheme takes
//! /innsending/<scheme>/<year>         put files here; lists the files taken from here
//! /kvittering                         the answer to every file taken, named as the file
//! ```
//!
//! Nothing can be made, removed, renamed or linked; no path leads outside these folders.

use std::collections::HashMap;
use std::io::SeekFrom;
use std::sync::Arc;

use russh_sftp::protocol::{
    Attrs, Data, File, FileAttributes, Handle, Name, OpenFlags, Status, StatusCode, Version,
};
use russh_sftp::server::StatusReply;
use tokio::io::{AsyncSeekExt as _, AsyncWriteExt as _};

use super::SftpState;

/// Handles one session may hold open at once.
const HANDLES: usize = 16;
/// The longest file name taken, in bytes.
const NAME_MAX: usize = 200;

/// Where a path leads.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Root,
    Inbox,
    Scheme(String),
    Year(String, i32),
    /// A file in a year's folder.
    Put {
        scheme: String,
        year: i32,
        name: String,
    },
    Answers,
    Answer(String),
}

/// A file being written.
pub(super) struct Upload {
    /// The scheme's folder name and form.
    pub scheme: String,
    pub form_id: String,
    pub year: i32,
    /// The file's name.
    pub name: String,
    /// The largest size taken.
    pub limit: u64,
    file: tokio::fs::File,
    /// Removed when dropped: a file never closed (the connection lost) is never taken.
    pub path: tempfile::TempPath,
    /// Where the next sequential write lands, and how far the file reaches.
    pos: u64,
    pub size: u64,
    too_large: bool,
}

enum Open {
    /// A folder's entries, given in one piece.
    Dir(Option<Vec<File>>),
    /// An answer to read.
    Read(Vec<u8>),
    Write(Box<Upload>),
}

/// One SFTP session of an organisation.
pub struct Files {
    state: Arc<SftpState>,
    org: String,
    key: String,
    handles: HashMap<String, Open>,
    next: u64,
    started: bool,
}

fn ok(id: u32) -> Status {
    Status {
        id,
        status_code: StatusCode::Ok,
        error_message: "Ok".into(),
        language_tag: "en-US".into(),
    }
}

fn refused(code: StatusCode, message: impl Into<String>) -> StatusReply {
    code.with_message(message)
}

fn denied() -> StatusReply {
    refused(
        StatusCode::PermissionDenied,
        "not allowed: put files in innsending/<scheme>/<year>/, read answers in kvittering/",
    )
}

fn no_such() -> StatusReply {
    refused(StatusCode::NoSuchFile, "no such file or folder")
}

fn now_s() -> u32 {
    u32::try_from(crate::clock::now_s()).unwrap_or(u32::MAX)
}

fn dir_attrs(mtime: u32) -> FileAttributes {
    FileAttributes {
        permissions: Some(0o040_755),
        mtime: Some(mtime),
        atime: Some(mtime),
        ..FileAttributes::empty()
    }
}

fn file_attrs(size: u64, mtime: u32) -> FileAttributes {
    FileAttributes {
        size: Some(size),
        permissions: Some(0o100_644),
        mtime: Some(mtime),
        atime: Some(mtime),
        ..FileAttributes::empty()
    }
}

/// Whether `name` may be a file's name: not empty, not hidden, no control characters or
/// backslashes, at most 200 bytes.
fn good_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= NAME_MAX
        && !name.starts_with('.')
        && !name.chars().any(|c| c.is_control() || c == '\\')
}

impl Files {
    /// A session of `org`, logged in with the key named `key`.
    pub fn new(state: Arc<SftpState>, org: String, key: String) -> Files {
        Files {
            state,
            org,
            key,
            handles: HashMap::new(),
            next: 0,
            started: false,
        }
    }

    /// The folders and file a path names (from `/`; `..` within them only).
    fn resolve(&self, path: &str) -> Result<Node, StatusReply> {
        let mut parts: Vec<&str> = Vec::new();
        for seg in path.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        return Err(denied());
                    }
                }
                s => parts.push(s),
            }
        }
        let scheme = |s: &str| self.state.scheme(s);
        Ok(match parts.as_slice() {
            [] => Node::Root,
            ["innsending"] => Node::Inbox,
            ["innsending", s] if scheme(s).is_some() => Node::Scheme((*s).to_owned()),
            ["innsending", s, y] => {
                let (s, y) = self.year(s, y)?;
                Node::Year(s, y)
            }
            ["innsending", s, y, name] => {
                let (scheme, year) = self.year(s, y)?;
                if !good_name(name) {
                    return Err(refused(
                        StatusCode::PermissionDenied,
                        "not a file name taken",
                    ));
                }
                Node::Put {
                    scheme,
                    year,
                    name: (*name).to_owned(),
                }
            }
            ["kvittering"] => Node::Answers,
            ["kvittering", name] if good_name(name) => Node::Answer((*name).to_owned()),
            _ => return Err(no_such()),
        })
    }

    /// A scheme's year folder.
    fn year(&self, scheme: &str, year: &str) -> Result<(String, i32), StatusReply> {
        let s = self.state.scheme(scheme).ok_or_else(no_such)?;
        let y: i32 = year.parse().map_err(|_| no_such())?;
        if !s.years.contains(&y) {
            return Err(no_such());
        }
        Ok((s.name.clone(), y))
    }

    /// The path of a node, as `realpath` answers it.
    fn path_of(node: &Node) -> String {
        match node {
            Node::Root => "/".into(),
            Node::Inbox => "/innsending".into(),
            Node::Scheme(s) => format!("/innsending/{s}"),
            Node::Year(s, y) => format!("/innsending/{s}/{y}"),
            Node::Put { scheme, year, name } => format!("/innsending/{scheme}/{year}/{name}"),
            Node::Answers => "/kvittering".into(),
            Node::Answer(n) => format!("/kvittering/{n}"),
        }
    }

    fn db_failed(e: impl std::fmt::Display) -> StatusReply {
        tracing::error!(error = %e, "SFTP: the database failed");
        refused(StatusCode::Failure, "the service failed; try again later")
    }

    async fn attrs(&self, node: &Node) -> Result<FileAttributes, StatusReply> {
        let now = now_s();
        match node {
            Node::Root | Node::Inbox | Node::Scheme(_) | Node::Year(..) | Node::Answers => {
                Ok(dir_attrs(now))
            }
            Node::Put { scheme, year, name } => {
                let f = self
                    .state
                    .store
                    .sftp_file(&self.org, name)
                    .await
                    .map_err(Self::db_failed)?
                    .filter(|f| f.folder == format!("innsending/{scheme}/{year}"))
                    .ok_or_else(no_such)?;
                Ok(file_attrs(f.size as u64, (f.taken_at / 1000) as u32))
            }
            Node::Answer(name) => {
                let f = self
                    .state
                    .store
                    .sftp_file(&self.org, name)
                    .await
                    .map_err(Self::db_failed)?
                    .ok_or_else(no_such)?;
                Ok(file_attrs(
                    f.answer.len() as u64,
                    (f.taken_at / 1000) as u32,
                ))
            }
        }
    }

    async fn entries(&self, node: &Node) -> Result<Vec<File>, StatusReply> {
        let now = now_s();
        let dir = |n: &str| File::new(n, dir_attrs(now));
        Ok(match node {
            Node::Root => vec![dir("innsending"), dir("kvittering")],
            Node::Inbox => self.state.schemes.iter().map(|s| dir(&s.name)).collect(),
            Node::Scheme(s) => self
                .state
                .scheme(s)
                .map(|s| s.years.iter().map(|y| dir(&y.to_string())).collect())
                .unwrap_or_default(),
            Node::Year(s, y) => {
                let folder = format!("innsending/{s}/{y}");
                let files = self
                    .state
                    .store
                    .sftp_files(&self.org, Some(&folder))
                    .await
                    .map_err(Self::db_failed)?;
                files
                    .iter()
                    .map(|f| {
                        File::new(
                            &f.name,
                            file_attrs(f.size as u64, (f.taken_at / 1000) as u32),
                        )
                    })
                    .collect()
            }
            Node::Answers => {
                let files = self
                    .state
                    .store
                    .sftp_files(&self.org, None)
                    .await
                    .map_err(Self::db_failed)?;
                files
                    .iter()
                    .map(|f| {
                        File::new(
                            &f.name,
                            file_attrs(f.answer.len() as u64, (f.taken_at / 1000) as u32),
                        )
                    })
                    .collect()
            }
            Node::Put { .. } | Node::Answer(_) => {
                return Err(refused(StatusCode::Failure, "not a folder"));
            }
        })
    }

    fn hold(&mut self, open: Open) -> Result<String, StatusReply> {
        if self.handles.len() >= HANDLES {
            return Err(refused(StatusCode::Failure, "too many files open at once"));
        }
        self.next += 1;
        let handle = self.next.to_string();
        self.handles.insert(handle.clone(), open);
        Ok(handle)
    }

    async fn open_for_writing(
        &mut self,
        scheme: String,
        year: i32,
        name: String,
    ) -> Result<Upload, StatusReply> {
        let s = self.state.scheme(&scheme).ok_or_else(no_such)?;
        let (form_id, limit) = (s.form_id.clone(), s.limit);
        let spool = self.state.spool.clone();
        let temp = tokio::task::spawn_blocking(move || {
            tempfile::Builder::new().prefix("put-").tempfile_in(spool)
        })
        .await
        .map_err(Self::db_failed)?
        .map_err(|e| {
            tracing::error!(error = %e, "SFTP: no room for a file being written");
            refused(StatusCode::Failure, "the service failed; try again later")
        })?;
        let (file, path) = temp.into_parts();
        Ok(Upload {
            scheme,
            form_id,
            year,
            name,
            limit,
            file: tokio::fs::File::from_std(file),
            path,
            pos: 0,
            size: 0,
            too_large: false,
        })
    }
}

/// The size as people read it: `50 MB`.
fn megabytes(n: u64) -> String {
    format!("{} MB", n / (1024 * 1024))
}

impl russh_sftp::server::Handler for Files {
    type Error = StatusReply;

    fn unimplemented(&self) -> Self::Error {
        refused(StatusCode::OpUnsupported, "not supported")
    }

    async fn init(
        &mut self,
        _version: u32,
        _extensions: HashMap<String, String>,
    ) -> Result<Version, Self::Error> {
        if self.started {
            return Err(refused(StatusCode::BadMessage, "the session has started"));
        }
        self.started = true;
        Ok(Version::new())
    }

    async fn realpath(&mut self, id: u32, path: String) -> Result<Name, Self::Error> {
        let node = self.resolve(&path)?;
        Ok(Name {
            id,
            files: vec![File::dummy(Self::path_of(&node))],
        })
    }

    async fn stat(&mut self, id: u32, path: String) -> Result<Attrs, Self::Error> {
        let node = self.resolve(&path)?;
        let attrs = self.attrs(&node).await?;
        Ok(Attrs { id, attrs })
    }

    async fn lstat(&mut self, id: u32, path: String) -> Result<Attrs, Self::Error> {
        self.stat(id, path).await
    }

    async fn fstat(&mut self, id: u32, handle: String) -> Result<Attrs, Self::Error> {
        let attrs = match self.handles.get(&handle) {
            Some(Open::Write(u)) => file_attrs(u.size, now_s()),
            Some(Open::Read(b)) => file_attrs(b.len() as u64, now_s()),
            Some(Open::Dir(_)) => dir_attrs(now_s()),
            None => return Err(refused(StatusCode::Failure, "no such handle")),
        };
        Ok(Attrs { id, attrs })
    }

    async fn opendir(&mut self, id: u32, path: String) -> Result<Handle, Self::Error> {
        let node = self.resolve(&path)?;
        let entries = self.entries(&node).await?;
        let handle = self.hold(Open::Dir(Some(entries)))?;
        Ok(Handle { id, handle })
    }

    async fn readdir(&mut self, id: u32, handle: String) -> Result<Name, Self::Error> {
        match self.handles.get_mut(&handle) {
            Some(Open::Dir(entries)) => match entries.take() {
                Some(files) if !files.is_empty() => Ok(Name { id, files }),
                _ => Err(StatusCode::Eof.into()),
            },
            _ => Err(refused(StatusCode::Failure, "no such handle")),
        }
    }

    async fn open(
        &mut self,
        id: u32,
        filename: String,
        pflags: OpenFlags,
        _attrs: FileAttributes,
    ) -> Result<Handle, Self::Error> {
        let writing = pflags.intersects(
            OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::APPEND,
        );
        // No way up, not even one that would end inside.
        if writing && filename.split('/').any(|s| s == "..") {
            return Err(denied());
        }
        let node = self.resolve(&filename)?;
        let open = match (node, writing) {
            (Node::Put { scheme, year, name }, true) => {
                if pflags.contains(OpenFlags::READ) {
                    return Err(denied());
                }
                Open::Write(Box::new(self.open_for_writing(scheme, year, name).await?))
            }
            (Node::Answer(name), false) => {
                let f = self
                    .state
                    .store
                    .sftp_file(&self.org, &name)
                    .await
                    .map_err(Self::db_failed)?
                    .ok_or_else(no_such)?;
                Open::Read(f.answer.into_bytes())
            }
            _ => return Err(denied()),
        };
        let handle = self.hold(open)?;
        Ok(Handle { id, handle })
    }

    async fn read(
        &mut self,
        id: u32,
        handle: String,
        offset: u64,
        len: u32,
    ) -> Result<Data, Self::Error> {
        match self.handles.get(&handle) {
            Some(Open::Read(bytes)) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX);
                if start >= bytes.len() {
                    return Err(StatusCode::Eof.into());
                }
                let end = bytes.len().min(start.saturating_add(len as usize));
                Ok(Data {
                    id,
                    data: bytes[start..end].to_vec(),
                })
            }
            Some(_) => Err(denied()),
            None => Err(refused(StatusCode::Failure, "no such handle")),
        }
    }

    async fn write(
        &mut self,
        id: u32,
        handle: String,
        offset: u64,
        data: Vec<u8>,
    ) -> Result<Status, Self::Error> {
        let Some(Open::Write(up)) = self.handles.get_mut(&handle) else {
            return Err(refused(StatusCode::Failure, "not a file open for writing"));
        };
        let end = offset.saturating_add(data.len() as u64);
        if up.too_large || end > up.limit {
            up.too_large = true;
            return Err(refused(
                StatusCode::Failure,
                format!(
                    "the file is larger than {}, the most {} takes",
                    megabytes(up.limit),
                    up.scheme
                ),
            ));
        }
        let failed = |e: std::io::Error| {
            tracing::error!(error = %e, "SFTP: writing a file failed");
            refused(StatusCode::Failure, "the service failed; try again later")
        };
        if up.pos != offset {
            up.file
                .seek(SeekFrom::Start(offset))
                .await
                .map_err(failed)?;
        }
        up.file.write_all(&data).await.map_err(failed)?;
        up.pos = end;
        up.size = up.size.max(end);
        Ok(ok(id))
    }

    async fn close(&mut self, id: u32, handle: String) -> Result<Status, Self::Error> {
        match self.handles.remove(&handle) {
            None => Err(refused(StatusCode::Failure, "no such handle")),
            Some(Open::Write(mut up)) => {
                if up.too_large {
                    return Err(refused(
                        StatusCode::Failure,
                        format!("not taken: larger than {}", megabytes(up.limit)),
                    ));
                }
                up.file.flush().await.map_err(|e| {
                    tracing::error!(error = %e, "SFTP: writing a file failed");
                    refused(StatusCode::Failure, "the service failed; try again later")
                })?;
                super::take::take(&self.state, &self.org, &self.key, *up).await?;
                Ok(ok(id))
            }
            Some(_) => Ok(ok(id)),
        }
    }

    async fn fsetstat(
        &mut self,
        id: u32,
        handle: String,
        _attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        // Times and modes of a file being written are not kept; saying so would fail `put -p`.
        match self.handles.get(&handle) {
            Some(Open::Write(_)) => Ok(ok(id)),
            _ => Err(denied()),
        }
    }

    async fn setstat(
        &mut self,
        _id: u32,
        _path: String,
        _attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        Err(denied())
    }

    async fn remove(&mut self, _id: u32, _filename: String) -> Result<Status, Self::Error> {
        Err(denied())
    }

    async fn mkdir(
        &mut self,
        _id: u32,
        _path: String,
        _attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        Err(denied())
    }

    async fn rmdir(&mut self, _id: u32, _path: String) -> Result<Status, Self::Error> {
        Err(denied())
    }

    async fn rename(
        &mut self,
        _id: u32,
        _oldpath: String,
        _newpath: String,
    ) -> Result<Status, Self::Error> {
        Err(denied())
    }

    async fn symlink(
        &mut self,
        _id: u32,
        _linkpath: String,
        _targetpath: String,
    ) -> Result<Status, Self::Error> {
        Err(refused(
            StatusCode::PermissionDenied,
            "links are not allowed",
        ))
    }

    async fn readlink(&mut self, _id: u32, _path: String) -> Result<Name, Self::Error> {
        Err(refused(
            StatusCode::PermissionDenied,
            "links are not allowed",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::good_name;

    #[test]
    fn names_that_are_not_plain_file_names_are_refused() {
        assert!(good_name("levering 2025.json"));
        assert!(good_name("æøå.json"));
        for bad in ["", ".hidden", "..", "a\\b", "a\nb", &"x".repeat(201)] {
            assert!(!good_name(bad), "{bad:?}");
        }
    }
}

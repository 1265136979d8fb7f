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
use super::ssh::Login;

/// Handles one session may hold open at once.
const HANDLES: usize = 16;
/// Entries of a folder given in one answer (OpenSSH takes answers of at most 256 KiB).
const ENTRIES: usize = 100;
/// What WinSCP calls a file while it is written, renaming it once done.
const PART: &str = ".filepart";
/// After a file's name in `kvittering/`: the domain system's feedback on its submission.
const FEEDBACK: &str = ".tilbakemelding.json";

/// The domain system's feedback as stored, written for people to read too.
fn feedback_text(stored: &str) -> String {
    serde_json::from_str::<serde_json::Value>(stored)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| stored.to_owned())
}
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
    /// The file's name (without WinSCP's `.filepart`).
    pub name: String,
    /// The largest size taken.
    pub limit: u64,
    /// A file without a name in the spool folder: gone when dropped, so a file never closed (the
    /// connection lost, the process stopped) is never taken and leaves nothing behind.
    pub file: tokio::fs::File,
    /// Where the next sequential write lands, and how far the file reaches.
    pos: u64,
    pub size: u64,
    too_large: bool,
}

enum Open {
    /// A folder's entries, given [`ENTRIES`] at a time.
    Dir(std::vec::IntoIter<File>),
    /// An answer to read.
    Read(Vec<u8>),
    Write(Box<Upload>),
}

/// One SFTP session of an organisation.
pub struct Files {
    state: Arc<SftpState>,
    login: Login,
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

/// The server's own failure, logged with what failed; the client is told to try again.
fn failed(what: &str, e: impl std::fmt::Display) -> StatusReply {
    tracing::error!(error = %e, "SFTP: {what}");
    refused(StatusCode::Failure, "the service failed; try again later")
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
    /// A session of a login.
    pub fn new(state: Arc<SftpState>, login: Login) -> Files {
        Files {
            state,
            login,
            handles: HashMap::new(),
            next: 0,
            started: false,
        }
    }

    /// A scheme by folder name, if the key may deliver it.
    fn scheme(&self, name: &str) -> Option<&super::Scheme> {
        self.state.scheme(name).filter(|s| {
            self.login
                .forms
                .as_ref()
                .is_none_or(|f| f.contains(&s.form_id))
        })
    }

    /// Whether a file taken from `folder` (`innsending/<scheme>/<year>`) is of a scheme the key
    /// may deliver: only its answers are shown.
    fn visible(&self, folder: &str) -> bool {
        folder
            .split('/')
            .nth(1)
            .is_some_and(|s| self.scheme(s).is_some())
    }

    /// What `kvittering/<name>` holds, and since when: the answer to the file of that name, or
    /// for `<file>.tilbakemelding.json` the domain system's feedback on that file's submission.
    async fn answer(&self, name: &str) -> Result<(String, i64), StatusReply> {
        let store = &self.state.store;
        let org = &self.login.orgnr;
        let found = store.sftp_file(org, name).await.map_err(Self::db_failed)?;
        if let Some(f) = found.filter(|f| self.visible(&f.folder)) {
            return Ok((f.answer, f.taken_at));
        }
        let base = name.strip_suffix(FEEDBACK).ok_or_else(no_such)?;
        let f = store
            .sftp_file(org, base)
            .await
            .map_err(Self::db_failed)?
            .filter(|f| self.visible(&f.folder))
            .ok_or_else(no_such)?;
        let feedback = f.feedback.as_deref().ok_or_else(no_such)?;
        Ok((feedback_text(feedback), f.taken_at))
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
        let scheme = |s: &str| self.scheme(s);
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
        let s = self.scheme(scheme).ok_or_else(no_such)?;
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
        failed("the database failed", e)
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
                    .sftp_file(&self.login.orgnr, name)
                    .await
                    .map_err(Self::db_failed)?
                    .filter(|f| f.folder == format!("innsending/{scheme}/{year}"))
                    .ok_or_else(no_such)?;
                Ok(file_attrs(f.size as u64, (f.taken_at / 1000) as u32))
            }
            Node::Answer(name) => {
                let (text, at) = self.answer(name).await?;
                Ok(file_attrs(text.len() as u64, (at / 1000) as u32))
            }
        }
    }

    async fn entries(&self, node: &Node) -> Result<Vec<File>, StatusReply> {
        let now = now_s();
        let dir = |n: &str| File::new(n, dir_attrs(now));
        Ok(match node {
            Node::Root => vec![dir("innsending"), dir("kvittering")],
            Node::Inbox => self
                .state
                .schemes
                .iter()
                .filter(|s| self.scheme(&s.name).is_some())
                .map(|s| dir(&s.name))
                .collect(),
            Node::Scheme(s) => self
                .scheme(s)
                .map(|s| s.years.iter().map(|y| dir(&y.to_string())).collect())
                .unwrap_or_default(),
            Node::Year(s, y) => {
                let folder = format!("innsending/{s}/{y}");
                let files = self
                    .state
                    .store
                    .sftp_files(&self.login.orgnr, Some(&folder))
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
                    .sftp_files(&self.login.orgnr, None)
                    .await
                    .map_err(Self::db_failed)?;
                files
                    .iter()
                    .filter(|f| self.visible(&f.folder))
                    .flat_map(|f| {
                        let at = (f.taken_at / 1000) as u32;
                        let answer = File::new(&f.name, file_attrs(f.answer_size as u64, at));
                        let feedback = f.feedback.as_deref().map(|t| {
                            let name = format!("{}{FEEDBACK}", f.name);
                            File::new(name, file_attrs(feedback_text(t).len() as u64, at))
                        });
                        std::iter::once(answer).chain(feedback)
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
        let s = self.scheme(&scheme).ok_or_else(no_such)?;
        let (form_id, limit) = (s.form_id.clone(), s.limit);
        let spool = self.state.spool.clone();
        let file = tokio::task::spawn_blocking(move || tempfile::tempfile_in(spool))
            .await
            .map_err(|e| failed("making a spool file failed", e))?
            .map_err(|e| failed("no room for a file being written", e))?;
        // WinSCP writes `x.json.filepart` and renames it `x.json` when done: it is `x.json`.
        let name = match name.strip_suffix(PART) {
            Some(base) if good_name(base) => base.to_owned(),
            _ => name,
        };
        Ok(Upload {
            scheme,
            form_id,
            year,
            name,
            limit,
            file: tokio::fs::File::from_std(file),
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
        let handle = self.hold(Open::Dir(entries.into_iter()))?;
        Ok(Handle { id, handle })
    }

    async fn readdir(&mut self, id: u32, handle: String) -> Result<Name, Self::Error> {
        match self.handles.get_mut(&handle) {
            Some(Open::Dir(entries)) => {
                let files: Vec<File> = entries.by_ref().take(ENTRIES).collect();
                if files.is_empty() {
                    Err(StatusCode::Eof.into())
                } else {
                    Ok(Name { id, files })
                }
            }
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
            (Node::Answer(name), false) => Open::Read(self.answer(&name).await?.0.into_bytes()),
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
        let write_failed = |e| failed("writing a file failed", e);
        if up.pos != offset {
            up.file
                .seek(SeekFrom::Start(offset))
                .await
                .map_err(write_failed)?;
        }
        up.file.write_all(&data).await.map_err(write_failed)?;
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
                up.file
                    .flush()
                    .await
                    .map_err(|e| failed("writing a file failed", e))?;
                super::take::take(&self.state, &self.login, *up).await?;
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
        id: u32,
        path: String,
        _attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        // A file taken may be given its time (WinSCP does, after its rename); nothing is kept.
        let node = self.resolve(&path)?;
        match node {
            Node::Put { .. } => self.attrs(&node).await.map(|_| ok(id)),
            _ => Err(denied()),
        }
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
        id: u32,
        oldpath: String,
        newpath: String,
    ) -> Result<Status, Self::Error> {
        // WinSCP's `x.json.filepart` → `x.json`: taken as `x.json` when it was closed.
        let (from, to) = (self.resolve(&oldpath)?, self.resolve(&newpath)?);
        match (&from, &to) {
            (
                Node::Put { scheme, year, name },
                Node::Put {
                    scheme: s2,
                    year: y2,
                    name: n2,
                },
            ) if s2 == scheme && y2 == year && name.strip_suffix(PART) == Some(n2.as_str()) => {
                self.attrs(&to).await.map(|_| ok(id))
            }
            _ => Err(denied()),
        }
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

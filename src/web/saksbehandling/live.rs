//! The form author's live preview (`tasteskjema preview DIR`): the forms are read again from
//! their folder whenever a file in it changes, so an author edits a form file and sees the page
//! again — or the problems `check` finds — without starting anything again.
//!
//! Every request looks at the folder ([`LOOK_EVERY`] is zero: a look is a few dozen `stat`
//! calls, and a page opened right after a file was written must show it): the folder's files
//! (name, size, time of change) are compared with those of the last load, and read again if they
//! differ. A load with errors keeps the
//! last catalogue that loaded and shows its problems on every preview page; the next good load
//! replaces both. Each load that changes something moves [`Live::generation`] on, which the
//! page's small script polls to show the page again.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use crate::form::Catalog;
use crate::form::load::load_dir;

/// The live preview's one user, on the author's own machine: a form owner who needs no login.
pub fn author() -> crate::auth::ansatt::Employee {
    crate::auth::ansatt::Employee {
        key: "skjemaforfatter".to_owned(),
        name: "Skjemaforfatter".to_owned(),
        roles: vec![crate::auth::ansatt::Role::Skjemaforvalter],
        sid: None,
        id_token: String::new(),
    }
}

/// The problems of the form files: `file:line: problem`, and whether it is only a warning.
pub type Problems = Arc<Vec<(String, bool)>>;

/// The shortest time between two looks at the folder: none. (With a pause between looks, a
/// version added just after a look was not found until the next one.)
pub const LOOK_EVERY: Duration = Duration::ZERO;

/// The forms of a folder, as they are now.
pub struct Live {
    dir: PathBuf,
    state: Mutex<Loaded>,
}

struct Loaded {
    /// The last catalogue that loaded without errors.
    catalog: Arc<Catalog>,
    /// The problems of the last load (`file:line: problem`, and whether a warning).
    problems: Problems,
    /// What the folder held at the last load.
    stamp: Vec<(PathBuf, u64, Option<SystemTime>)>,
    /// Moves on with every load that changed something.
    generation: u64,
    looked: Instant,
}

/// What a preview page shows.
pub struct Now {
    /// The catalogue to show.
    pub catalog: Arc<Catalog>,
    /// The problems of the files as they are now (empty when they load cleanly).
    pub problems: Problems,
    /// Which load this is.
    pub generation: u64,
}

/// Every `.toml` file below `dir` (the areas, the forms, their scenarios) with its size and time
/// of change, sorted.
fn stamp(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut out = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(d) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(m) = e.metadata() else { continue };
            if m.is_dir() {
                folders.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                out.push((p, m.len(), m.modified().ok()));
            }
        }
    }
    out.sort();
    out
}

impl Live {
    /// Loads the folder's forms now. A first load with errors starts from an empty catalogue.
    pub fn new(dir: PathBuf) -> Live {
        let stamp = stamp(&dir);
        let loaded = load_dir(&dir);
        let problems = loaded.problem_lines();
        Live {
            state: Mutex::new(Loaded {
                catalog: Arc::new(loaded.catalog.unwrap_or_default()),
                problems: Arc::new(problems),
                stamp,
                generation: 1,
                looked: Instant::now(),
            }),
            dir,
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The forms as the files are now: loaded again if a file changed since the last look.
    pub fn now(&self) -> Now {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if s.looked.elapsed() >= LOOK_EVERY {
            s.looked = Instant::now();
            let now = stamp(&self.dir);
            if now != s.stamp {
                let loaded = load_dir(&self.dir);
                s.problems = Arc::new(loaded.problem_lines());
                match loaded.catalog {
                    Some(c) => {
                        tracing::info!(dir = %self.dir.display(), "the forms were loaded again");
                        s.catalog = Arc::new(c);
                    }
                    None => tracing::warn!(
                        dir = %self.dir.display(),
                        "the forms have errors; the last forms that loaded are shown"
                    ),
                }
                s.stamp = now;
                s.generation += 1;
            }
        }
        Now {
            catalog: s.catalog.clone(),
            problems: s.problems.clone(),
            generation: s.generation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_forms(to: &Path) {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("forms");
        for e in walk(&from) {
            let rel = e.strip_prefix(&from).unwrap();
            let target = to.join(rel);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&e, target).unwrap();
        }
    }

    fn walk(d: &Path) -> Vec<PathBuf> {
        stamp(d).into_iter().map(|(p, _, _)| p).collect()
    }

    #[test]
    fn a_changed_file_is_loaded_again_and_a_broken_one_keeps_the_last_good_forms() {
        let dir = tempfile::tempdir().unwrap();
        copy_forms(dir.path());
        let live = Live::new(dir.path().to_path_buf());
        let first = live.now();
        assert!(
            first.problems.iter().all(|(_, w)| *w),
            "{:?}",
            first.problems
        );
        let title = |n: &Now| n.catalog.latest("RF-1140").unwrap().title.nb.clone();
        let before = title(&first);

        let file = dir.path().join("grunnlagsdata/RF-1140.toml");
        let src = std::fs::read_to_string(&file).unwrap();
        let changed = src.replacen(&format!("nb = \"{before}\""), "nb = \"Ny tittel\"", 1);
        assert_ne!(changed, src, "the title is written as expected");
        std::fs::write(&file, &changed).unwrap();
        std::thread::sleep(LOOK_EVERY);
        let second = live.now();
        assert_eq!(title(&second), "Ny tittel");
        assert!(second.generation > first.generation);

        // Nothing changed: the same load.
        std::thread::sleep(LOOK_EVERY);
        assert_eq!(live.now().generation, second.generation);

        // A broken file: its problem is shown, the last forms that loaded stay.
        std::fs::write(&file, format!("{changed}\nthis is not toml")).unwrap();
        std::thread::sleep(LOOK_EVERY);
        let third = live.now();
        assert_eq!(title(&third), "Ny tittel");
        assert!(
            third
                .problems
                .iter()
                .any(|(p, w)| !w && p.contains("RF-1140.toml:")),
            "{:?}",
            third.problems
        );
    }
}

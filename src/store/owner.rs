//! Who a row of user data belongs to.

/// The owner of drafts. Until login exists a draft belongs to the browser session; login will add a
/// person-and-party variant here, and the handlers, which only pass an `Owner` along, stay as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// An anonymous browser session, by a random id kept in the server-side session.
    Browser(String),
}

impl Owner {
    /// The logged-in person's pid, when there is one (the audit log's `person`).
    pub fn person(&self) -> Option<&str> {
        match self {
            Owner::Browser(_) => None,
        }
    }

    /// The party acted for, when there is one (the audit log's `party`).
    pub fn party(&self) -> Option<&str> {
        match self {
            Owner::Browser(_) => None,
        }
    }

    /// The key stored in the `owner` column.
    pub fn key(&self) -> String {
        match self {
            Owner::Browser(id) => format!("browser:{id}"),
        }
    }
}

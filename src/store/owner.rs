//! Who a row of user data belongs to.

/// The owner of drafts (and later submissions): a logged-in person acting for a party. Both are
/// stored on every row and every query filters on both, so another person's draft, or the same
/// person's draft for another party, is simply not found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    person: String,
    party: String,
}

impl Owner {
    /// `person` is the pid; `party` a party key such as `org:819897522` or `person:<pid>`.
    pub fn new(person: impl Into<String>, party: impl Into<String>) -> Owner {
        Owner {
            person: person.into(),
            party: party.into(),
        }
    }

    /// The logged-in person's pid.
    pub fn person(&self) -> &str {
        &self.person
    }

    /// The party acted for.
    pub fn party(&self) -> &str {
        &self.party
    }

    /// Both together, for the audit log's `owner` column.
    pub fn key(&self) -> String {
        format!("{}|{}", self.person, self.party)
    }
}

//! The states the store keeps as text columns, as enums: the compiler knows every value, and the
//! database keeps the same words it always has.

use std::fmt;
use std::str::FromStr;

/// A stored word that is none of its enum's values.
#[derive(Debug, thiserror::Error)]
#[error("unknown {what} {value:?} in the database")]
pub struct UnknownValue {
    what: &'static str,
    value: String,
}

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($(#[$vm:meta])* $v:ident = $s:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $v,)+
        }

        impl $name {
            /// Every value.
            pub const ALL: &[$name] = &[$($name::$v,)+];

            /// The word stored in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$v => $s,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($s => Ok($name::$v),)+
                    _ => Err(UnknownValue { what: $what, value: s.to_owned() }),
                }
            }
        }

        /// Written as the stored word (e.g. in the API's JSON).
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        /// Compared with the stored word, as the database (and a test reading it) sees it.
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownValue;
            fn try_from(s: String) -> Result<Self, UnknownValue> {
                s.parse()
            }
        }
    };
}

text_enum! {
    /// Where a submission stands with the domain system.
    SubmissionStatus, "submission status" {
        /// Taken in; no verdict yet.
        Received = "received",
        /// The domain system accepted it.
        Accepted = "accepted",
        /// The domain system rejected it.
        Rejected = "rejected",
    }
}

text_enum! {
    /// What the virus scan said of an attachment.
    AttachmentStatus, "attachment status" {
        /// Not scanned yet (the scanner did not answer).
        Pending = "pending",
        /// Scanned and clean, or no scanner is configured.
        Clean = "clean",
        /// The scanner found malware; the bytes are gone.
        Infected = "infected",
    }
}

text_enum! {
    /// Where an outbox job stands.
    JobState, "job state" {
        /// Waiting to be tried (again).
        Pending = "pending",
        /// Delivered.
        Done = "done",
        /// Failed too often; kept for an operator.
        Parked = "parked",
    }
}

text_enum! {
    /// What an outbox job delivers.
    JobKind, "job kind" {
        /// The submission to the party's Dialogporten inbox.
        Dialogporten = "dialogporten",
        /// The submission to the domain system.
        Domain = "domain",
        /// The domain system's feedback, fetched.
        Feedback = "feedback",
        /// The feedback to the party's Dialogporten dialog.
        DialogportenFeedback = "dialogporten.feedback",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_reads_back_from_its_word() {
        for s in SubmissionStatus::ALL {
            assert_eq!(s.as_str().parse::<SubmissionStatus>().unwrap(), *s);
        }
        for s in AttachmentStatus::ALL {
            assert_eq!(s.as_str().parse::<AttachmentStatus>().unwrap(), *s);
        }
        for s in JobState::ALL {
            assert_eq!(s.as_str().parse::<JobState>().unwrap(), *s);
        }
        for s in JobKind::ALL {
            assert_eq!(JobKind::try_from(s.to_string()).unwrap(), *s);
        }
        let e = "sent".parse::<JobState>().unwrap_err().to_string();
        assert_eq!(e, "unknown job state \"sent\" in the database");
    }
}

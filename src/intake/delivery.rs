//! Why a delivery to a receiver (a domain system, Dialogporten) did not go through: one type for
//! every receiver, because the outbox decides from it alone whether to try again.

/// Why a delivery did not go through; the outbox retries the first kind and parks the others.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Worth trying again later: the receiver could not be reached, was too slow, overloaded or
    /// failing (5xx, 408, 429), refused a token that may since have been renewed, or no token
    /// could be had.
    #[error("{0}")]
    Retryable(String),
    /// Sending the same request again will not help: the receiver refused it.
    #[error("the receiver refused the request with {status}: {body}")]
    Permanent {
        /// The HTTP status.
        status: u16,
        /// The start of the answer, for the log.
        body: String,
    },
    /// Trying again will not help, though no receiver refused anything: what is to be delivered
    /// cannot be (a stored document or id that does not parse, a form that is gone), or an answer
    /// came in a shape the portal cannot use.
    #[error("{0}")]
    Unusable(String),
}

impl DeliveryError {
    /// True for [`DeliveryError::Retryable`].
    pub fn is_retryable(&self) -> bool {
        matches!(self, DeliveryError::Retryable(_))
    }
}

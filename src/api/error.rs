//! The API's errors: Skatteetaten's `Feil` document with its GLD codes, and [`ApiError`], which
//! every handler returns and which answers with a `Feil` naming the request's id.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::form::validate::FieldError;
use crate::intake::SubmitError;
use crate::security::RequestId;

pub use crate::intake::feil::{Feil, Feilspesifisering};

/// An API error: a status and a [`Feil`].
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kode: &'static str,
    melding: String,
    details: Vec<Feilspesifisering>,
    /// Seconds to wait before trying again (`Retry-After`), for a passing outage.
    retry_after: Option<u32>,
}

impl ApiError {
    /// A refusal (or failure) with its GLD code and words.
    pub(super) fn new(
        status: StatusCode,
        kode: &'static str,
        melding: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            kode,
            melding: melding.into(),
            details: Vec::new(),
            retry_after: None,
        }
    }

    /// `GLD_011`, something wrong with the request's metadata (a header, the path), with its
    /// detail.
    pub(super) fn metadata(
        status: StatusCode,
        kode: &str,
        melding: impl Into<String>,
        sti: Option<&str>,
    ) -> ApiError {
        ApiError::new(status, "GLD_011", "Feil i metadata for forespørselen.")
            .detail(kode, melding, sti)
    }

    /// With a detail at the path `sti`.
    pub(super) fn detail(
        mut self,
        kode: &str,
        melding: impl Into<String>,
        sti: Option<&str>,
    ) -> ApiError {
        self.details.push(Feilspesifisering {
            kode: kode.to_owned(),
            melding: melding.into(),
            sti: sti.map(str::to_owned),
            angitt_verdi: None,
        });
        self
    }

    /// With a detail written in full.
    pub(super) fn push(&mut self, detail: Feilspesifisering) {
        self.details.push(detail);
    }

    /// A failure of the database: 503 with `Retry-After` when it cannot be reached now (the
    /// caller should send the same request again, with the same idempotency key), else as
    /// [`ApiError::internal`].
    pub(super) fn db(e: sqlx::Error) -> ApiError {
        if !crate::store::unavailable(&e) {
            return ApiError::internal(e);
        }
        tracing::warn!(error = %e, "API request: the database is unavailable");
        ApiError::unavailable()
    }

    /// 503 with `Retry-After`: the service cannot answer now; the same request may be sent
    /// again later.
    pub(super) fn unavailable() -> ApiError {
        ApiError {
            retry_after: Some(crate::store::RETRY_AFTER_S),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "GLD_001",
                "Tjenesten er midlertidig utilgjengelig. Send den samme forespørselen igjen om litt.",
            )
        }
    }

    /// An unexpected failure: logged with `e`, answered with nothing of it.
    pub(super) fn internal(e: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "API request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "GLD_001",
            "Det oppstod en uventet feil. Prøv igjen senere.",
        )
    }
}

/// The response, with the id of the request being served as `korrelasjonsid` (the same id the
/// response's `x-request-id` echoes).
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if !self.status.is_server_error() {
            tracing::info!(
                status = self.status.as_u16(),
                kode = self.kode,
                "API request refused"
            );
        }
        let body = Feil {
            kode: self.kode,
            melding: self.melding,
            korrelasjonsid: RequestId::current(),
            spesifisering: self.details,
        };
        let mut r = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after {
            r.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, s.into());
        }
        r
    }
}

/// Anything else under `/api`, answered in the API's own error format.
pub(super) async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "GLD_021", "Ressursen finnes ikke.")
}

/// What a caller is told of a refused token: which check failed, in words that name nothing of
/// the portal's own systems.
pub(super) fn token_refusal(e: &crate::auth::maskinporten::TokenError) -> &'static str {
    use crate::auth::maskinporten::TokenError as T;
    match e {
        T::MissingToken => "Forespørselen har ikke noe Maskinporten-token.",
        T::NotBearer => "Authorization må være «Bearer» og et token.",
        T::Malformed(_) => "Tokenet kan ikke leses som en JWT.",
        T::UnsupportedAlgorithm(_) => "Tokenet må være signert med RS256.",
        T::UnknownKey | T::BadSignature => "Tokenets signatur kan ikke kontrolleres.",
        T::KeysUnavailable(_) => {
            "Maskinportens nøkler er ikke tilgjengelige nå. Prøv igjen senere."
        }
        T::WrongIssuer => "Tokenet er ikke utstedt av Maskinporten.",
        T::WrongAudience => "Tokenet er begrenset til et annet API (aud).",
        T::Expired => "Tokenet er utløpt.",
        T::NotYetValid => "Tokenet er ikke gyldig ennå.",
        T::InvalidClaims(_) => "Tokenet mangler opplysninger API-et trenger.",
        T::InsufficientScope { .. } => "Tokenet mangler scope for dette API-et.",
    }
}

pub(super) use crate::intake::feil::Given;

/// The validation errors as `Feil`: each at its `sti`, with the value given.
pub(super) fn invalid(errors: &[FieldError], doc: &dyn Given) -> ApiError {
    content_error(crate::intake::feil::details(errors, doc))
}

/// `GLD_010`, errors in the content, with one detail per error.
pub(super) fn content_error(details: impl IntoIterator<Item = Feilspesifisering>) -> ApiError {
    let (kode, melding) = crate::intake::feil::CONTENT;
    let mut e = ApiError::new(StatusCode::BAD_REQUEST, kode, melding);
    for d in details {
        e.push(d);
    }
    e
}

/// A refused submission as the API answers it.
pub(super) fn submit_error(e: SubmitError, doc: &dyn Given) -> ApiError {
    match e {
        SubmitError::Invalid(errors) => invalid(&errors, doc),
        SubmitError::Forbidden => ApiError::new(
            StatusCode::FORBIDDEN,
            "GLD_005",
            "Systembrukeren har ikke tilgang til å levere dette for denne virksomheten.",
        ),
        SubmitError::KeyReused => ApiError::new(
            StatusCode::CONFLICT,
            "GLD_019",
            "idempotencyKey er brukt før for en annen melding. En ny innsending med nytt innhold skal ha ny nøkkel.",
        ),
        SubmitError::DraftChanged => ApiError::internal("a draft changed under an API submission"),
        SubmitError::StagedChanged => ApiError::new(
            StatusCode::CONFLICT,
            "GLD_006",
            "Innsendingen ble endret mens den ble bekreftet. Prøv igjen.",
        ),
        SubmitError::Db(e) => ApiError::db(e),
    }
}

/// A body over the limit.
pub(super) fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "GLD_006",
        "Forespørselen er for stor.",
    )
}

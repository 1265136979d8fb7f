//! Validation: (form, document, scope) → field errors whose paths are the API's `sti`.

use serde_json::Value;

use super::attachment::{Described, FileKind, Refusal};
use super::definition::{Bounds, Field, FieldKind, Form, Lang, Text};
use super::document::{self, get, instantiate, is_empty, row_count};
use super::expr::{Context, Seg, format_path};
use super::no::{self, IdError};

/// How much of the document to check.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// One page (by index): its fields and the rules that point at them.
    Page(usize),
    /// Everything, including computed values (before submitting, and for the API).
    All,
}

/// What is wrong with an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
    /// No answer, but one is required.
    Required,
    /// Not a number.
    NotNumber,
    /// Not a whole number.
    NotWhole,
    /// Below the minimum.
    TooSmall(f64),
    /// Above the maximum.
    TooLarge(f64),
    /// Too few characters.
    TooShort(usize),
    /// Too many characters.
    TooLong(usize),
    /// Does not match the pattern.
    Pattern,
    /// Not one of the options.
    NotOption,
    /// Not a real date.
    NotDate,
    /// Not a real day and month.
    NotDayMonth,
    /// Neither yes nor no.
    NotYesNo,
    /// Not text.
    NotText,
    /// A bad organisasjonsnummer.
    Orgnr(IdError),
    /// A bad fødselsnummer or d-nummer.
    Fnr(IdError),
    /// A bad kontonummer.
    Kontonummer(IdError),
    /// A bad kommunenummer.
    Kommunenummer(IdError),
    /// A bad postnummer.
    Postnummer(IdError),
    /// Not an e-mail address.
    Email,
    /// Not a telephone number.
    Phone,
    /// None of the alternatives filled in.
    EitherNone,
    /// More than one alternative filled in.
    EitherMany,
    /// Too few rows.
    TooFewRows(usize),
    /// Too many rows.
    TooManyRows(usize),
    /// A rule's own message.
    Rule(Text),
    /// A computed value that does not match the answers.
    Computed(Value),
    /// Too few files.
    FilesTooFew(usize),
    /// Too many files.
    FilesTooMany(usize),
    /// The files together are larger than the field allows (bytes).
    FilesTotal(u64),
    /// One file is larger than the field allows (name, bytes).
    FileTooLarge(String, u64),
    /// A file the checks refused (name, why).
    FileRefused(String, Refusal),
    /// A file the virus scanner found something in (name); it has been removed.
    FileInfected(String),
    /// A file still being checked (name).
    FilePending(String),
    /// A file description that is not one the portal made.
    FileBad,
}

impl ErrorKind {
    /// A stable code, used in the API's `spesifisering.kode` detail and in tests.
    pub fn code(&self) -> &'static str {
        match self {
            ErrorKind::Required => "required",
            ErrorKind::NotNumber => "not_number",
            ErrorKind::NotWhole => "not_whole",
            ErrorKind::TooSmall(_) => "too_small",
            ErrorKind::TooLarge(_) => "too_large",
            ErrorKind::TooShort(_) => "too_short",
            ErrorKind::TooLong(_) => "too_long",
            ErrorKind::Pattern => "pattern",
            ErrorKind::NotOption => "not_option",
            ErrorKind::NotDate => "not_date",
            ErrorKind::NotDayMonth => "not_daymonth",
            ErrorKind::NotYesNo => "not_yesno",
            ErrorKind::NotText => "not_text",
            ErrorKind::Orgnr(_) => "orgnr",
            ErrorKind::Fnr(_) => "fnr",
            ErrorKind::Kontonummer(_) => "kontonummer",
            ErrorKind::Kommunenummer(_) => "kommunenummer",
            ErrorKind::Postnummer(_) => "postnummer",
            ErrorKind::Email => "email",
            ErrorKind::Phone => "phone",
            ErrorKind::EitherNone => "either_none",
            ErrorKind::EitherMany => "either_many",
            ErrorKind::TooFewRows(_) => "too_few_rows",
            ErrorKind::TooManyRows(_) => "too_many_rows",
            ErrorKind::Rule(_) => "rule",
            ErrorKind::Computed(_) => "computed",
            ErrorKind::FilesTooFew(_) => "files_too_few",
            ErrorKind::FilesTooMany(_) => "files_too_many",
            ErrorKind::FilesTotal(_) => "files_total",
            ErrorKind::FileTooLarge(..) => "file_too_large",
            ErrorKind::FileRefused(..) => "file_refused",
            ErrorKind::FileInfected(_) => "file_infected",
            ErrorKind::FilePending(_) => "file_pending",
            ErrorKind::FileBad => "file_bad",
        }
    }
}

/// An error at a concrete path.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// Concrete path (the API's `sti`).
    pub path: Vec<Seg>,
    /// What is wrong.
    pub kind: ErrorKind,
    /// The field's label, to name it in the message.
    pub label: Option<Text>,
}

fn num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        super::input::group_thousands(&format!("{}", n as i64))
    } else {
        n.to_string().replace('.', ",")
    }
}

/// A size for people: `10 MB`, `512 kB`.
pub fn size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        let mb = bytes as f64 / MB as f64;
        if mb.fract() < 0.05 {
            format!("{} MB", mb.round() as u64)
        } else {
            format!("{:.1} MB", mb).replace('.', ",")
        }
    } else {
        format!("{} kB", bytes.div_ceil(1024).max(1))
    }
}

/// Why a file was refused, for a person.
fn refusal(f: &str, r: Refusal, lang: Lang) -> String {
    use Lang::*;
    use Refusal as R;
    let kind = |k: FileKind| k.label();
    match (r, lang) {
        (R::Empty, Nb) => format!("«{f}» er tom. Velg en fil med innhold."),
        (R::Empty, Nn) => format!("«{f}» er tom. Vel ei fil med innhald."),
        (R::Empty, En) => format!("«{f}» is empty. Choose a file with content."),
        (R::Executable, Nb) => format!("«{f}» er et program. Programmer kan ikke lastes opp."),
        (R::Executable, Nn) => format!("«{f}» er eit program. Program kan ikkje lastast opp."),
        (R::Executable, En) => format!("«{f}» is a program. Programs cannot be uploaded."),
        (R::UnknownType, Nb) => format!(
            "Vi kjenner ikke igjen filtypen til «{f}». Lagre den som en av filtypene som er lov, og prøv igjen."
        ),
        (R::UnknownType, Nn) => format!(
            "Vi kjenner ikkje att filtypen til «{f}». Lagre ho som ein av filtypane som er lov, og prøv igjen."
        ),
        (R::UnknownType, En) => format!(
            "We do not recognise the file type of «{f}». Save it as one of the allowed types and try again."
        ),
        (R::NotAllowed(k), Nb) => format!("«{f}» er en {}-fil, og det er ikke lov her.", kind(k)),
        (R::NotAllowed(k), Nn) => format!("«{f}» er ei {}-fil, og det er ikkje lov her.", kind(k)),
        (R::NotAllowed(k), En) => {
            format!("«{f}» is a {} file, which is not allowed here.", kind(k))
        }
        (R::ExtensionMismatch(k), Nb) => format!(
            "«{f}» er egentlig en {}-fil, men navnet sier noe annet. Lagre filen i riktig format og prøv igjen.",
            kind(k)
        ),
        (R::ExtensionMismatch(k), Nn) => format!(
            "«{f}» er eigentleg ei {}-fil, men namnet seier noko anna. Lagre fila i rett format og prøv igjen.",
            kind(k)
        ),
        (R::ExtensionMismatch(k), En) => format!(
            "«{f}» is really a {} file, but its name says otherwise. Save the file in the right format and try again.",
            kind(k)
        ),
        (R::EncryptedPdf, Nb) => {
            format!("«{f}» er passordbeskyttet. Fjern passordet og last opp filen igjen.")
        }
        (R::EncryptedPdf, Nn) => {
            format!("«{f}» er passordverna. Fjern passordet og last opp fila igjen.")
        }
        (R::EncryptedPdf, En) => {
            format!("«{f}» is password-protected. Remove the password and upload the file again.")
        }
        (R::ActivePdf, Nb) => format!(
            "«{f}» inneholder skript eller handlinger som kan kjøre kode. Skriv ut til en ny PDF og prøv igjen."
        ),
        (R::ActivePdf, Nn) => format!(
            "«{f}» inneheld skript eller handlingar som kan køyre kode. Skriv ut til ein ny PDF og prøv igjen."
        ),
        (R::ActivePdf, En) => format!(
            "«{f}» contains scripts or actions that can run code. Print it to a new PDF and try again."
        ),
        (R::MacroOffice, Nb) => format!(
            "«{f}» er et Office-dokument som kan inneholde makroer. Lagre det som PDF og prøv igjen."
        ),
        (R::MacroOffice, Nn) => format!(
            "«{f}» er eit Office-dokument som kan innehalde makroar. Lagre det som PDF og prøv igjen."
        ),
        (R::MacroOffice, En) => format!(
            "«{f}» is an Office document that can contain macros. Save it as PDF and try again."
        ),
        (R::Polyglot, Nb) => format!(
            "«{f}» inneholder en fil av en annen type i tillegg. Lagre filen på nytt og prøv igjen."
        ),
        (R::Polyglot, Nn) => format!(
            "«{f}» inneheld ei fil av ein annan type i tillegg. Lagre fila på nytt og prøv igjen."
        ),
        (R::Polyglot, En) => format!(
            "«{f}» also contains a file of another type. Save the file again and try again."
        ),
        (R::ZipBomb, Nb) => format!(
            "«{f}» pakker seg ut til langt mer enn vi kan ta imot. Send filene hver for seg."
        ),
        (R::ZipBomb, Nn) => format!(
            "«{f}» pakkar seg ut til langt meir enn vi kan ta imot. Send filene kvar for seg."
        ),
        (R::ZipBomb, En) => {
            format!("«{f}» unpacks to far more than we can accept. Send the files one by one.")
        }
        (R::BadArchive, Nb) => format!(
            "«{f}» kan ikke pakkes ut trygt (den er kryptert, har arkiver i seg eller ugyldige navn). Send filene hver for seg."
        ),
        (R::BadArchive, Nn) => format!(
            "«{f}» kan ikkje pakkast ut trygt (ho er kryptert, har arkiv i seg eller ugyldige namn). Send filene kvar for seg."
        ),
        (R::BadArchive, En) => format!(
            "«{f}» cannot be unpacked safely (it is encrypted, holds archives or has invalid names). Send the files one by one."
        ),
        (R::Unreadable, Nb) => format!(
            "Vi klarte ikke å lese «{f}». Lagre filen på nytt (en PDF kan du skrive ut til en ny PDF) og prøv igjen."
        ),
        (R::Unreadable, Nn) => format!(
            "Vi klarte ikkje å lese «{f}». Lagre fila på nytt (ein PDF kan du skrive ut til ein ny PDF) og prøv igjen."
        ),
        (R::Unreadable, En) => format!(
            "We could not read «{f}». Save the file again (a PDF can be printed to a new PDF) and try again."
        ),
    }
}

impl FieldError {
    /// The `sti` form of the path.
    pub fn sti(&self) -> String {
        format_path(&self.path)
    }

    /// The message for a person, in their language, naming the field.
    pub fn message(&self, lang: Lang) -> String {
        let label = self.label.as_ref().map(|l| l.get(lang).to_string());
        let l = label.as_deref().unwrap_or(match lang {
            Lang::En => "This field",
            Lang::Nb => "Feltet",
            Lang::Nn => "Feltet",
        });
        use ErrorKind as E;
        use Lang::*;
        let id = |e: &IdError, what_nb: &str, what_nn: &str, what_en: &str| -> String {
            match (e, lang) {
                (IdError::WrongLength { expected }, Nb) => {
                    format!("{what_nb} må ha {expected} siffer")
                }
                (IdError::WrongLength { expected }, Nn) => {
                    format!("{what_nn} må ha {expected} siffer")
                }
                (IdError::WrongLength { expected }, En) => {
                    format!("{what_en} must have {expected} digits")
                }
                (IdError::NotDigits, Nb) => format!("{what_nb} kan bare inneholde siffer"),
                (IdError::NotDigits, Nn) => format!("{what_nn} kan berre innehalde siffer"),
                (IdError::NotDigits, En) => format!("{what_en} can only contain digits"),
                (IdError::InvalidDate, Nb) => {
                    format!("{what_nb} inneholder ikke en gyldig fødselsdato")
                }
                (IdError::InvalidDate, Nn) => {
                    format!("{what_nn} inneheld ikkje ein gyldig fødselsdato")
                }
                (IdError::InvalidDate, En) => {
                    format!("{what_en} does not contain a valid date of birth")
                }
                (IdError::UnknownKommune, Nb) => {
                    format!("{what_nb} finnes ikke – sjekk kommunenummeret")
                }
                (IdError::UnknownKommune, Nn) => {
                    format!("{what_nn} finst ikkje – sjekk kommunenummeret")
                }
                (IdError::UnknownKommune, En) => {
                    format!("{what_en} does not exist – check the municipality number")
                }
                (_, Nb) => format!("{what_nb} er ikke gyldig – sjekk at alle sifrene er riktige"),
                (_, Nn) => {
                    format!("{what_nn} er ikkje gyldig – sjekk at alle sifra er rette")
                }
                (_, En) => format!("{what_en} is not valid – check that every digit is right"),
            }
        };
        match (&self.kind, lang) {
            (E::Required, Nb) => format!("Fyll ut «{l}»"),
            (E::Required, Nn) => format!("Fyll ut «{l}»"),
            (E::Required, En) => format!("Enter «{l}»"),
            (E::NotNumber, Nb) => format!("«{l}» må være et tall"),
            (E::NotNumber, Nn) => format!("«{l}» må vere eit tal"),
            (E::NotNumber, En) => format!("«{l}» must be a number"),
            (E::NotWhole, Nb) => format!("«{l}» må være et helt tall, uten desimaler"),
            (E::NotWhole, Nn) => format!("«{l}» må vere eit heilt tal, utan desimalar"),
            (E::NotWhole, En) => format!("«{l}» must be a whole number, without decimals"),
            (E::TooSmall(m), Nb) => format!("«{l}» må være {} eller mer", num(*m)),
            (E::TooSmall(m), Nn) => format!("«{l}» må vere {} eller meir", num(*m)),
            (E::TooSmall(m), En) => format!("«{l}» must be {} or more", num(*m)),
            (E::TooLarge(m), Nb) => format!("«{l}» kan ikke være mer enn {}", num(*m)),
            (E::TooLarge(m), Nn) => format!("«{l}» kan ikkje vere meir enn {}", num(*m)),
            (E::TooLarge(m), En) => format!("«{l}» cannot be more than {}", num(*m)),
            (E::TooShort(n), Nb) => format!("«{l}» må ha minst {n} tegn"),
            (E::TooShort(n), Nn) => format!("«{l}» må ha minst {n} teikn"),
            (E::TooShort(n), En) => format!("«{l}» must have at least {n} characters"),
            (E::TooLong(n), Nb) => format!("«{l}» kan ha høyst {n} tegn"),
            (E::TooLong(n), Nn) => format!("«{l}» kan ha høgst {n} teikn"),
            (E::TooLong(n), En) => format!("«{l}» can have at most {n} characters"),
            (E::Pattern, Nb) => format!("«{l}» har feil format"),
            (E::Pattern, Nn) => format!("«{l}» har feil format"),
            (E::Pattern, En) => format!("«{l}» is in the wrong format"),
            (E::NotOption, Nb) => format!("Velg et av alternativene for «{l}»"),
            (E::NotOption, Nn) => format!("Vel eitt av alternativa for «{l}»"),
            (E::NotOption, En) => format!("Choose one of the options for «{l}»"),
            (E::NotDate, Nb) => format!("«{l}» må være en gyldig dato, som 31.01.2025"),
            (E::NotDate, Nn) => format!("«{l}» må vere ein gyldig dato, som 31.01.2025"),
            (E::NotDate, En) => format!("«{l}» must be a real date, like 31.01.2025"),
            (E::NotDayMonth, Nb) => {
                format!("«{l}» må være dag og måned med fire siffer, som 0101 for 1. januar")
            }
            (E::NotDayMonth, Nn) => {
                format!("«{l}» må vere dag og månad med fire siffer, som 0101 for 1. januar")
            }
            (E::NotDayMonth, En) => {
                format!("«{l}» must be day and month as four digits, like 0101 for 1 January")
            }
            (E::NotYesNo, Nb) => format!("Svar ja eller nei på «{l}»"),
            (E::NotYesNo, Nn) => format!("Svar ja eller nei på «{l}»"),
            (E::NotYesNo, En) => format!("Answer yes or no to «{l}»"),
            (E::NotText, Nb) => format!("«{l}» må være tekst"),
            (E::NotText, Nn) => format!("«{l}» må vere tekst"),
            (E::NotText, En) => format!("«{l}» must be text"),
            (E::Orgnr(e), _) => id(
                e,
                "Organisasjonsnummeret",
                "Organisasjonsnummeret",
                "The organisation number",
            ),
            (E::Fnr(e), _) => id(
                e,
                "Fødselsnummeret",
                "Fødselsnummeret",
                "The national identity number",
            ),
            (E::Kontonummer(e), _) => id(e, "Kontonummeret", "Kontonummeret", "The account number"),
            (E::Kommunenummer(e), _) => id(
                e,
                "Kommunenummeret",
                "Kommunenummeret",
                "The municipality number",
            ),
            (E::Postnummer(e), _) => id(e, "Postnummeret", "Postnummeret", "The postcode"),
            (E::Email, Nb) => format!("«{l}» må være en e-postadresse, som navn@eksempel.no"),
            (E::Email, Nn) => format!("«{l}» må vere ei e-postadresse, som namn@døme.no"),
            (E::Email, En) => format!("«{l}» must be an email address, like name@example.no"),
            (E::Phone, Nb) => {
                format!("«{l}» må være et telefonnummer, bare siffer og eventuelt + foran")
            }
            (E::Phone, Nn) => {
                format!("«{l}» må vere eit telefonnummer, berre siffer og eventuelt + framfor")
            }
            (E::Phone, En) => {
                format!("«{l}» must be a phone number: digits, with an optional + first")
            }
            (E::EitherNone, Nb) => format!("Fyll ut ett av feltene under «{l}»"),
            (E::EitherNone, Nn) => format!("Fyll ut eitt av felta under «{l}»"),
            (E::EitherNone, En) => format!("Fill in one of the fields under «{l}»"),
            (E::EitherMany, Nb) => format!("Fyll ut bare ett av feltene under «{l}»"),
            (E::EitherMany, Nn) => format!("Fyll ut berre eitt av felta under «{l}»"),
            (E::EitherMany, En) => format!("Fill in only one of the fields under «{l}»"),
            (E::TooFewRows(n), Nb) => format!("«{l}» må ha minst {n} rad(er)"),
            (E::TooFewRows(n), Nn) => format!("«{l}» må ha minst {n} rad(er)"),
            (E::TooFewRows(n), En) => format!("«{l}» needs at least {n} row(s)"),
            (E::TooManyRows(n), Nb) => format!("«{l}» kan ha høyst {n} rader"),
            (E::TooManyRows(n), Nn) => format!("«{l}» kan ha høgst {n} rader"),
            (E::TooManyRows(n), En) => format!("«{l}» can have at most {n} rows"),
            (E::Rule(t), _) => t.get(lang).to_string(),
            (E::Computed(v), Nb) => format!("«{l}» stemmer ikke med radene; den skal være {v}"),
            (E::Computed(v), Nn) => format!("«{l}» stemmer ikkje med radene; han skal vere {v}"),
            (E::Computed(v), En) => format!("«{l}» does not match the rows; it should be {v}"),
            (E::FilesTooFew(1), Nb) => format!("Legg ved en fil under «{l}»"),
            (E::FilesTooFew(1), Nn) => format!("Legg ved ei fil under «{l}»"),
            (E::FilesTooFew(1), En) => format!("Attach a file under «{l}»"),
            (E::FilesTooFew(n), Nb) => format!("Legg ved minst {n} filer under «{l}»"),
            (E::FilesTooFew(n), Nn) => format!("Legg ved minst {n} filer under «{l}»"),
            (E::FilesTooFew(n), En) => format!("Attach at least {n} files under «{l}»"),
            (E::FilesTooMany(n), Nb) => {
                format!(
                    "Du kan legge ved høyst {n} filer under «{l}». Fjern en fil før du legger ved en ny."
                )
            }
            (E::FilesTooMany(n), Nn) => {
                format!(
                    "Du kan leggje ved høgst {n} filer under «{l}». Fjern ei fil før du legg ved ei ny."
                )
            }
            (E::FilesTooMany(n), En) => {
                format!(
                    "You can attach at most {n} files under «{l}». Remove a file before adding another."
                )
            }
            (E::FilesTotal(b), Nb) => {
                format!("Filene under «{l}» kan til sammen være høyst {}", size(*b))
            }
            (E::FilesTotal(b), Nn) => {
                format!("Filene under «{l}» kan til saman vere høgst {}", size(*b))
            }
            (E::FilesTotal(b), En) => {
                format!("The files under «{l}» can be at most {} together", size(*b))
            }
            (E::FileTooLarge(f, b), Nb) => {
                format!("«{f}» er for stor. Hver fil kan være høyst {}.", size(*b))
            }
            (E::FileTooLarge(f, b), Nn) => {
                format!("«{f}» er for stor. Kvar fil kan vere høgst {}.", size(*b))
            }
            (E::FileTooLarge(f, b), En) => {
                format!("«{f}» is too large. Each file can be at most {}.", size(*b))
            }
            (E::FileRefused(f, r), _) => refusal(f, *r, lang),
            (E::FileInfected(f), Nb) => format!(
                "Vi fant skadelig innhold i «{f}», og filen er slettet. Kontroller filen og last opp en ren kopi."
            ),
            (E::FileInfected(f), Nn) => format!(
                "Vi fann skadeleg innhald i «{f}», og fila er sletta. Kontroller fila og last opp ein rein kopi."
            ),
            (E::FileInfected(f), En) => format!(
                "We found harmful content in «{f}», and the file has been deleted. Check the file and upload a clean copy."
            ),
            (E::FilePending(f), Nb) => {
                format!("Vi kontrollerer fortsatt «{f}». Vent litt og prøv igjen.")
            }
            (E::FilePending(f), Nn) => {
                format!("Vi kontrollerer framleis «{f}». Vent litt og prøv igjen.")
            }
            (E::FilePending(f), En) => {
                format!("We are still checking «{f}». Wait a moment and try again.")
            }
            (E::FileBad, Nb) => format!("Filene under «{l}» er ikke beskrevet riktig"),
            (E::FileBad, Nn) => format!("Filene under «{l}» er ikkje skildra rett"),
            (E::FileBad, En) => format!("The files under «{l}» are not described correctly"),
        }
    }
}

/// Validates the document against the form within `scope`. Hidden pages and fields are skipped.
pub fn validate(form: &Form, doc: &Value, scope: Scope, ctx: &Context) -> Vec<FieldError> {
    validate_in(form, doc, scope, ctx, &[])
}

/// Validates a document whose rows of the top-level groups at `by_row` were checked one at a
/// time as it was read ([`check_row_fields`], [`check_row_rules`]): those groups' rows and their row rules are left out here,
/// everything else is checked as by [`validate`]. The groups' places hold one row per row read,
/// the first with the totals its sums need ([`super::expr::RowTotals`]), the others null.
pub fn validate_without_rows(
    form: &Form,
    doc: &Value,
    ctx: &Context,
    by_row: &[Vec<Seg>],
) -> Vec<FieldError> {
    validate_in(form, doc, Scope::All, ctx, by_row)
}

/// Checks the fields of row `r` of the top-level group `group` as [`validate`] would where the
/// group is shown; `doc` holds the row at its place.
pub fn check_row_fields(
    group: &Field,
    doc: &Value,
    r: usize,
    ctx: &Context,
    errors: &mut Vec<FieldError>,
) {
    let FieldKind::Group(g) = &group.kind else {
        return;
    };
    let depth = group.bind.len() + 1;
    let mut rowp = group.bind.clone();
    rowp.push(Seg::Index(r));
    let row_value = get(doc, &rowp);
    for rf in &g.fields {
        if !document::field_shown(rf, doc, ctx, Some(&rowp)) {
            continue;
        }
        let here = At {
            base: row_value,
            prefix: &rowp,
            rel: &rf.bind[depth.min(rf.bind.len())..],
        };
        check_field(rf, here, Some(&rowp), doc, ctx, errors, &[]);
    }
}

/// Checks the rules per row of the top-level group at `group` on its row `r`, as [`validate`]
/// would (shown or not); `doc` holds the row at its place.
pub fn check_row_rules(
    form: &Form,
    group: &[Seg],
    doc: &Value,
    r: usize,
    ctx: &Context,
    errors: &mut Vec<FieldError>,
) {
    let mut rowp = group.to_vec();
    rowp.push(Seg::Index(r));
    for rule in &form.rules {
        if rule.each.as_deref() == Some(group)
            && rule.check.eval(doc, ctx, Some(&rowp)).truthy() == Some(false)
        {
            errors.push(FieldError {
                path: instantiate(&rule.path, &rowp),
                kind: ErrorKind::Rule(rule.message.clone()),
                label: None,
            });
        }
    }
}

fn validate_in(
    form: &Form,
    doc: &Value,
    scope: Scope,
    ctx: &Context,
    by_row: &[Vec<Seg>],
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let pages: Vec<usize> = match scope {
        Scope::Page(p) => vec![p],
        Scope::All => (0..form.pages.len()).collect(),
    };
    for &pi in &pages {
        if !document::page_visible(form, pi, doc, ctx) {
            continue;
        }
        for f in &form.pages[pi].fields {
            if !document::field_shown(f, doc, ctx, None) {
                continue;
            }
            let at = At {
                base: Some(doc),
                prefix: &[],
                rel: &f.bind,
            };
            check_field(f, at, None, doc, ctx, &mut errors, by_row);
        }
    }
    for rule in &form.rules {
        if rule.each.as_ref().is_some_and(|g| by_row.contains(g)) {
            continue;
        }
        if let Scope::Page(p) = scope {
            let on_page = form.pages[p]
                .all_fields()
                .any(|f| !f.bind.is_empty() && rule.path.starts_with(&f.bind));
            if !on_page || !document::page_visible(form, p, doc, ctx) {
                continue;
            }
        }
        match &rule.each {
            Some(group) => {
                for r in 0..row_count(doc, group) {
                    let mut row = group.clone();
                    row.push(Seg::Index(r));
                    if rule.check.eval(doc, ctx, Some(&row)).truthy() == Some(false) {
                        errors.push(FieldError {
                            path: instantiate(&rule.path, &row),
                            kind: ErrorKind::Rule(rule.message.clone()),
                            label: None,
                        });
                    }
                }
            }
            None => {
                if rule.check.eval(doc, ctx, None).truthy() == Some(false) {
                    errors.push(FieldError {
                        path: rule.path.clone(),
                        kind: ErrorKind::Rule(rule.message.clone()),
                        label: None,
                    });
                }
            }
        }
    }
    if let Scope::All = scope {
        for c in form.computed.iter().filter(|c| c.required) {
            let want = c.value.eval(doc, ctx, None).to_json();
            let have = get(doc, &c.bind).cloned().unwrap_or(Value::Null);
            if !same_number_or_value(&want, &have) {
                errors.push(FieldError {
                    path: c.bind.clone(),
                    kind: ErrorKind::Computed(want),
                    label: c.label.clone(),
                });
            }
        }
    }
    // Errors in page order; a rule's error after its field's own.
    errors
}

/// Equal, with numbers compared by value (`2` equals `2.0`, and a number given as text, `"2"`,
/// equals `2`).
pub(super) fn same_number_or_value(a: &Value, b: &Value) -> bool {
    match (as_number(a), as_number(b)) {
        (Some(x), Some(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// A number, or a number given as text: Skatteetaten's examples send amounts and years both
/// ways (`"paaloeptBeloep": "7500"`, `"saldo": 22500`), so both are taken. The text must be a
/// plain JSON number (`-?digits(.digits)?`, no spaces, no leading zeros); anything else is not a
/// number.
pub fn as_number(v: &Value) -> Option<std::borrow::Cow<'_, serde_json::Number>> {
    match v {
        Value::Number(n) => Some(std::borrow::Cow::Borrowed(n)),
        Value::String(s)
            if !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || b == b'-' || b == b'.') =>
        {
            serde_json::from_str::<serde_json::Number>(s)
                .ok()
                .map(std::borrow::Cow::Owned)
        }
        _ => None,
    }
}

/// Where a field's answer is: `rel` below `base`, which is the value at `prefix` (the document
/// itself, or a row). The full path is built only for an error, so big documents stay cheap.
struct At<'a> {
    base: Option<&'a Value>,
    prefix: &'a [Seg],
    rel: &'a [Seg],
}

impl At<'_> {
    fn value(&self) -> Option<&Value> {
        self.base.and_then(|b| get(b, self.rel))
    }
    fn path(&self) -> Vec<Seg> {
        [self.prefix, self.rel].concat()
    }
}

fn check_field(
    f: &Field,
    at: At<'_>,
    row: Option<&[Seg]>,
    doc: &Value,
    ctx: &Context,
    errors: &mut Vec<FieldError>,
    by_row: &[Vec<Seg>],
) {
    let required = document::required(&f.required, doc, ctx, row);
    let label = || Some(f.label.clone());
    let mut push = |path: Vec<Seg>, kind: ErrorKind| {
        errors.push(FieldError {
            path,
            kind,
            label: label(),
        })
    };
    match &f.kind {
        FieldKind::Static => {}
        FieldKind::Group(g) => {
            let v = at.value();
            if v.is_some_and(|v| !v.is_array() && !v.is_null()) {
                push(
                    at.path(),
                    ErrorKind::TooFewRows(f.min.unwrap_or(0.0) as usize),
                );
                return;
            }
            let rows: &[Value] = v.and_then(Value::as_array).map_or(&[], Vec::as_slice);
            let n = ctx.counted_rows(&at.path()).unwrap_or(rows.len());
            if let Some(min) = f.min
                && (n as f64) < min
            {
                push(at.path(), ErrorKind::TooFewRows(min as usize));
            }
            if let Some(max) = f.max
                && (n as f64) > max
            {
                push(at.path(), ErrorKind::TooManyRows(max as usize));
            }
            let group_path = at.path();
            if by_row.contains(&group_path) {
                return;
            }
            let depth = group_path.len() + 1;
            let mut rowp = group_path;
            rowp.push(Seg::Index(0));
            for (r, row_value) in rows.iter().enumerate() {
                rowp[depth - 1] = Seg::Index(r);
                for rf in &g.fields {
                    if !document::field_shown(rf, doc, ctx, Some(&rowp)) {
                        continue;
                    }
                    let here = At {
                        base: Some(row_value),
                        prefix: &rowp,
                        rel: &rf.bind[depth.min(rf.bind.len())..],
                    };
                    check_field(rf, here, Some(&rowp), doc, ctx, errors, &[]);
                }
            }
        }
        FieldKind::Attachment(a) => {
            let v = at.value();
            let files: &[Value] = match v {
                None | Some(Value::Null) => &[],
                Some(Value::Array(files)) => files,
                Some(_) => {
                    push(at.path(), ErrorKind::FileBad);
                    return;
                }
            };
            let min = f.min.map_or(0, |m| m as usize).max(usize::from(required));
            if files.len() < min {
                push(at.path(), ErrorKind::FilesTooFew(min));
            }
            if let Some(max) = f.max
                && files.len() > max as usize
            {
                push(at.path(), ErrorKind::FilesTooMany(max as usize));
            }
            let mut total = 0u64;
            for file in files {
                let Some(d) = Described::of(file) else {
                    push(at.path(), ErrorKind::FileBad);
                    return;
                };
                if !a.kinds.iter().any(|k| k.mime() == d.media_type) {
                    push(at.path(), ErrorKind::FileBad);
                }
                if d.size > a.max_file {
                    push(
                        at.path(),
                        ErrorKind::FileTooLarge(d.name.clone(), a.max_file),
                    );
                }
                total += d.size;
            }
            if total > a.total {
                push(at.path(), ErrorKind::FilesTotal(a.total));
            }
        }
        FieldKind::Either { alternatives } => {
            let obj = at.value();
            let of = |a: &super::definition::Alternative| obj.and_then(|o| o.get(&a.key));
            let filled: Vec<_> = alternatives.iter().filter(|a| !is_empty(of(a))).collect();
            match filled.len() {
                0 if required => push(at.path(), ErrorKind::EitherNone),
                0 => {}
                1 => {
                    let a = filled[0];
                    if let Some(k) = check_value(&a.kind, a.bounds(), of(a)) {
                        let mut p = at.path();
                        p.push(Seg::Key(a.key.clone()));
                        errors.push(FieldError {
                            path: p,
                            kind: k,
                            label: Some(a.label.clone()),
                        });
                    }
                }
                _ => push(at.path(), ErrorKind::EitherMany),
            }
        }
        kind @ (FieldKind::Text
        | FieldKind::Textarea
        | FieldKind::Integer
        | FieldKind::Amount
        | FieldKind::Decimal
        | FieldKind::Percent
        | FieldKind::Date
        | FieldKind::DayMonth
        | FieldKind::Year
        | FieldKind::YesNo
        | FieldKind::Choice { .. }
        | FieldKind::MultiChoice { .. }
        | FieldKind::Orgnr
        | FieldKind::Fnr
        | FieldKind::Kommunenummer
        | FieldKind::Postnummer
        | FieldKind::Email
        | FieldKind::Phone
        | FieldKind::Kontonummer) => {
            let v = at.value();
            if is_empty(v) {
                if required {
                    push(at.path(), ErrorKind::Required);
                }
            } else if let Some(k) = check_value(kind, f.bounds(), v) {
                push(at.path(), k);
            }
        }
    }
}

/// Whether a value passes the checks of the field's kind and bounds (not its `required`, nor any
/// rule): the test a register's answer must pass before a field is locked with it.
pub fn fits(field: &Field, v: &Value) -> bool {
    check_value(&field.kind, field.bounds(), Some(v)).is_none()
}

/// Checks one non-empty answer against its kind and the field's bounds.
fn check_value(kind: &FieldKind, f: Bounds<'_>, v: Option<&Value>) -> Option<ErrorKind> {
    let v = v?;
    if is_empty(Some(v)) {
        return None;
    }
    if kind.is_number() {
        let n = match as_number(v) {
            Some(n) => n,
            None if kind.is_whole() && v.as_str().is_some_and(looks_decimal) => {
                return Some(ErrorKind::NotWhole);
            }
            None => return Some(ErrorKind::NotNumber),
        };
        if kind.is_whole() && !(n.is_i64() || n.is_u64()) {
            return Some(ErrorKind::NotWhole);
        }
        let x = n.as_f64().unwrap_or(f64::NAN);
        let (min, max) = kind.number_bounds(f.min, f.max);
        if let Some(m) = min
            && x < m
        {
            return Some(ErrorKind::TooSmall(m));
        }
        if let Some(m) = max
            && x > m
        {
            return Some(ErrorKind::TooLarge(m));
        }
        return None;
    }
    match kind {
        FieldKind::YesNo => return (!v.is_boolean()).then_some(ErrorKind::NotYesNo),
        FieldKind::MultiChoice { options } => {
            let Some(a) = v.as_array() else {
                return Some(ErrorKind::NotOption);
            };
            let ok = a.iter().all(|x| {
                x.as_str()
                    .is_some_and(|s| options.iter().any(|o| o.value == s))
            });
            return (!ok).then_some(ErrorKind::NotOption);
        }
        FieldKind::Text
        | FieldKind::Textarea
        | FieldKind::Integer
        | FieldKind::Amount
        | FieldKind::Decimal
        | FieldKind::Percent
        | FieldKind::Date
        | FieldKind::DayMonth
        | FieldKind::Year
        | FieldKind::Choice { .. }
        | FieldKind::Orgnr
        | FieldKind::Fnr
        | FieldKind::Either { .. }
        | FieldKind::Kommunenummer
        | FieldKind::Postnummer
        | FieldKind::Email
        | FieldKind::Phone
        | FieldKind::Kontonummer
        | FieldKind::Static
        | FieldKind::Group(_)
        | FieldKind::Attachment(_) => {}
    }
    let Some(s) = v.as_str() else {
        return Some(ErrorKind::NotText);
    };
    let kind_error = match kind {
        FieldKind::Choice { options, .. } => {
            (!options.iter().any(|o| o.value == s)).then_some(ErrorKind::NotOption)
        }
        FieldKind::Date => super::input::parse_date(s)
            .filter(|iso| iso == s)
            .is_none()
            .then_some(ErrorKind::NotDate),
        FieldKind::DayMonth => {
            (s.len() != 4 || no::DayMonth::parse(s).is_err()).then_some(ErrorKind::NotDayMonth)
        }
        FieldKind::Orgnr => no::Orgnr::parse(s).err().map(ErrorKind::Orgnr),
        FieldKind::Fnr => no::Fodselsnummer::parse(s).err().map(ErrorKind::Fnr),
        FieldKind::Kontonummer => no::Kontonummer::parse(s).err().map(ErrorKind::Kontonummer),
        FieldKind::Kommunenummer => no::Kommunenummer::parse(s)
            .err()
            .map(ErrorKind::Kommunenummer),
        FieldKind::Postnummer => no::Postnummer::parse(s).err().map(ErrorKind::Postnummer),
        FieldKind::Email => (!is_email(s)).then_some(ErrorKind::Email),
        FieldKind::Phone => (!is_phone(s)).then_some(ErrorKind::Phone),
        FieldKind::Text
        | FieldKind::Textarea
        | FieldKind::Integer
        | FieldKind::Amount
        | FieldKind::Decimal
        | FieldKind::Percent
        | FieldKind::Year
        | FieldKind::YesNo
        | FieldKind::MultiChoice { .. }
        | FieldKind::Either { .. }
        | FieldKind::Static
        | FieldKind::Group(_)
        | FieldKind::Attachment(_) => None,
    };
    if kind_error.is_some() {
        return kind_error;
    }
    let len = s.chars().count();
    if let Some(m) = f.min_length
        && len < m
    {
        return Some(ErrorKind::TooShort(m));
    }
    if let Some(m) = f.max_length
        && len > m
    {
        return Some(ErrorKind::TooLong(m));
    }
    if let Some(p) = f.pattern
        && !p.is_match(s)
    {
        return Some(ErrorKind::Pattern);
    }
    None
}

fn looks_decimal(s: &str) -> bool {
    let t = s.replace(',', ".");
    t.contains('.') && t.trim().parse::<f64>().is_ok()
}

/// A plain check: one `@`, something before it, a dotted domain after it, no spaces.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && s.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Digits (spaces allowed), optionally starting with `+`, 5 to 20 characters.
pub fn is_phone(s: &str) -> bool {
    let t: String = s.chars().filter(|c| *c != ' ').collect();
    let digits = t.strip_prefix('+').unwrap_or(&t);
    (5..=20).contains(&t.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_and_phone() {
        assert!(is_email("anonym.varsel@skatteetaten.no"));
        assert!(!is_email("a@b"));
        assert!(!is_email("a b@c.no"));
        assert!(is_phone("00000000"));
        assert!(is_phone("+47 22 22 22 22"));
        assert!(!is_phone("22-22"));
    }

    #[test]
    fn a_number_may_come_as_text_but_only_as_a_plain_number() {
        use serde_json::json;
        let n = |v: Value| as_number(&v).map(|n| n.as_f64().unwrap());
        assert_eq!(n(json!("7500")), Some(7500.0));
        assert_eq!(n(json!("-12.5")), Some(-12.5));
        assert_eq!(n(json!(22500)), Some(22500.0));
        for bad in ["", "1 000", "1,5", "007", "12a", "+1", "1e3", " 1"] {
            assert_eq!(n(json!(bad)), None, "{bad:?}");
        }
        let check = |kind: FieldKind, v: Value| check_value(&kind, Bounds::default(), Some(&v));
        assert_eq!(check(FieldKind::Amount, json!("7500")), None);
        assert_eq!(
            check(FieldKind::Amount, json!("12.5")),
            Some(ErrorKind::NotWhole)
        );
        assert_eq!(
            check(FieldKind::Amount, json!("1 000")),
            Some(ErrorKind::NotNumber)
        );
        assert_eq!(check(FieldKind::Year, json!("2025")), None);
        assert_eq!(check(FieldKind::Decimal, json!("0.25")), None);
        assert!(same_number_or_value(&json!("10000"), &json!(10000)));
        assert!(!same_number_or_value(&json!("10001"), &json!(10000)));
    }
}

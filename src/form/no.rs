//! Norwegian identifiers as types: parse once where text comes in, then carry a
//! value that is known to be well-formed ("parse, don't validate").
//!
//! Covers fødselsnummer/d-nummer, organisasjonsnummer, kontonummer,
//! kommunenummer, postnummer and a day-of-year written "DDMM". Every parser
//! trims the input and drops inner whitespace, because numbers are pasted
//! grouped ("910 000 004") far more often than they are typed wrong.
//! Only `std` is used.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// Why an identifier was refused. `code()` gives a stable machine code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdError {
    /// Nothing but whitespace was given.
    Empty,
    /// Something other than digits (and the separators the type allows).
    NotDigits,
    /// The wrong number of digits.
    WrongLength {
        /// How many digits the identifier has.
        expected: usize,
    },
    /// The digits do not encode a real calendar date.
    InvalidDate,
    /// A mod-11 control digit does not match.
    Checksum,
    /// Four digits, but not a municipality in force.
    UnknownKommune,
    /// Well-formed digits that are never issued (postnummer "0000").
    OutOfRange,
}

impl IdError {
    /// Stable machine code, e.g. for form error keys and API responses.
    pub fn code(&self) -> &'static str {
        match self {
            IdError::Empty => "empty",
            IdError::NotDigits => "not_digits",
            IdError::WrongLength { .. } => "wrong_length",
            IdError::InvalidDate => "invalid_date",
            IdError::Checksum => "checksum",
            IdError::UnknownKommune => "unknown_kommune",
            IdError::OutOfRange => "out_of_range",
        }
    }
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Empty => f.write_str("no value given"),
            IdError::NotDigits => f.write_str("must contain only digits"),
            IdError::WrongLength { expected } => write!(f, "must be {expected} digits"),
            IdError::InvalidDate => f.write_str("does not contain a valid date"),
            IdError::Checksum => f.write_str("control digit does not match"),
            IdError::UnknownKommune => f.write_str("not a Norwegian municipality number"),
            IdError::OutOfRange => f.write_str("number is not in use"),
        }
    }
}

impl std::error::Error for IdError {}

/// Trims, drops whitespace and `separators`, and requires exactly `len` ASCII digits.
fn normalise(input: &str, len: usize, separators: &[char]) -> Result<String, IdError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(IdError::Empty);
    }
    let mut out = String::with_capacity(len);
    let mut count = 0usize;
    for c in trimmed.chars() {
        if c.is_whitespace() || separators.contains(&c) {
            continue;
        }
        if !c.is_ascii_digit() {
            return Err(IdError::NotDigits);
        }
        count += 1;
        // Keep counting past `len` so the error reports length, without growing the buffer.
        if count <= len {
            out.push(c);
        }
    }
    if count != len {
        return Err(IdError::WrongLength { expected: len });
    }
    Ok(out)
}

/// Digit values of a string already known to hold exactly `N` ASCII digits.
fn digit_values<const N: usize>(s: &str) -> [u32; N] {
    let mut d = [0u32; N];
    for (slot, b) in d.iter_mut().zip(s.bytes()) {
        *slot = u32::from(b - b'0');
    }
    d
}

/// Mod-11 control digit; `None` when the remainder would give 10, which is never issued.
fn mod11(digits: &[u32], weights: &[u32]) -> Option<u32> {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        k => Some(k),
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in `month` (1–12) of `year`; 0 for a month that does not exist.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

const FNR_K1_WEIGHTS: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const FNR_K2_WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
const ORGNR_WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];
const KONTONUMMER_WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// Whether a [`Fodselsnummer`] is an ordinary fødselsnummer or a d-nummer, and whether it is synthetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonIdKind {
    /// An ordinary fødselsnummer; `synthetic` when the month has +80 (Tenor test data).
    Fodselsnummer {
        /// Month + 80: issued only as test data, never to a person.
        synthetic: bool,
    },
    /// A d-nummer (day + 40); `synthetic` when the month has +80 (Tenor test data).
    DNummer {
        /// Month + 80: issued only as test data, never to a person.
        synthetic: bool,
    },
}

impl PersonIdKind {
    /// True for Tenor test numbers (month + 80).
    pub fn is_synthetic(self) -> bool {
        match self {
            PersonIdKind::Fodselsnummer { synthetic } | PersonIdKind::DNummer { synthetic } => {
                synthetic
            }
        }
    }

    /// True for a d-nummer (day + 40).
    pub fn is_d_nummer(self) -> bool {
        matches!(self, PersonIdKind::DNummer { .. })
    }
}

/// The birth date and kind a person number encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PersonDate {
    year: i32,
    month: u8,
    day: u8,
    kind: PersonIdKind,
}

/// Reads the birth date from the first nine digits (DDMMYY + individnummer).
///
/// The individnummer decides the century; combinations outside the issued
/// ranges are refused as an invalid date, since no date can be read from them.
fn decode_person(d: &[u32]) -> Result<PersonDate, IdError> {
    let mut day = d[0] * 10 + d[1];
    let mut month = d[2] * 10 + d[3];
    let yy = d[4] * 10 + d[5];
    let individ = d[6] * 100 + d[7] * 10 + d[8];

    let d_nummer = day > 40;
    if d_nummer {
        day -= 40;
    }
    let synthetic = month > 80;
    if synthetic {
        month -= 80;
    }

    let century = match (individ, yy) {
        (0..=499, _) => 1900,
        (500..=749, 54..=99) => 1800,
        (500..=999, 0..=39) => 2000,
        (900..=999, 40..=99) => 1900,
        _ => return Err(IdError::InvalidDate),
    };
    let year = century + yy as i32;
    if day == 0 || day > days_in_month(year, month) {
        return Err(IdError::InvalidDate);
    }

    let kind = if d_nummer {
        PersonIdKind::DNummer { synthetic }
    } else {
        PersonIdKind::Fodselsnummer { synthetic }
    };
    Ok(PersonDate {
        year,
        // Both fit: month <= 12 and day <= 31 after the check above.
        month: month as u8,
        day: day as u8,
        kind,
    })
}

/// A fødselsnummer or d-nummer: 11 digits, both control digits right, and a real birth date.
///
/// `Debug` masks the individnummer and control digits so the value can be
/// logged with `?` without leaking a full person number; `Display` and
/// `as_str` give all 11 digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Fodselsnummer(String);

impl Fodselsnummer {
    /// Parses a fødselsnummer or d-nummer; spaces are ignored.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let digits = normalise(s, 11, &[])?;
        let d: [u32; 11] = digit_values(&digits);
        // Checksum first: a mistyped digit is the usual error and the most useful message.
        let k1 = mod11(&d[..9], &FNR_K1_WEIGHTS).ok_or(IdError::Checksum)?;
        if k1 != d[9] {
            return Err(IdError::Checksum);
        }
        let k2 = mod11(&d[..10], &FNR_K2_WEIGHTS).ok_or(IdError::Checksum)?;
        if k2 != d[10] {
            return Err(IdError::Checksum);
        }
        // "00000000000" passes both checksums; the date check is what refuses it.
        decode_person(&d[..9])?;
        Ok(Fodselsnummer(digits))
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Fødselsnummer or d-nummer, and whether it is synthetic test data.
    pub fn kind(&self) -> PersonIdKind {
        self.decoded().kind
    }

    /// True for Tenor test numbers (month + 80).
    pub fn is_synthetic(&self) -> bool {
        self.kind().is_synthetic()
    }

    /// Birth date as (year, month, day), with the century read from the individnummer.
    pub fn birth_date(&self) -> (i32, u8, u8) {
        let p = self.decoded();
        (p.year, p.month, p.day)
    }

    fn decoded(&self) -> PersonDate {
        let d: [u32; 11] = digit_values(&self.0);
        decode_person(&d[..9]).expect("Fodselsnummer holds a date checked by parse")
    }
}

/// Whether `s` is a well-formed IBAN (ISO 13616): a country code, two check digits that pass
/// mod-97, and 11 to 30 letters and digits; spaces are ignored. A Norwegian IBAN (NO) is 15
/// characters.
pub fn iban_ok(s: &str) -> bool {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let b = compact.as_bytes();
    if !(15..=34).contains(&b.len())
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
        || !b[4..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        || (&b[..2] == b"NO" && b.len() != 15)
    {
        return false;
    }
    // The country and check digits go last; letters count as 10..35; the remainder must be 1.
    let mut rem: u32 = 0;
    for &c in b[4..].iter().chain(&b[..4]) {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        rem = if v < 10 {
            (rem * 10 + v) % 97
        } else {
            (rem * 100 + v) % 97
        };
    }
    rem == 1
}

/// Whether `s` is a well-formed BIC (ISO 9362): four letters for the bank, two for the country,
/// two letters or digits for the place, and optionally three for the branch.
pub fn bic_ok(s: &str) -> bool {
    let b = s.trim().as_bytes();
    (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && b[6..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// A person number as it may be shown or logged: the birth-date part and five stars, enough to
/// tell test values apart and not enough to identify a person. The one rule for every log line,
/// `Debug` and page that names a person.
pub fn masked(pid: &str) -> String {
    let head: String = pid.chars().take(6).collect();
    format!("{head}*****")
}

/// 819897522 → "819 897 522", as organisation numbers are written.
pub fn orgnr_spaced(orgnr: &str) -> String {
    if orgnr.len() == 9 && orgnr.is_ascii() {
        format!("{} {} {}", &orgnr[..3], &orgnr[3..6], &orgnr[6..])
    } else {
        orgnr.to_owned()
    }
}

impl fmt::Debug for Fodselsnummer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Fodselsnummer")
            .field(&format_args!("{}", masked(&self.0)))
            .finish()
    }
}

/// An organisasjonsnummer: 9 digits with a mod-11 control digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Orgnr(String);

impl Orgnr {
    /// Parses an organisasjonsnummer; spaces are ignored ("910 000 004").
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let digits = normalise(s, 9, &[])?;
        let d: [u32; 9] = digit_values(&digits);
        // The leading 8/9 is only a convention, so it is not checked.
        match mod11(&d[..8], &ORGNR_WEIGHTS) {
            Some(k) if k == d[8] => Ok(Orgnr(digits)),
            _ => Err(IdError::Checksum),
        }
    }

    /// The 9 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Norwegian bank account number: 11 digits with a mod-11 control digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Kontonummer(String);

impl Kontonummer {
    /// Parses an account number; dots and spaces are ignored ("1234.56.78903", "1234 56 78903").
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let digits = normalise(s, 11, &['.'])?;
        let d: [u32; 11] = digit_values(&digits);
        match mod11(&d[..10], &KONTONUMMER_WEIGHTS) {
            Some(k) if k == d[10] => Ok(Kontonummer(digits)),
            _ => Err(IdError::Checksum),
        }
    }

    /// The 11 digits, without separators.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A kommunenummer of one of the 357 municipalities in force from 1 January 2024.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Kommunenummer(String);

impl Kommunenummer {
    /// Parses a kommunenummer; it must be in [`KOMMUNER`].
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let digits = normalise(s, 4, &[])?;
        match kommune_index(&digits) {
            Some(_) => Ok(Kommunenummer(digits)),
            None => Err(IdError::UnknownKommune),
        }
    }

    /// The 4 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The municipality's name (Norwegian form; see [`KOMMUNER`]).
    pub fn name(&self) -> &'static str {
        kommune_index(&self.0).map_or("", |i| KOMMUNER[i].1)
    }

    /// The two-digit fylkesnummer (county) the municipality belongs to.
    pub fn fylkesnummer(&self) -> &str {
        &self.0[..2]
    }
}

fn kommune_index(number: &str) -> Option<usize> {
    KOMMUNER.binary_search_by(|(n, _)| (*n).cmp(number)).ok()
}

/// A postnummer: exactly 4 digits, "0000" refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Postnummer(String);

impl Postnummer {
    /// Parses a postnummer; not checked against Posten's register, which changes often.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let digits = normalise(s, 4, &[])?;
        if digits == "0000" {
            return Err(IdError::OutOfRange);
        }
        Ok(Postnummer(digits))
    }

    /// The 4 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A day of the year written "DDMM"; 29 February is allowed (no year is known).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DayMonth {
    day: u8,
    month: u8,
}

impl DayMonth {
    /// Parses "DDMM" (spaces ignored) into a day that exists in that month.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let digits = normalise(s, 4, &[])?;
        let d: [u32; 4] = digit_values(&digits);
        Self::from_parts(d[0] * 10 + d[1], d[2] * 10 + d[3])
    }

    /// Builds a day-month from numbers, refusing days that do not exist.
    pub fn new(day: u8, month: u8) -> Result<Self, IdError> {
        Self::from_parts(u32::from(day), u32::from(month))
    }

    fn from_parts(day: u32, month: u32) -> Result<Self, IdError> {
        // A leap year, so 29 February counts as real.
        if day == 0 || day > days_in_month(2000, month) {
            return Err(IdError::InvalidDate);
        }
        Ok(DayMonth {
            day: day as u8,
            month: month as u8,
        })
    }

    /// Day of the month, 1–31.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// Month, 1–12.
    pub fn month(&self) -> u8 {
        self.month
    }
}

impl Ord for DayMonth {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.month, self.day).cmp(&(other.month, other.day))
    }
}

impl PartialOrd for DayMonth {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for DayMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}{:02}", self.day, self.month)
    }
}

impl fmt::Display for Kontonummer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", &self.0[..4], &self.0[4..6], &self.0[6..])
    }
}

/// `Display` (the normalised digits), `FromStr` and `AsRef<str>` for string-backed types.
macro_rules! string_backed {
    ($($ty:ident),*) => {$(
        impl FromStr for $ty {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                $ty::parse(s)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    )*};
}

string_backed!(Fodselsnummer, Orgnr, Kontonummer, Kommunenummer, Postnummer);

/// `Display` as the plain normalised digits.
macro_rules! display_digits {
    ($($ty:ident),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

display_digits!(Fodselsnummer, Orgnr, Kommunenummer, Postnummer);

impl FromStr for DayMonth {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        DayMonth::parse(s)
    }
}

/// The 357 municipalities in force from 1 January 2024, as (kommunenummer, name), sorted by number.
///
/// Names are the Norwegian forms; where SSB's official name has parallel Sami
/// or Kven forms only the Norwegian one is given, and the two pairs of
/// namesakes carry their county as SSB writes them. Svalbard (2100) and Jan
/// Mayen (2111) have numbers in the same series but are not municipalities.
pub const KOMMUNER: &[(&str, &str)] = &[
    // Oslo
    ("0301", "Oslo"),
    // Rogaland
    ("1101", "Eigersund"),
    ("1103", "Stavanger"),
    ("1106", "Haugesund"),
    ("1108", "Sandnes"),
    ("1111", "Sokndal"),
    ("1112", "Lund"),
    ("1114", "Bjerkreim"),
    ("1119", "Hå"),
    ("1120", "Klepp"),
    ("1121", "Time"),
    ("1122", "Gjesdal"),
    ("1124", "Sola"),
    ("1127", "Randaberg"),
    ("1130", "Strand"),
    ("1133", "Hjelmeland"),
    ("1134", "Suldal"),
    ("1135", "Sauda"),
    ("1144", "Kvitsøy"),
    ("1145", "Bokn"),
    ("1146", "Tysvær"),
    ("1149", "Karmøy"),
    ("1151", "Utsira"),
    ("1160", "Vindafjord"),
    // Møre og Romsdal
    ("1505", "Kristiansund"),
    ("1506", "Molde"),
    ("1508", "Ålesund"),
    ("1511", "Vanylven"),
    ("1514", "Sande"),
    ("1515", "Herøy (Møre og Romsdal)"),
    ("1516", "Ulstein"),
    ("1517", "Hareid"),
    ("1520", "Ørsta"),
    ("1525", "Stranda"),
    ("1528", "Sykkylven"),
    ("1531", "Sula"),
    ("1532", "Giske"),
    ("1535", "Vestnes"),
    ("1539", "Rauma"),
    ("1547", "Aukra"),
    ("1554", "Averøy"),
    ("1557", "Gjemnes"),
    ("1560", "Tingvoll"),
    ("1563", "Sunndal"),
    ("1566", "Surnadal"),
    ("1573", "Smøla"),
    ("1576", "Aure"),
    ("1577", "Volda"),
    ("1578", "Fjord"),
    ("1579", "Hustadvika"),
    ("1580", "Haram"),
    // Nordland
    ("1804", "Bodø"),
    ("1806", "Narvik"),
    ("1811", "Bindal"),
    ("1812", "Sømna"),
    ("1813", "Brønnøy"),
    ("1815", "Vega"),
    ("1816", "Vevelstad"),
    ("1818", "Herøy (Nordland)"),
    ("1820", "Alstahaug"),
    ("1822", "Leirfjord"),
    ("1824", "Vefsn"),
    ("1825", "Grane"),
    ("1826", "Hattfjelldal"),
    ("1827", "Dønna"),
    ("1828", "Nesna"),
    ("1832", "Hemnes"),
    ("1833", "Rana"),
    ("1834", "Lurøy"),
    ("1835", "Træna"),
    ("1836", "Rødøy"),
    ("1837", "Meløy"),
    ("1838", "Gildeskål"),
    ("1839", "Beiarn"),
    ("1840", "Saltdal"),
    ("1841", "Fauske"),
    ("1845", "Sørfold"),
    ("1848", "Steigen"),
    ("1851", "Lødingen"),
    ("1853", "Evenes"),
    ("1856", "Røst"),
    ("1857", "Værøy"),
    ("1859", "Flakstad"),
    ("1860", "Vestvågøy"),
    ("1865", "Vågan"),
    ("1866", "Hadsel"),
    ("1867", "Bø"),
    ("1868", "Øksnes"),
    ("1870", "Sortland"),
    ("1871", "Andøy"),
    ("1874", "Moskenes"),
    ("1875", "Hamarøy"),
    // Østfold
    ("3101", "Halden"),
    ("3103", "Moss"),
    ("3105", "Sarpsborg"),
    ("3107", "Fredrikstad"),
    ("3110", "Hvaler"),
    ("3112", "Råde"),
    ("3114", "Våler (Østfold)"),
    ("3116", "Skiptvet"),
    ("3118", "Indre Østfold"),
    ("3120", "Rakkestad"),
    ("3122", "Marker"),
    ("3124", "Aremark"),
    // Akershus
    ("3201", "Bærum"),
    ("3203", "Asker"),
    ("3205", "Lillestrøm"),
    ("3207", "Nordre Follo"),
    ("3209", "Ullensaker"),
    ("3212", "Nesodden"),
    ("3214", "Frogn"),
    ("3216", "Vestby"),
    ("3218", "Ås"),
    ("3220", "Enebakk"),
    ("3222", "Lørenskog"),
    ("3224", "Rælingen"),
    ("3226", "Aurskog-Høland"),
    ("3228", "Nes"),
    ("3230", "Gjerdrum"),
    ("3232", "Nittedal"),
    ("3234", "Lunner"),
    ("3236", "Jevnaker"),
    ("3238", "Nannestad"),
    ("3240", "Eidsvoll"),
    ("3242", "Hurdal"),
    // Buskerud
    ("3301", "Drammen"),
    ("3303", "Kongsberg"),
    ("3305", "Ringerike"),
    ("3310", "Hole"),
    ("3312", "Lier"),
    ("3314", "Øvre Eiker"),
    ("3316", "Modum"),
    ("3318", "Krødsherad"),
    ("3320", "Flå"),
    ("3322", "Nesbyen"),
    ("3324", "Gol"),
    ("3326", "Hemsedal"),
    ("3328", "Ål"),
    ("3330", "Hol"),
    ("3332", "Sigdal"),
    ("3334", "Flesberg"),
    ("3336", "Rollag"),
    ("3338", "Nore og Uvdal"),
    // Innlandet
    ("3401", "Kongsvinger"),
    ("3403", "Hamar"),
    ("3405", "Lillehammer"),
    ("3407", "Gjøvik"),
    ("3411", "Ringsaker"),
    ("3412", "Løten"),
    ("3413", "Stange"),
    ("3414", "Nord-Odal"),
    ("3415", "Sør-Odal"),
    ("3416", "Eidskog"),
    ("3417", "Grue"),
    ("3418", "Åsnes"),
    ("3419", "Våler (Innlandet)"),
    ("3420", "Elverum"),
    ("3421", "Trysil"),
    ("3422", "Åmot"),
    ("3423", "Stor-Elvdal"),
    ("3424", "Rendalen"),
    ("3425", "Engerdal"),
    ("3426", "Tolga"),
    ("3427", "Tynset"),
    ("3428", "Alvdal"),
    ("3429", "Folldal"),
    ("3430", "Os"),
    ("3431", "Dovre"),
    ("3432", "Lesja"),
    ("3433", "Skjåk"),
    ("3434", "Lom"),
    ("3435", "Vågå"),
    ("3436", "Nord-Fron"),
    ("3437", "Sel"),
    ("3438", "Sør-Fron"),
    ("3439", "Ringebu"),
    ("3440", "Øyer"),
    ("3441", "Gausdal"),
    ("3442", "Østre Toten"),
    ("3443", "Vestre Toten"),
    ("3446", "Gran"),
    ("3447", "Søndre Land"),
    ("3448", "Nordre Land"),
    ("3449", "Sør-Aurdal"),
    ("3450", "Etnedal"),
    ("3451", "Nord-Aurdal"),
    ("3452", "Vestre Slidre"),
    ("3453", "Øystre Slidre"),
    ("3454", "Vang"),
    // Vestfold
    ("3901", "Horten"),
    ("3903", "Holmestrand"),
    ("3905", "Tønsberg"),
    ("3907", "Sandefjord"),
    ("3909", "Larvik"),
    ("3911", "Færder"),
    // Telemark
    ("4001", "Porsgrunn"),
    ("4003", "Skien"),
    ("4005", "Notodden"),
    ("4010", "Siljan"),
    ("4012", "Bamble"),
    ("4014", "Kragerø"),
    ("4016", "Drangedal"),
    ("4018", "Nome"),
    ("4020", "Midt-Telemark"),
    ("4022", "Seljord"),
    ("4024", "Hjartdal"),
    ("4026", "Tinn"),
    ("4028", "Kviteseid"),
    ("4030", "Nissedal"),
    ("4032", "Fyresdal"),
    ("4034", "Tokke"),
    ("4036", "Vinje"),
    // Agder
    ("4201", "Risør"),
    ("4202", "Grimstad"),
    ("4203", "Arendal"),
    ("4204", "Kristiansand"),
    ("4205", "Lindesnes"),
    ("4206", "Farsund"),
    ("4207", "Flekkefjord"),
    ("4211", "Gjerstad"),
    ("4212", "Vegårshei"),
    ("4213", "Tvedestrand"),
    ("4214", "Froland"),
    ("4215", "Lillesand"),
    ("4216", "Birkenes"),
    ("4217", "Åmli"),
    ("4218", "Iveland"),
    ("4219", "Evje og Hornnes"),
    ("4220", "Bygland"),
    ("4221", "Valle"),
    ("4222", "Bykle"),
    ("4223", "Vennesla"),
    ("4224", "Åseral"),
    ("4225", "Lyngdal"),
    ("4226", "Hægebostad"),
    ("4227", "Kvinesdal"),
    ("4228", "Sirdal"),
    // Vestland
    ("4601", "Bergen"),
    ("4602", "Kinn"),
    ("4611", "Etne"),
    ("4612", "Sveio"),
    ("4613", "Bømlo"),
    ("4614", "Stord"),
    ("4615", "Fitjar"),
    ("4616", "Tysnes"),
    ("4617", "Kvinnherad"),
    ("4618", "Ullensvang"),
    ("4619", "Eidfjord"),
    ("4620", "Ulvik"),
    ("4621", "Voss"),
    ("4622", "Kvam"),
    ("4623", "Samnanger"),
    ("4624", "Bjørnafjorden"),
    ("4625", "Austevoll"),
    ("4626", "Øygarden"),
    ("4627", "Askøy"),
    ("4628", "Vaksdal"),
    ("4629", "Modalen"),
    ("4630", "Osterøy"),
    ("4631", "Alver"),
    ("4632", "Austrheim"),
    ("4633", "Fedje"),
    ("4634", "Masfjorden"),
    ("4635", "Gulen"),
    ("4636", "Solund"),
    ("4637", "Hyllestad"),
    ("4638", "Høyanger"),
    ("4639", "Vik"),
    ("4640", "Sogndal"),
    ("4641", "Aurland"),
    ("4642", "Lærdal"),
    ("4643", "Årdal"),
    ("4644", "Luster"),
    ("4645", "Askvoll"),
    ("4646", "Fjaler"),
    ("4647", "Sunnfjord"),
    ("4648", "Bremanger"),
    ("4649", "Stad"),
    ("4650", "Gloppen"),
    ("4651", "Stryn"),
    // Trøndelag
    ("5001", "Trondheim"),
    ("5006", "Steinkjer"),
    ("5007", "Namsos"),
    ("5014", "Frøya"),
    ("5020", "Osen"),
    ("5021", "Oppdal"),
    ("5022", "Rennebu"),
    ("5025", "Røros"),
    ("5026", "Holtålen"),
    ("5027", "Midtre Gauldal"),
    ("5028", "Melhus"),
    ("5029", "Skaun"),
    ("5031", "Malvik"),
    ("5032", "Selbu"),
    ("5033", "Tydal"),
    ("5034", "Meråker"),
    ("5035", "Stjørdal"),
    ("5036", "Frosta"),
    ("5037", "Levanger"),
    ("5038", "Verdal"),
    ("5041", "Snåsa"),
    ("5042", "Lierne"),
    ("5043", "Røyrvik"),
    ("5044", "Namsskogan"),
    ("5045", "Grong"),
    ("5046", "Høylandet"),
    ("5047", "Overhalla"),
    ("5049", "Flatanger"),
    ("5052", "Leka"),
    ("5053", "Inderøy"),
    ("5054", "Indre Fosen"),
    ("5055", "Heim"),
    ("5056", "Hitra"),
    ("5057", "Ørland"),
    ("5058", "Åfjord"),
    ("5059", "Orkland"),
    ("5060", "Nærøysund"),
    ("5061", "Rindal"),
    // Troms
    ("5501", "Tromsø"),
    ("5503", "Harstad"),
    ("5510", "Kvæfjord"),
    ("5512", "Tjeldsund"),
    ("5514", "Ibestad"),
    ("5516", "Gratangen"),
    ("5518", "Lavangen"),
    ("5520", "Bardu"),
    ("5522", "Salangen"),
    ("5524", "Målselv"),
    ("5526", "Sørreisa"),
    ("5528", "Dyrøy"),
    ("5530", "Senja"),
    ("5532", "Balsfjord"),
    ("5534", "Karlsøy"),
    ("5536", "Lyngen"),
    ("5538", "Storfjord"),
    ("5540", "Kåfjord"),
    ("5542", "Skjervøy"),
    ("5544", "Nordreisa"),
    ("5546", "Kvænangen"),
    // Finnmark
    ("5601", "Alta"),
    ("5603", "Hammerfest"),
    ("5605", "Sør-Varanger"),
    ("5607", "Vadsø"),
    ("5610", "Karasjok"),
    ("5612", "Kautokeino"),
    ("5614", "Loppa"),
    ("5616", "Hasvik"),
    ("5618", "Måsøy"),
    ("5620", "Nordkapp"),
    ("5622", "Porsanger"),
    ("5624", "Lebesby"),
    ("5626", "Gamvik"),
    ("5628", "Tana"),
    ("5630", "Berlevåg"),
    ("5632", "Båtsfjord"),
    ("5634", "Vardø"),
    ("5636", "Nesseby"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // ---- helpers: build synthetic numbers (month + 80) so no real person is ever used ----

    fn digits_of(s: &str) -> Vec<u32> {
        s.bytes().map(|b| u32::from(b - b'0')).collect()
    }

    /// Appends both control digits to nine digits, or `None` if either would be 10.
    fn with_controls(first9: &str) -> Option<String> {
        let mut d = digits_of(first9);
        let k1 = mod11(&d, &FNR_K1_WEIGHTS)?;
        d.push(k1);
        let k2 = mod11(&d, &FNR_K2_WEIGHTS)?;
        Some(format!("{first9}{k1}{k2}"))
    }

    /// Individnummer ranges that give `year` (1854–2039).
    fn individ_ranges(year: i32) -> Vec<(u32, u32)> {
        match year {
            1854..=1899 => vec![(500, 749)],
            1900..=1939 => vec![(0, 499)],
            1940..=1999 => vec![(0, 499), (900, 999)],
            2000..=2039 => vec![(500, 999)],
            _ => vec![],
        }
    }

    /// The `n`-th individnummer (cyclic) among those valid for `year`.
    fn nth_individ(year: i32, n: u32) -> u32 {
        let ranges = individ_ranges(year);
        let total: u32 = ranges.iter().map(|(a, b)| b - a + 1).sum();
        let mut i = n % total;
        for (a, b) in ranges {
            let len = b - a + 1;
            if i < len {
                return a + i;
            }
            i -= len;
        }
        unreachable!()
    }

    /// A synthetic (Tenor-style) number for the date, starting the individnummer search at `seed`.
    fn synthetic(year: i32, month: u32, day: u32, seed: u32, d_nummer: bool) -> String {
        let dd = if d_nummer { day + 40 } else { day };
        let mm = month + 80;
        let yy = year.rem_euclid(100);
        (0..1000)
            .find_map(|step| {
                let individ = nth_individ(year, seed + step);
                with_controls(&format!("{dd:02}{mm:02}{yy:02}{individ:03}"))
            })
            .expect("some individnummer gives valid control digits")
    }

    fn orgnr_with_control(first8: &str) -> Option<String> {
        let k = mod11(&digits_of(first8), &ORGNR_WEIGHTS)?;
        Some(format!("{first8}{k}"))
    }

    /// Parses the value's `Display` form again.
    fn reparse<T: FromStr + fmt::Display>(v: &T) -> Result<T, T::Err> {
        v.to_string().parse()
    }

    fn all_parsers_accept(s: &str) -> [bool; 6] {
        [
            Fodselsnummer::parse(s).is_ok(),
            Orgnr::parse(s).is_ok(),
            Kontonummer::parse(s).is_ok(),
            Kommunenummer::parse(s).is_ok(),
            Postnummer::parse(s).is_ok(),
            DayMonth::parse(s).is_ok(),
        ]
    }

    // ---- IdError ----

    #[test]
    fn error_codes_are_stable() {
        assert_eq!(IdError::Empty.code(), "empty");
        assert_eq!(IdError::NotDigits.code(), "not_digits");
        assert_eq!(IdError::WrongLength { expected: 9 }.code(), "wrong_length");
        assert_eq!(IdError::InvalidDate.code(), "invalid_date");
        assert_eq!(IdError::Checksum.code(), "checksum");
        assert_eq!(IdError::UnknownKommune.code(), "unknown_kommune");
        assert_eq!(IdError::OutOfRange.code(), "out_of_range");
        assert_eq!(
            IdError::WrongLength { expected: 11 }.to_string(),
            "must be 11 digits"
        );
        assert!(!IdError::Checksum.to_string().is_empty());
    }

    #[test]
    fn common_input_errors() {
        assert_eq!(Orgnr::parse(""), Err(IdError::Empty));
        assert_eq!(Orgnr::parse("   \t"), Err(IdError::Empty));
        assert_eq!(Orgnr::parse("91000000a"), Err(IdError::NotDigits));
        assert_eq!(Orgnr::parse("９１０000004"), Err(IdError::NotDigits));
        assert_eq!(Orgnr::parse("-910000004"), Err(IdError::NotDigits));
        assert_eq!(
            Orgnr::parse("91000000"),
            Err(IdError::WrongLength { expected: 9 })
        );
        assert_eq!(
            Orgnr::parse("9100000040"),
            Err(IdError::WrongLength { expected: 9 })
        );
        assert_eq!(
            Kontonummer::parse(". ."),
            Err(IdError::WrongLength { expected: 11 })
        );
    }

    // ---- Fodselsnummer ----

    #[test]
    fn synthetic_literals_verified_by_hand() {
        // 01.01.1980, individnummer 123: k1 = 11 - 140 % 11 = 3, k2 = 11 - 114 % 11 = 7.
        let f = Fodselsnummer::parse("01818012337").unwrap();
        assert_eq!(f.as_str(), "01818012337");
        assert_eq!(f.birth_date(), (1980, 1, 1));
        assert_eq!(f.kind(), PersonIdKind::Fodselsnummer { synthetic: true });
        assert!(f.is_synthetic());

        let cases: &[(&str, (i32, u8, u8), bool)] = &[
            ("29820050043", (2000, 2, 29), false),
            ("29829600089", (1996, 2, 29), false),
            ("31926260033", (1862, 12, 31), false),
            ("01815450023", (1854, 1, 1), false),
            ("17874590002", (1945, 7, 17), false),
            ("31929995190", (1999, 12, 31), false),
            ("31923950012", (2039, 12, 31), false),
            ("55867500048", (1975, 6, 15), true),
            ("71832050061", (2020, 3, 31), true),
        ];
        for &(s, date, d_nummer) in cases {
            let f = Fodselsnummer::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(f.birth_date(), date, "{s}");
            assert_eq!(f.kind().is_d_nummer(), d_nummer, "{s}");
            assert!(f.kind().is_synthetic(), "{s}");
        }
    }

    #[test]
    fn fodselsnummer_normalises_spaces() {
        let f = Fodselsnummer::parse("  018180 123 37 ").unwrap();
        assert_eq!(f.as_str(), "01818012337");
        assert_eq!(f.to_string(), "01818012337");
        assert_eq!("018180 12337".parse::<Fodselsnummer>(), Ok(f.clone()));
        assert_eq!(f.as_ref(), "01818012337");
    }

    #[test]
    fn fodselsnummer_debug_masks_individnummer() {
        let f = Fodselsnummer::parse("01818012337").unwrap();
        let dbg = format!("{f:?}");
        assert_eq!(dbg, "Fodselsnummer(018180*****)");
        assert!(!dbg.contains("12337"));
    }

    #[test]
    fn all_zeros_passes_mod11_but_is_refused() {
        let d = [0u32; 11];
        assert_eq!(mod11(&d[..9], &FNR_K1_WEIGHTS), Some(0));
        assert_eq!(mod11(&d[..10], &FNR_K2_WEIGHTS), Some(0));
        assert_eq!(
            Fodselsnummer::parse("00000000000"),
            Err(IdError::InvalidDate)
        );
    }

    #[test]
    fn fodselsnummer_known_bad() {
        assert_eq!(Fodselsnummer::parse(""), Err(IdError::Empty));
        assert_eq!(Fodselsnummer::parse("0181801233x"), Err(IdError::NotDigits));
        assert_eq!(
            Fodselsnummer::parse("0181801233"),
            Err(IdError::WrongLength { expected: 11 })
        );
        // Each control digit wrong on its own.
        assert_eq!(Fodselsnummer::parse("01818012338"), Err(IdError::Checksum));
        assert_eq!(Fodselsnummer::parse("01818012347"), Err(IdError::Checksum));
        // Checksums right, dates wrong.
        let bad_dates = [
            "29820000100", // 29.02.1900: 1900 is not a leap year
            "29820150064", // 29.02.2001
            "01938000049", // month 93 - 80 = 13
            "01814575019", // individnummer 750 with year 45: no century issues that
            "01815060012", // individnummer 600 with year 50: gap between 1853 and 1854
        ];
        for s in bad_dates {
            assert!(with_controls(&s[..9]).as_deref() == Some(s), "{s} checksum");
            assert_eq!(Fodselsnummer::parse(s), Err(IdError::InvalidDate), "{s}");
        }
    }

    #[test]
    fn fodselsnummer_refuses_nonexistent_days_from_generator() {
        for (dd, mm) in [
            (0, 81),
            (32, 81),
            (31, 84),
            (30, 82),
            (40, 81),
            (72, 81),
            (1, 80),
        ] {
            for individ in 123..200 {
                if let Some(s) = with_controls(&format!("{dd:02}{mm:02}80{individ:03}")) {
                    assert_eq!(Fodselsnummer::parse(&s), Err(IdError::InvalidDate), "{s}");
                    break;
                }
            }
        }
    }

    #[test]
    fn decode_reads_kind_and_century() {
        // Prefixes whose first control digit would be 10, so no such number is ever issued.
        assert_eq!(mod11(&digits_of("010180101"), &FNR_K1_WEIGHTS), None);
        assert_eq!(mod11(&digits_of("410180106"), &FNR_K1_WEIGHTS), None);
        let p = decode_person(&digits_of("010180101")).unwrap();
        assert_eq!(
            (p.year, p.month, p.day, p.kind),
            (1980, 1, 1, PersonIdKind::Fodselsnummer { synthetic: false })
        );
        let p = decode_person(&digits_of("410180106")).unwrap();
        assert_eq!(p.kind, PersonIdKind::DNummer { synthetic: false });
        assert_eq!(Fodselsnummer::parse("01018010100"), Err(IdError::Checksum));

        let year_of = |s: &str| decode_person(&digits_of(s)).map(|p| p.year);
        assert_eq!(year_of("018100000"), Ok(1900));
        assert_eq!(year_of("018199499"), Ok(1999));
        assert_eq!(year_of("018154500"), Ok(1854));
        assert_eq!(year_of("018199749"), Ok(1899));
        assert_eq!(year_of("018100500"), Ok(2000));
        assert_eq!(year_of("018139999"), Ok(2039));
        assert_eq!(year_of("018140900"), Ok(1940));
        assert_eq!(year_of("018199999"), Ok(1999));
        assert_eq!(year_of("018153500"), Err(IdError::InvalidDate));
        assert_eq!(year_of("018140750"), Err(IdError::InvalidDate));
        assert_eq!(year_of("018199899"), Err(IdError::InvalidDate));
        // H-nummer / NAV test numbers (month + 40) are not accepted.
        assert_eq!(year_of("014180101"), Err(IdError::InvalidDate));
    }

    #[test]
    fn generator_round_trips_leap_days() {
        for year in [1856, 1896, 1904, 1948, 1996, 2000, 2004, 2036] {
            let s = synthetic(year, 2, 29, 0, false);
            assert_eq!(
                Fodselsnummer::parse(&s).unwrap().birth_date(),
                (year, 2, 29)
            );
        }
    }

    // ---- Orgnr ----

    #[test]
    fn orgnr_known_good() {
        for s in [
            "819897522",
            "800877830",
            "932061899",
            "910000004",
            "910000179",
        ] {
            let o = Orgnr::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(o.as_str(), s);
            assert_eq!(o.to_string(), s);
        }
        assert_eq!(Orgnr::parse(" 910 000 004 ").unwrap().as_str(), "910000004");
        assert_eq!("932061899".parse::<Orgnr>().unwrap().as_ref(), "932061899");
        // First digit other than 8/9 is fine as long as the control digit is right.
        let o = orgnr_with_control("12345678").unwrap();
        assert!(Orgnr::parse(&o).is_ok());
    }

    #[test]
    fn orgnr_known_bad() {
        assert_eq!(Orgnr::parse("819897523"), Err(IdError::Checksum));
        assert_eq!(Orgnr::parse("910000005"), Err(IdError::Checksum));
        // 91000008x would need control digit 10: no last digit works.
        assert_eq!(orgnr_with_control("91000008"), None);
        for k in 0..10 {
            assert_eq!(
                Orgnr::parse(&format!("91000008{k}")),
                Err(IdError::Checksum)
            );
        }
        assert_eq!(Orgnr::parse("910.000.004"), Err(IdError::NotDigits));
    }

    // ---- Kontonummer ----

    #[test]
    fn iban_and_bic() {
        // Published example numbers of the standard's registry, and a Norwegian one.
        for ok in [
            "GB82 WEST 1234 5698 7654 32",
            "DE89370400440532013000",
            "NO9386011117947",
        ] {
            assert!(iban_ok(ok), "{ok}");
        }
        for bad in [
            "GB82 WEST 1234 5698 7654 33",
            "NO938601111794",
            "no9386011117947",
            "DE8937040044053201300!",
            "",
        ] {
            assert!(!iban_ok(bad), "{bad}");
        }
        for ok in ["DEUTDEFF", "DEUTDEFF500", "NDEANOKK"] {
            assert!(bic_ok(ok), "{ok}");
        }
        for bad in ["DEUTDEF", "deutdeff", "1EUTDEFF", "DEUTDEFF50"] {
            assert!(!bic_ok(bad), "{bad}");
        }
    }

    #[test]
    fn kontonummer_formats() {
        for s in [
            "12345678903",
            "1234.56.78903",
            "1234 56 78903",
            " 1234.56 78903 ",
        ] {
            let k = Kontonummer::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(k.as_str(), "12345678903");
            assert_eq!(k.to_string(), "1234.56.78903");
            assert_eq!(reparse(&k), Ok(k));
        }
    }

    #[test]
    fn kontonummer_known_bad() {
        assert_eq!(Kontonummer::parse("12345678904"), Err(IdError::Checksum));
        assert_eq!(Kontonummer::parse("1234-56-78903"), Err(IdError::NotDigits));
        assert_eq!(
            Kontonummer::parse("1234.56.7890"),
            Err(IdError::WrongLength { expected: 11 })
        );
        // 1234567892x would need control digit 10.
        assert_eq!(mod11(&digits_of("1234567892"), &KONTONUMMER_WEIGHTS), None);
        for k in 0..10 {
            assert_eq!(
                Kontonummer::parse(&format!("1234567892{k}")),
                Err(IdError::Checksum)
            );
        }
    }

    // ---- Kommunenummer ----

    #[test]
    fn kommuner_list_is_sorted_and_complete() {
        assert_eq!(KOMMUNER.len(), 357);
        assert!(KOMMUNER.windows(2).all(|w| w[0].0 < w[1].0));
        for (n, name) in KOMMUNER {
            assert!(n.len() == 4 && n.bytes().all(|b| b.is_ascii_digit()), "{n}");
            assert!(!name.is_empty());
        }
        // Municipalities per county as of 1 January 2024.
        let per_county = |f: &str| KOMMUNER.iter().filter(|(n, _)| n.starts_with(f)).count();
        let counts = [
            ("03", 1),
            ("11", 23),
            ("15", 27),
            ("18", 41),
            ("31", 12),
            ("32", 21),
            ("33", 18),
            ("34", 46),
            ("39", 6),
            ("40", 17),
            ("42", 25),
            ("46", 43),
            ("50", 38),
            ("55", 21),
            ("56", 18),
        ];
        for (f, n) in counts {
            assert_eq!(per_county(f), n, "fylke {f}");
        }
        assert_eq!(counts.iter().map(|c| c.1).sum::<usize>(), 357);
    }

    #[test]
    fn kommunenummer_known_good() {
        let cases = [
            ("0301", "Oslo"),
            ("1508", "Ålesund"),
            ("1580", "Haram"),
            ("1505", "Kristiansund"),
            ("3301", "Drammen"),
            ("3205", "Lillestrøm"),
            ("4601", "Bergen"),
            ("5001", "Trondheim"),
            ("5501", "Tromsø"),
            ("5636", "Nesseby"),
            ("3114", "Våler (Østfold)"),
            ("3419", "Våler (Innlandet)"),
        ];
        for (n, name) in cases {
            let k = Kommunenummer::parse(n).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_eq!(k.as_str(), n);
            assert_eq!(k.name(), name);
            assert_eq!(k.to_string(), n);
            assert_eq!(k.fylkesnummer(), &n[..2]);
        }
        assert_eq!(Kommunenummer::parse(" 03 01").unwrap().as_str(), "0301");
        assert_eq!("1580".parse::<Kommunenummer>().unwrap().name(), "Haram");
    }

    #[test]
    fn kommunenummer_known_bad() {
        for n in [
            "2100", // Svalbard: not a municipality
            "2111", // Jan Mayen
            "1507", // Ålesund 2020–2023, split in 2024
            "3005", // Drammen in Viken, 2020–2023
            "3024", // Bærum in Viken
            "5401", // Tromsø in Troms og Finnmark
            "3803", // Tønsberg in Vestfold og Telemark
            "0000", "9999", "0302",
        ] {
            assert_eq!(Kommunenummer::parse(n), Err(IdError::UnknownKommune), "{n}");
        }
        assert_eq!(
            Kommunenummer::parse("301"),
            Err(IdError::WrongLength { expected: 4 })
        );
        assert_eq!(Kommunenummer::parse("03O1"), Err(IdError::NotDigits));
        assert_eq!(Kommunenummer::parse(""), Err(IdError::Empty));
    }

    // ---- Postnummer ----

    #[test]
    fn postnummer() {
        for s in ["0001", "0150", "5003", "9991"] {
            let p = Postnummer::parse(s).unwrap();
            assert_eq!(p.as_str(), s);
            assert_eq!(p.to_string(), s);
        }
        assert_eq!(Postnummer::parse(" 0150 ").unwrap().as_str(), "0150");
        assert_eq!(Postnummer::parse("0000"), Err(IdError::OutOfRange));
        assert_eq!(
            Postnummer::parse("150"),
            Err(IdError::WrongLength { expected: 4 })
        );
        assert_eq!(
            Postnummer::parse("01500"),
            Err(IdError::WrongLength { expected: 4 })
        );
        assert_eq!(Postnummer::parse("NO-0150"), Err(IdError::NotDigits));
        assert_eq!(Postnummer::parse(""), Err(IdError::Empty));
    }

    // ---- DayMonth ----

    #[test]
    fn day_month_known_values() {
        let d = DayMonth::parse("2902").unwrap();
        assert_eq!((d.day(), d.month()), (29, 2));
        assert_eq!(d.to_string(), "2902");
        assert_eq!(DayMonth::parse("0101").unwrap().to_string(), "0101");
        assert_eq!(
            DayMonth::parse("3112").unwrap(),
            DayMonth::new(31, 12).unwrap()
        );
        assert_eq!("15 05".parse::<DayMonth>().unwrap().to_string(), "1505");
        for bad in ["3002", "3104", "0001", "0100", "3213", "0113", "9999"] {
            assert_eq!(DayMonth::parse(bad), Err(IdError::InvalidDate), "{bad}");
        }
        assert_eq!(
            DayMonth::parse("101"),
            Err(IdError::WrongLength { expected: 4 })
        );
        assert_eq!(DayMonth::parse("1.01"), Err(IdError::NotDigits));
        assert_eq!(DayMonth::new(0, 1), Err(IdError::InvalidDate));
    }

    #[test]
    fn day_month_orders_by_month_then_day() {
        let parse = |s| DayMonth::parse(s).unwrap();
        assert!(parse("3101") < parse("0102"));
        assert!(parse("0102") < parse("0202"));
        let mut v = [parse("0112"), parse("2902"), parse("3101"), parse("0101")];
        v.sort();
        let s: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(s, ["0101", "3101", "2902", "0112"]);
    }

    #[test]
    fn day_month_has_366_days() {
        let mut all = Vec::new();
        for month in 1..=12u8 {
            for day in 1..=31u8 {
                if let Ok(d) = DayMonth::new(day, month) {
                    assert_eq!(reparse(&d), Ok(d));
                    all.push(d);
                }
            }
        }
        assert_eq!(all.len(), 366);
        assert!(all.windows(2).all(|w| w[0] < w[1]));
    }

    // ---- property tests ----

    proptest! {
        #[test]
        fn orgnr_with_computed_control_parses(first8 in "[0-9]{8}") {
            if let Some(s) = orgnr_with_control(&first8) {
                let o = Orgnr::parse(&s).unwrap();
                prop_assert_eq!(o.as_str(), s.as_str());
                prop_assert_eq!(reparse(&o), Ok(o));
            } else {
                for k in 0..10 {
                    prop_assert_eq!(Orgnr::parse(&format!("{first8}{k}")), Err(IdError::Checksum));
                }
            }
        }

        #[test]
        fn orgnr_single_digit_change_fails(
            base in 0u32..100_000_000,
            pos in 0usize..9,
            delta in 1u8..10,
        ) {
            // The next 8-digit prefix that has a control digit (at most a few steps away),
            // so no case is thrown away.
            let good = (0..100)
                .find_map(|i| orgnr_with_control(&format!("{:08}", (base + i) % 100_000_000)))
                .unwrap();
            let mut bytes = good.clone().into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let bad = String::from_utf8(bytes).unwrap();
            prop_assert_ne!(&bad, &good);
            prop_assert_eq!(Orgnr::parse(&bad), Err(IdError::Checksum));
        }

        #[test]
        fn kontonummer_with_computed_control_parses(first10 in "[0-9]{10}") {
            if let Some(k) = mod11(&digits_of(&first10), &KONTONUMMER_WEIGHTS) {
                let s = format!("{first10}{k}");
                let dotted = format!("{}.{}.{}", &s[..4], &s[4..6], &s[6..]);
                let parsed = Kontonummer::parse(&dotted).unwrap();
                prop_assert_eq!(parsed.as_str(), s.as_str());
                prop_assert_eq!(parsed.to_string(), dotted);
            }
        }

        #[test]
        fn synthetic_fodselsnummer_gives_back_its_date(
            year in 1854i32..=2039,
            month in 1u32..=12,
            day_seed in 0u32..31,
            seed in 0u32..1000,
            d_nummer in any::<bool>(),
        ) {
            let day = 1 + day_seed % days_in_month(year, month);
            let s = synthetic(year, month, day, seed, d_nummer);
            let f = Fodselsnummer::parse(&s).unwrap();
            prop_assert_eq!(f.birth_date(), (year, month as u8, day as u8));
            let kind = if d_nummer {
                PersonIdKind::DNummer { synthetic: true }
            } else {
                PersonIdKind::Fodselsnummer { synthetic: true }
            };
            prop_assert_eq!(f.kind(), kind);
            prop_assert_eq!(f.as_str(), s.as_str());
            prop_assert_eq!(reparse(&f), Ok(f.clone()));
            // Any other last digit breaks the second control digit.
            let last = s.as_bytes()[10] - b'0';
            let other = format!("{}{}", &s[..10], (last + 1) % 10);
            prop_assert_eq!(Fodselsnummer::parse(&other), Err(IdError::Checksum));
        }

        #[test]
        fn day_month_round_trip(month in 1u8..=12, day in 1u8..=31) {
            let text = format!("{day:02}{month:02}");
            let real = u32::from(day) <= days_in_month(2000, u32::from(month));
            match DayMonth::parse(&text) {
                Ok(d) => {
                    prop_assert!(real);
                    prop_assert_eq!((d.day(), d.month()), (day, month));
                    prop_assert_eq!(d.to_string(), text);
                }
                Err(e) => {
                    prop_assert!(!real);
                    prop_assert_eq!(e, IdError::InvalidDate);
                }
            }
        }

        #[test]
        fn parsers_never_panic_on_any_text(s in any::<String>()) {
            let _ = all_parsers_accept(&s);
        }

        #[test]
        fn parsers_never_panic_on_digit_like_text(s in "[0-9 .\u{a0}x-]{0,16}") {
            let ok = all_parsers_accept(&s);
            // Whatever is accepted is accepted again in its normalised form.
            if ok[0] {
                let v = Fodselsnummer::parse(&s).unwrap();
                prop_assert_eq!(reparse(&v), Ok(v.clone()));
                let _ = (v.kind(), v.birth_date());
            }
            if ok[1] {
                let v = Orgnr::parse(&s).unwrap();
                prop_assert_eq!(reparse(&v), Ok(v));
            }
            if ok[2] {
                let v = Kontonummer::parse(&s).unwrap();
                prop_assert_eq!(reparse(&v), Ok(v));
            }
            if ok[3] {
                let v = Kommunenummer::parse(&s).unwrap();
                prop_assert!(!v.name().is_empty());
            }
            if ok[4] {
                let v = Postnummer::parse(&s).unwrap();
                prop_assert_eq!(reparse(&v), Ok(v));
            }
            if ok[5] {
                let v = DayMonth::parse(&s).unwrap();
                prop_assert_eq!(reparse(&v), Ok(v));
            }
        }
    }
}

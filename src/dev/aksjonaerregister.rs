//! What an end-user system sends to the aksjonærregisteroppgave's API, made up: a hovedskjema and
//! underskjemaer in the XML of Skatteetaten's examples (the Altinn II element names, empty groups
//! and all), with synthetic identities. The integration tests and the bench drive the API with
//! them, as a vendor's system would.

use std::fmt::Write as _;

/// A company and its one share class.
#[derive(Debug, Clone)]
pub struct Company {
    /// Organisasjonsnummer.
    pub orgnr: String,
    /// Name.
    pub navn: String,
    /// Income year.
    pub year: i32,
    /// Shares in the class at the end of the year (the underskjemaer must add up to this).
    pub shares: i64,
    /// Nominal value per share, in kroner.
    pub par: i64,
}

/// Who a shareholder is.
#[derive(Debug, Clone)]
pub enum Holder {
    /// A person, by fødselsnummer.
    Person(String),
    /// A company, by organisasjonsnummer.
    Company(String),
}

/// One shareholder: one underskjema.
#[derive(Debug, Clone)]
pub struct Shareholder {
    /// Who.
    pub holder: Holder,
    /// Their name.
    pub navn: String,
    /// Shares at the end of the year.
    pub shares: i64,
    /// Shares bought during the year: (number, date `YYYY-MM-DD`, total cost in kroner).
    pub bought: Option<(i64, String, i64)>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn field(out: &mut String, indent: &str, name: &str, value: impl std::fmt::Display) {
    let orid = name.rsplit('-').next().unwrap_or("");
    let _ = writeln!(
        out,
        "{indent}<{name} orid=\"{orid}\">{}</{name}>",
        escape(&value.to_string())
    );
}

fn open(out: &mut String, indent: &str, name: &str) {
    let id = name.rsplit('-').next().unwrap_or("");
    let _ = writeln!(out, "{indent}<{name} gruppeid=\"{id}\">");
}

fn close(out: &mut String, indent: &str, name: &str) {
    let _ = writeln!(out, "{indent}</{name}>");
}

fn empty(out: &mut String, indent: &str, name: &str) {
    let id = name.rsplit('-').next().unwrap_or("");
    let _ = writeln!(out, "{indent}<{name} gruppeid=\"{id}\"></{name}>");
}

/// The company's hovedskjema (RF-1086): founded in the year with all its shares, none the year
/// before.
pub fn hovedskjema(c: &Company) -> String {
    let capital = c.shares * c.par;
    let mut x = String::from(
        "<Skjema skjemanummer=\"890\" spesifikasjonsnummer=\"12144\" blankettnummer=\"RF-1086\" gruppeid=\"2586\" etatid=\"974761076\">\n",
    );
    open(&mut x, "  ", "GenerellInformasjon-grp-2587");
    open(&mut x, "    ", "Selskap-grp-2588");
    field(
        &mut x,
        "      ",
        "EnhetOrganisasjonsnummer-datadef-18",
        &c.orgnr,
    );
    field(&mut x, "      ", "EnhetNavn-datadef-1", &c.navn);
    field(&mut x, "      ", "EnhetAdresse-datadef-15", "Tigerveien 13");
    field(&mut x, "      ", "EnhetPostnummer-datadef-6673", "0283");
    field(&mut x, "      ", "EnhetPoststed-datadef-6674", "OSLO");
    field(&mut x, "      ", "AksjeType-datadef-17659", "01");
    field(&mut x, "      ", "Inntektsar-datadef-692", c.year);
    close(&mut x, "    ", "Selskap-grp-2588");
    open(&mut x, "    ", "Kontaktperson-grp-3442");
    field(
        &mut x,
        "      ",
        "KontaktpersonSkjemaEPost-datadef-30533",
        "aksjebok@tiger.example",
    );
    close(&mut x, "    ", "Kontaktperson-grp-3442");
    empty(&mut x, "    ", "AnnenKontaktperson-grp-5384");
    close(&mut x, "  ", "GenerellInformasjon-grp-2587");
    open(&mut x, "  ", "Selskapsopplysninger-grp-2589");
    for (group, last_year, this_year, value) in [
        (
            "AksjekapitalForHeleSelskapet-grp-3443",
            "AksjekapitalFjoraret-datadef-7129",
            "Aksjekapital-datadef-87",
            capital,
        ),
        (
            "AksjekapitalIDenneAksjeklassen-grp-3444",
            "AksjekapitalISINAksjetypeFjoraret-datadef-17663",
            "AksjekapitalISINAksjetype-datadef-17664",
            capital,
        ),
        (
            "PalydendePerAksje-grp-3447",
            "AksjeMvPalydendeFjoraret-datadef-23944",
            "AksjeMvPalydende-datadef-23945",
            c.par,
        ),
        (
            "AntallAksjerIDenneAksjeklassen-grp-3445",
            "AksjerMvAntallFjoraret-datadef-29166",
            "AksjerMvAntall-datadef-29167",
            c.shares,
        ),
        (
            "InnbetaltAksjekapitalIDenneAksjeklassen-grp-3446",
            "AksjekapitalInnbetaltFjoraret-datadef-8020",
            "AksjekapitalInnbetalt-datadef-5867",
            capital,
        ),
        (
            "InnbetaltOverkursIDenneAksjeklassen-grp-3448",
            "AksjeOverkursISINAksjetypeFjoraret-datadef-17662",
            "AksjeOverkursISINAksjetype-datadef-17661",
            0,
        ),
    ] {
        open(&mut x, "    ", group);
        field(&mut x, "      ", last_year, 0);
        field(&mut x, "      ", this_year, value);
        close(&mut x, "    ", group);
    }
    close(&mut x, "  ", "Selskapsopplysninger-grp-2589");
    open(&mut x, "  ", "Utbytte-grp-3449");
    empty(
        &mut x,
        "    ",
        "UtdeltSkatterettsligUtbytteILopetAvInntektsaret-grp-3451",
    );
    close(&mut x, "  ", "Utbytte-grp-3449");
    open(
        &mut x,
        "  ",
        "UtstedelseAvAksjerIfmStiftelseNyemisjonMv-grp-3452",
    );
    open(&mut x, "    ", "AntallNyutstedteAksjer-grp-3453");
    field(
        &mut x,
        "      ",
        "AksjerNyutstedteStiftelseMvAntall-datadef-17668",
        c.shares,
    );
    field(
        &mut x,
        "      ",
        "AksjerStiftelseMvAntall-datadef-17669",
        c.shares,
    );
    field(
        &mut x,
        "      ",
        "AksjerNyutstedteStiftelseMvType-datadef-17670",
        "S",
    );
    field(
        &mut x,
        "      ",
        "AksjerNyutstedteStiftelseMvTidspunkt-datadef-17671",
        format!("{}-01-02T00:00:00", c.year),
    );
    field(
        &mut x,
        "      ",
        "AksjerNyutstedteStiftelseMvPalydende-datadef-23947",
        c.par,
    );
    close(&mut x, "    ", "AntallNyutstedteAksjer-grp-3453");
    close(
        &mut x,
        "  ",
        "UtstedelseAvAksjerIfmStiftelseNyemisjonMv-grp-3452",
    );
    open(
        &mut x,
        "  ",
        "SlettingAvAksjerIfmLikvidasjonPartiellLikvidasjonMv-grp-3456",
    );
    empty(&mut x, "    ", "SlettedeAksjerAvgang-grp-3457");
    close(
        &mut x,
        "  ",
        "SlettingAvAksjerIfmLikvidasjonPartiellLikvidasjonMv-grp-3456",
    );
    x.push_str("</Skjema>\n");
    x
}

/// One shareholder's underskjema (RF-1086-U).
pub fn underskjema(c: &Company, s: &Shareholder) -> String {
    let mut x = String::from(
        "<Skjema skjemanummer=\"923\" spesifikasjonsnummer=\"12146\" blankettnummer=\"RF-1086-U\" tittel=\"Aksjonærregisteroppgaven - underskjema\" gruppeid=\"3983\" etatid=\"974761076\">\n",
    );
    open(&mut x, "  ", "SelskapsOgAksjonaropplysninger-grp-3987");
    open(&mut x, "    ", "Selskapsidentifikasjon-grp-3986");
    field(
        &mut x,
        "      ",
        "EnhetOrganisasjonsnummer-datadef-18",
        &c.orgnr,
    );
    field(&mut x, "      ", "AksjeType-datadef-17659", "01");
    field(&mut x, "      ", "Inntektsar-datadef-692", c.year);
    close(&mut x, "    ", "Selskapsidentifikasjon-grp-3986");
    open(&mut x, "    ", "NorskUtenlandskAksjonar-grp-3988");
    match &s.holder {
        Holder::Person(fnr) => field(&mut x, "      ", "AksjonarFodselsnummer-datadef-1156", fnr),
        Holder::Company(orgnr) => field(
            &mut x,
            "      ",
            "AksjonarOrganisasjonsnummer-datadef-7597",
            orgnr,
        ),
    }
    field(&mut x, "      ", "AksjonarNavn-datadef-1153", &s.navn);
    empty(&mut x, "      ", "Adresse-grp-7722");
    close(&mut x, "    ", "NorskUtenlandskAksjonar-grp-3988");
    close(&mut x, "  ", "SelskapsOgAksjonaropplysninger-grp-3987");
    open(
        &mut x,
        "  ",
        "AntallAksjerUtbytteOgTilbakebetalingAvTidligereInnbetaltKapit-grp-3990",
    );
    open(&mut x, "    ", "AntallAksjerPerAksjonar-grp-3989");
    field(&mut x, "      ", "AksjerAntallFjoraret-datadef-29168", 0);
    field(
        &mut x,
        "      ",
        "AksjonarAksjerAntall-datadef-17741",
        s.shares,
    );
    close(&mut x, "    ", "AntallAksjerPerAksjonar-grp-3989");
    open(&mut x, "    ", "UtdeltUtbyttePerAksjonar-grp-3991");
    field(
        &mut x,
        "      ",
        "AutomatiskMotregningOnskerIkke-datadef-37159",
        0,
    );
    close(&mut x, "    ", "UtdeltUtbyttePerAksjonar-grp-3991");
    close(
        &mut x,
        "  ",
        "AntallAksjerUtbytteOgTilbakebetalingAvTidligereInnbetaltKapit-grp-3990",
    );
    open(&mut x, "  ", "Transaksjoner-grp-3992");
    open(&mut x, "    ", "KjopArvGaveStiftelseNyemisjonMv-grp-3993");
    if let Some((n, date, cost)) = &s.bought {
        open(&mut x, "      ", "AntallAksjerITilgang-grp-3998");
        field(&mut x, "        ", "AksjerKjopAntall-datadef-12153", n);
        field(&mut x, "        ", "AksjeErvervType-datadef-17745", "S");
        field(
            &mut x,
            "        ",
            "AksjerErvervsdato-datadef-17746",
            format!("{date}T00:00:00"),
        );
        field(
            &mut x,
            "        ",
            "AksjeAnskaffelsesverdi-datadef-17636",
            cost,
        );
        close(&mut x, "      ", "AntallAksjerITilgang-grp-3998");
    }
    close(&mut x, "    ", "KjopArvGaveStiftelseNyemisjonMv-grp-3993");
    close(&mut x, "  ", "Transaksjoner-grp-3992");
    open(
        &mut x,
        "  ",
        "SalgArvGaveLikvidasjonPartiellLikvidasjonMv-grp-3995",
    );
    empty(&mut x, "    ", "AksjerIAvgang-grp-4002");
    close(
        &mut x,
        "  ",
        "SalgArvGaveLikvidasjonPartiellLikvidasjonMv-grp-3995",
    );
    x.push_str("</Skjema>\n");
    x
}

/// The `n`th of a series of synthetic fødselsnumre (birth month + 80, so never a real person's),
/// each different from the others for `n` below 16 800.
pub fn person_number(n: u32) -> String {
    let day = 1 + n % 28;
    let month = 81 + (n / 28) % 12;
    let year = 50 + (n / 336) % 50;
    (100..1000)
        .find_map(|individ| with_check_digits(&format!("{day:02}{month:02}{year:02}{individ:03}")))
        .expect("an individual number with check digits")
}

fn with_check_digits(nine: &str) -> Option<String> {
    let mut d: Vec<u32> = nine.bytes().map(|b| u32::from(b - b'0')).collect();
    for weights in [
        &[3, 7, 6, 1, 8, 9, 4, 5, 2][..],
        &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2][..],
    ] {
        let sum: u32 = d.iter().zip(weights).map(|(a, w)| a * w).sum();
        match 11 - sum % 11 {
            11 => d.push(0),
            10 => return None,
            k => d.push(k),
        }
    }
    Some(d.iter().map(u32::to_string).collect())
}

/// A company of `n` shareholders, each a person holding `per` shares bought when it was founded:
/// the hovedskjema and the underskjemaer, which add up.
pub fn delivery(orgnr: &str, navn: &str, year: i32, n: u32, per: i64) -> (String, Vec<String>) {
    let c = Company {
        orgnr: orgnr.to_owned(),
        navn: navn.to_owned(),
        year,
        shares: i64::from(n) * per,
        par: 100,
    };
    let subs = (0..n)
        .map(|i| {
            underskjema(
                &c,
                &Shareholder {
                    holder: Holder::Person(person_number(i)),
                    navn: format!("Aksjonær {} Testesen", i + 1),
                    shares: per,
                    bought: Some((per, format!("{year}-01-02"), per * c.par)),
                },
            )
        })
        .collect();
    (hovedskjema(&c), subs)
}

/// The whole return as one delivery file (the browser's upload, SFTP): the hovedskjema and then
/// the underskjemaer, in the root element `intake::ar::file` reads.
pub fn file(hoved: &str, subs: &[String]) -> String {
    let mut x =
        String::with_capacity(hoved.len() + subs.iter().map(String::len).sum::<usize>() + 100);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Aksjonaerregisteroppgave>\n");
    x.push_str(hoved);
    for s in subs {
        x.push_str(s);
    }
    x.push_str("</Aksjonaerregisteroppgave>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::no;

    #[test]
    fn the_person_numbers_are_valid_synthetic_and_different() {
        let all: Vec<String> = (0..2000).map(person_number).collect();
        let unique: std::collections::BTreeSet<&String> = all.iter().collect();
        assert_eq!(unique.len(), all.len());
        for n in &all {
            let parsed = no::Fodselsnummer::parse(n).unwrap_or_else(|e| panic!("{n}: {e:?}"));
            assert!(parsed.is_synthetic(), "{n}");
        }
    }
}

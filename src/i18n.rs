//! The portal's own words, in bokmål, nynorsk and English, and its way of writing times: the
//! pages' and the receipt's (which both channels hand out). Form texts live in the form files.
#![allow(missing_docs)]

use crate::form::Lang;
use crate::form::definition::Channel;

pub mod registers;
pub mod sftp;
pub mod upload;
pub mod vendor;

/// Every fixed text of the portal in one language.
#[derive(Debug)]
pub struct Ui {
    pub org: &'static str,
    pub site: &'static str,
    pub skip: &'static str,
    pub nav_label: &'static str,
    pub nav_forms: &'static str,
    pub nav_drafts: &'static str,
    pub lang_label: &'static str,
    pub catalogue_title: &'static str,
    pub catalogue_intro: &'static str,
    pub channels_label: &'static str,
    pub area_empty: &'static str,
    pub form_open: &'static str,
    pub start_button: &'static str,
    pub search_label: &'static str,
    pub search_hint: &'static str,
    pub search_button: &'static str,
    pub search_result: &'static str,
    pub search_none: &'static str,
    pub search_all: &'static str,
    pub about_title: &'static str,
    pub about_audience: &'static str,
    pub about_deadline: &'static str,
    pub about_prepare: &'static str,
    pub about_login: &'static str,
    pub level_substantial: &'static str,
    pub level_high: &'static str,
    pub start_info: &'static str,
    pub resume_title: &'static str,
    pub resume_button: &'static str,
    pub start_new: &'static str,
    pub step: &'static str,
    pub next: &'static str,
    pub back: &'static str,
    pub save_later: &'static str,
    pub add_row: &'static str,
    pub remove_row: &'static str,
    pub files_none: &'static str,
    pub files_choose: &'static str,
    pub files_upload: &'static str,
    pub files_drop: &'static str,
    pub remove_file: &'static str,
    pub file_pending: &'static str,
    pub file_clean: &'static str,
    pub file_infected: &'static str,
    pub upload_failed: &'static str,
    pub files_title: &'static str,
    pub row: &'static str,
    pub rows_none: &'static str,
    pub error_summary: &'static str,
    pub optional: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub either_hint: &'static str,
    pub choose: &'static str,
    pub help: &'static str,
    pub date_hint: &'static str,
    pub summary_title: &'static str,
    pub summary_intro: &'static str,
    pub change: &'static str,
    pub change_page: &'static str,
    pub not_answered: &'static str,
    /// `{n}`: rows of a group a receipt does not show.
    pub rows_not_shown: &'static str,
    pub computed_title: &'static str,
    pub summary_errors: &'static str,
    pub summary_ready: &'static str,
    pub drafts_title: &'static str,
    pub drafts_none: &'static str,
    pub drafts_form: &'static str,
    pub drafts_saved: &'static str,
    /// The column of when a draft will be deleted if nobody saves it.
    pub drafts_expires: &'static str,
    /// Under the drafts: why they are deleted.
    pub drafts_expiry_note: &'static str,
    pub drafts_actions: &'static str,
    pub continue_: &'static str,
    pub delete: &'static str,
    pub delete_title: &'static str,
    pub delete_text: &'static str,
    pub delete_confirm: &'static str,
    pub deleted: &'static str,
    pub cancel: &'static str,
    pub saved: &'static str,
    pub version: &'static str,
    pub err_title: &'static str,
    pub preview_shown_when: &'static str,
    pub err_prefix: &'static str,
    pub err_home: &'static str,
    pub err_400: &'static str,
    pub err_401: &'static str,
    pub err_403: &'static str,
    pub err_404: &'static str,
    pub err_405: &'static str,
    pub err_409: &'static str,
    pub err_413: &'static str,
    pub err_422: &'static str,
    pub err_500: &'static str,
    pub stale_title: &'static str,
    pub stale_text: &'static str,
    pub stale_yours: &'static str,
    pub stale_reload: &'static str,
    pub footer: &'static str,
    /// The footer's link to the pages for system vendors.
    pub footer_vendors: &'static str,
    /// The footer's link to the accessibility statement.
    pub footer_accessibility: &'static str,
    /// The footer's link to the privacy notice.
    pub footer_privacy: &'static str,
    pub login: &'static str,
    pub logged_in_as: &'static str,
    pub acting_for: &'static str,
    pub switch_party: &'static str,
    pub logout: &'static str,
    pub session_until: &'static str,
    pub session_warning: &'static str,
    pub session_warning_final: &'static str,
    pub session_extend: &'static str,
    pub party_title: &'static str,
    pub party_intro: &'static str,
    pub party_intro_form: &'static str,
    pub party_none: &'static str,
    pub party_none_help: &'static str,
    pub party_yourself: &'static str,
    pub party_orgnr: &'static str,
    pub party_birth: &'static str,
    pub party_subunit_of: &'static str,
    pub party_choose: &'static str,
    pub party_required: &'static str,
    pub party_not_for_form: &'static str,
    pub err_429: &'static str,
    /// The service cannot be reached now (the database); 503.
    pub err_503: &'static str,
    pub party_refused: &'static str,
    pub nav_submitted: &'static str,
    pub submit_button: &'static str,
    pub submit_intro: &'static str,
    pub submit_forbidden: &'static str,
    pub receipt_title: &'static str,
    pub receipt_lead: &'static str,
    pub receipt_reference: &'static str,
    pub receipt_time: &'static str,
    pub receipt_form: &'static str,
    pub receipt_party: &'static str,
    pub receipt_submitter: &'static str,
    pub receipt_hash: &'static str,
    pub receipt_status: &'static str,
    pub receipt_answers: &'static str,
    pub receipt_pdf: &'static str,
    pub status_received: &'static str,
    pub status_accepted: &'static str,
    pub status_rejected: &'static str,
    pub submitted_title: &'static str,
    pub submitted_none: &'static str,
    pub submitted_when: &'static str,
    pub feedback_rejected: &'static str,
    pub feedback_accepted: &'static str,
    /// The heading of a decision's facts on a receipt PDF.
    pub decision: &'static str,
    /// The heading of the documents a decision issued (a certificate), on a receipt.
    pub decision_documents: &'static str,
    pub feedback_pending: &'static str,
    pub ch_browser: &'static str,
    pub ch_attachments: &'static str,
    pub ch_upload: &'static str,
}

static NB: Ui = Ui {
    org: "Skatteetaten",
    site: "Tasteskjema",
    skip: "Hopp til hovedinnholdet",
    nav_label: "Hovedmeny",
    nav_forms: "Skjema",
    nav_drafts: "Mine utkast",
    lang_label: "Språk",
    catalogue_title: "Skjema og tjenester",
    catalogue_intro: "Her finner du Skatteetatens skjema for virksomheter, ordnet etter tjenesteområde. Du kan fylle dem ut i nettleseren, eller levere fra eget system der tjenesten har API.",
    channels_label: "Leveringsmåter",
    area_empty: "Skjemaene i dette området kommer snart.",
    form_open: "Fyll ut",
    start_button: "Start utfyllingen",
    search_label: "Søk etter skjema",
    search_hint: "Skjemanummer, navn eller ord, for eksempel «RF-1331» eller «tollkreditt».",
    search_button: "Søk",
    search_result: "{n} skjema passer søket «{q}».",
    search_none: "Ingen skjema passer søket «{q}». Prøv et annet ord, eller se alle skjemaene.",
    search_all: "Se alle skjemaene",
    about_title: "Før du begynner",
    about_audience: "Hvem skjemaet er for",
    about_deadline: "Frist",
    about_prepare: "Dette trenger du",
    about_login: "Innlogging",
    level_substantial: "ID-porten på betydelig nivå eller høyere (for eksempel MinID, BankID eller Buypass)",
    level_high: "ID-porten på høyt nivå (for eksempel BankID eller Buypass)",
    start_info: "Svarene lagres underveis, så du kan ta en pause og fortsette senere under «Mine utkast».",
    resume_title: "Du har et utkast",
    resume_button: "Fortsett utkastet",
    start_new: "Start et nytt utkast",
    step: "Steg {n} av {m}",
    next: "Lagre og fortsett",
    back: "Tilbake",
    save_later: "Lagre og fortsett senere",
    add_row: "Legg til en rad",
    remove_row: "Fjern",
    files_none: "Ingen filer er lagt ved.",
    files_choose: "Velg filer",
    files_upload: "Last opp",
    files_drop: "eller slipp filene her",
    remove_file: "Fjern",
    file_pending: "kontrolleres",
    file_clean: "klar",
    file_infected: "fjernet: skadelig innhold",
    upload_failed: "Opplastingen stoppet. Prøv igjen.",
    files_title: "Vedlegg",
    row: "Rad {n}",
    rows_none: "Ingen rader ennå.",
    error_summary: "Dette må rettes før du kan gå videre",
    optional: "(valgfritt)",
    yes: "Ja",
    no: "Nei",
    either_hint: "Fyll ut ett av feltene.",
    choose: "Velg …",
    help: "Mer om dette feltet",
    date_hint: "Skriv som dd.mm.åååå",
    summary_title: "Se over svarene",
    summary_intro: "Kontroller at alt stemmer. Du kan endre svarene på hver side.",
    change: "Endre",
    change_page: "Endre svarene på siden",
    not_answered: "Ikke besvart",
    rows_not_shown: "{n} rader til er ikke vist her, men er med i innsendingen.",
    computed_title: "Beregnet av svarene dine",
    summary_errors: "Noe mangler eller må rettes",
    summary_ready: "Alle sidene er fylt ut uten feil.",
    drafts_title: "Mine utkast",
    drafts_none: "Du har ingen lagrede utkast.",
    drafts_form: "Skjema",
    drafts_saved: "Sist lagret",
    drafts_expires: "Slettes",
    drafts_expiry_note: "Et utkast som ikke blir lagret på en stund, blir slettet med vedleggene sine. Datoen flyttes hver gang du lagrer.",
    drafts_actions: "Handlinger",
    continue_: "Fortsett",
    delete: "Slett",
    delete_title: "Slette utkastet?",
    delete_text: "Utkastet og alle svarene i det blir slettet. Dette kan ikke angres.",
    delete_confirm: "Ja, slett utkastet",
    deleted: "Utkastet er slettet.",
    cancel: "Avbryt",
    saved: "Lagret",
    version: "Versjon",
    err_title: "Noe gikk galt",
    preview_shown_when: "Vises bare når",
    err_prefix: "Feil",
    err_home: "Gå til forsiden",
    err_400: "Forespørselen kunne ikke leses. Gå tilbake og prøv igjen; svarene du har lagret, er tatt vare på.",
    err_401: "Innloggingen ble ikke fullført. Prøv å logge inn på nytt; svarene du har lagret, er tatt vare på.",
    err_403: "Forespørselen ble avvist fordi den ikke kom fra denne tjenestens egne sider. Gå tilbake til skjemaet og prøv igjen derfra.",
    err_404: "Vi fant ikke siden. Den kan være flyttet, eller lenken kan være feil. Utkast kan bare åpnes av den som har laget dem.",
    err_405: "Denne handlingen er ikke tillatt her.",
    err_409: "Skjemaet er endret et annet sted. Last inn siden på nytt.",
    err_413: "Det du sendte, er for stort. Grensen er 10 MB.",
    err_422: "Noen av svarene må rettes.",
    err_500: "Det oppstod en feil hos oss. Svarene du har lagret, er tatt vare på. Prøv igjen om litt.",
    stale_title: "Skjemaet er endret i en annen fane",
    stale_text: "Noen nyere svar er lagret etter at du åpnet denne siden, så vi lagret ikke disse endringene for å ikke overskrive dem. Her er det du skrev, så du kan føre det inn på nytt:",
    stale_yours: "Det du skrev",
    stale_reload: "Åpne den nyeste versjonen",
    ch_browser: "Skjema i nettleseren",
    ch_attachments: "Vedlegg",
    ch_upload: "Filopplasting",
    footer: "Tasteskjema fra Skatteetaten.",
    footer_accessibility: "Tilgjengelighetserklæring",
    footer_privacy: "Personvern",
    footer_vendors: "For systemleverandører: skjemaene som kan sendes fra et sluttbrukersystem",
    login: "Logg inn",
    logged_in_as: "Innlogget som",
    acting_for: "Representerer",
    switch_party: "Bytt aktør",
    logout: "Logg ut",
    session_until: "Du blir logget ut kl. {t} hvis du ikke gjør noe.",
    session_warning: "Du blir snart logget ut fordi du ikke har gjort noe på en stund. Svarene dine er lagret.",
    session_warning_final: "Innloggingen varer høyst to timer og slutter kl. {t}. Svarene dine er lagret; logg inn på nytt for å fortsette etterpå.",
    session_extend: "Fortsett å være innlogget",
    party_title: "Hvem vil du representere?",
    party_intro: "Velg hvem du fyller ut skjemaer for. Du kan bytte senere.",
    party_intro_form: "Velg hvem du fyller ut «{form}» for. Listen viser bare dem du har tilgang til å bruke dette skjemaet for.",
    party_none: "Du har ikke tilgang til å bruke dette skjemaet for noen.",
    party_none_help: "For å fylle ut skjemaet for en virksomhet må du ha en rolle i Enhetsregisteret (for eksempel daglig leder eller styreleder) eller en fullmakt til tjenesten. Den som har rett til det i virksomheten, kan gi deg fullmakt.",
    party_yourself: "Deg selv",
    party_orgnr: "Org.nr.",
    party_birth: "Fødselsnummer",
    party_subunit_of: "Underenhet av",
    party_choose: "Fortsett",
    party_required: "Velg hvem du vil representere.",
    party_not_for_form: "Den du representerer nå, kan ikke bruke dette skjemaet. Velg en annen.",
    err_429: "Du har forsøkt for mange ganger på kort tid. Vent et minutt og prøv igjen.",
    err_503: "Tjenesten er midlertidig utilgjengelig. Det du har lagret, er tatt vare på. Prøv igjen om noen sekunder.",
    party_refused: "Du kan ikke representere den du valgte, for dette skjemaet. Velg en av dem på listen.",
    nav_submitted: "Innsendt",
    submit_button: "Send inn",
    submit_intro: "Når du sender inn, får du en kvittering med referanse. Svarene kan ikke endres etterpå.",
    submit_forbidden: "Du har ikke tilgang til å sende inn dette skjemaet for den du representerer. Utkastet ditt er tatt vare på.",
    receipt_title: "Kvittering",
    receipt_lead: "Skjemaet er sendt inn.",
    receipt_reference: "Referanse",
    receipt_time: "Sendt inn",
    receipt_form: "Skjema",
    receipt_party: "Sendt inn for",
    receipt_submitter: "Sendt inn av",
    receipt_hash: "Kontrollsum (SHA-256)",
    receipt_status: "Status",
    receipt_answers: "Dette sendte du inn",
    receipt_pdf: "Last ned kvitteringen (PDF)",
    status_received: "Mottatt, venter på behandling",
    status_accepted: "Godkjent",
    status_rejected: "Avvist",
    submitted_title: "Innsendte skjemaer",
    submitted_none: "Du har ikke sendt inn noe for den du representerer.",
    submitted_when: "Sendt inn",
    feedback_rejected: "Innsendingen ble avvist. Dette må rettes før du sender inn på nytt:",
    decision: "Vedtak",
    decision_documents: "Dokumenter fra Skatteetaten",
    feedback_accepted: "Innsendingen er kontrollert og godkjent.",
    feedback_pending: "Innsendingen er mottatt og blir kontrollert. Svaret vises her når det kommer.",
};

static NN: Ui = Ui {
    org: "Skatteetaten",
    site: "Tasteskjema",
    skip: "Hopp til hovudinnhaldet",
    nav_label: "Hovudmeny",
    nav_forms: "Skjema",
    nav_drafts: "Mine utkast",
    lang_label: "Språk",
    catalogue_title: "Skjema og tenester",
    catalogue_intro: "Her finn du skjemaa til Skatteetaten for verksemder, ordna etter tenesteområde. Du kan fylle dei ut i nettlesaren, eller levere frå eige system der tenesta har API.",
    channels_label: "Leveringsmåtar",
    area_empty: "Skjemaa i dette området kjem snart.",
    form_open: "Fyll ut",
    start_button: "Start utfyllinga",
    search_label: "Søk etter skjema",
    search_hint: "Skjemanummer, namn eller ord, til dømes «RF-1331» eller «tollkreditt».",
    search_button: "Søk",
    search_result: "{n} skjema passar søket «{q}».",
    search_none: "Ingen skjema passar søket «{q}». Prøv eit anna ord, eller sjå alle skjemaa.",
    search_all: "Sjå alle skjemaa",
    about_title: "Før du byrjar",
    about_audience: "Kven skjemaet er for",
    about_deadline: "Frist",
    about_prepare: "Dette treng du",
    about_login: "Innlogging",
    level_substantial: "ID-porten på betydeleg nivå eller høgare (til dømes MinID, BankID eller Buypass)",
    level_high: "ID-porten på høgt nivå (til dømes BankID eller Buypass)",
    start_info: "Svara blir lagra undervegs, så du kan ta ein pause og halde fram seinare under «Mine utkast».",
    resume_title: "Du har eit utkast",
    resume_button: "Hald fram med utkastet",
    start_new: "Start eit nytt utkast",
    step: "Steg {n} av {m}",
    next: "Lagre og hald fram",
    back: "Tilbake",
    save_later: "Lagre og hald fram seinare",
    add_row: "Legg til ei rad",
    remove_row: "Fjern",
    files_none: "Ingen filer er lagde ved.",
    files_choose: "Vel filer",
    files_upload: "Last opp",
    files_drop: "eller slepp filene her",
    remove_file: "Fjern",
    file_pending: "blir kontrollert",
    file_clean: "klar",
    file_infected: "fjerna: skadeleg innhald",
    upload_failed: "Opplastinga stoppa. Prøv igjen.",
    files_title: "Vedlegg",
    row: "Rad {n}",
    rows_none: "Ingen rader enno.",
    error_summary: "Dette må rettast før du kan gå vidare",
    optional: "(valfritt)",
    yes: "Ja",
    no: "Nei",
    either_hint: "Fyll ut eitt av felta.",
    choose: "Vel …",
    help: "Meir om dette feltet",
    date_hint: "Skriv som dd.mm.åååå",
    summary_title: "Sjå over svara",
    summary_intro: "Kontroller at alt stemmer. Du kan endre svara på kvar side.",
    change: "Endre",
    change_page: "Endre svara på sida",
    not_answered: "Ikkje svart på",
    rows_not_shown: "{n} rader til er ikkje viste her, men er med i innsendinga.",
    computed_title: "Rekna ut frå svara dine",
    summary_errors: "Noko manglar eller må rettast",
    summary_ready: "Alle sidene er fylte ut utan feil.",
    drafts_title: "Mine utkast",
    drafts_none: "Du har ingen lagra utkast.",
    drafts_form: "Skjema",
    drafts_saved: "Sist lagra",
    drafts_expires: "Blir sletta",
    drafts_expiry_note: "Eit utkast som ikkje blir lagra på ei stund, blir sletta med vedlegga sine. Datoen blir flytta kvar gong du lagrar.",
    drafts_actions: "Handlingar",
    continue_: "Hald fram",
    delete: "Slett",
    delete_title: "Slette utkastet?",
    delete_text: "Utkastet og alle svara i det blir sletta. Dette kan ikkje angrast.",
    delete_confirm: "Ja, slett utkastet",
    deleted: "Utkastet er sletta.",
    cancel: "Avbryt",
    saved: "Lagra",
    version: "Versjon",
    err_title: "Noko gjekk gale",
    preview_shown_when: "Blir berre vist når",
    err_prefix: "Feil",
    err_home: "Gå til framsida",
    err_400: "Førespurnaden kunne ikkje lesast. Gå tilbake og prøv igjen; svara du har lagra, er tekne vare på.",
    err_401: "Innlogginga vart ikkje fullført. Prøv å logge inn på nytt; svara du har lagra, er tekne vare på.",
    err_403: "Førespurnaden vart avvist fordi han ikkje kom frå sidene til denne tenesta. Gå tilbake til skjemaet og prøv igjen derifrå.",
    err_404: "Vi fann ikkje sida. Ho kan vere flytta, eller lenkja kan vere feil. Utkast kan berre opnast av den som har laga dei.",
    err_405: "Denne handlinga er ikkje tillaten her.",
    err_409: "Skjemaet er endra ein annan stad. Last inn sida på nytt.",
    err_413: "Det du sende, er for stort. Grensa er 10 MB.",
    err_422: "Nokre av svara må rettast.",
    err_500: "Det oppstod ein feil hos oss. Svara du har lagra, er tekne vare på. Prøv igjen om litt.",
    stale_title: "Skjemaet er endra i ei anna fane",
    stale_text: "Nokre nyare svar er lagra etter at du opna denne sida, så vi lagra ikkje desse endringane for ikkje å skrive over dei. Her er det du skreiv, så du kan føre det inn på nytt:",
    stale_yours: "Det du skreiv",
    stale_reload: "Opne den nyaste versjonen",
    ch_browser: "Skjema i nettlesaren",
    ch_attachments: "Vedlegg",
    ch_upload: "Filopplasting",
    footer: "Tasteskjema frå Skatteetaten.",
    footer_accessibility: "Tilgjengelegheitserklæring",
    footer_privacy: "Personvern",
    footer_vendors: "For systemleverandørar: skjemaa som kan sendast frå eit sluttbrukarsystem",
    login: "Logg inn",
    logged_in_as: "Innlogga som",
    acting_for: "Representerer",
    switch_party: "Byt aktør",
    logout: "Logg ut",
    session_until: "Du blir logga ut kl. {t} om du ikkje gjer noko.",
    session_warning: "Du blir snart logga ut fordi du ikkje har gjort noko på ei stund. Svara dine er lagra.",
    session_warning_final: "Innlogginga varer høgst to timar og sluttar kl. {t}. Svara dine er lagra; logg inn på nytt for å halde fram etterpå.",
    session_extend: "Hald fram å vere innlogga",
    party_title: "Kven vil du representere?",
    party_intro: "Vel kven du fyller ut skjema for. Du kan byte seinare.",
    party_intro_form: "Vel kven du fyller ut «{form}» for. Lista viser berre dei du har tilgang til å bruke dette skjemaet for.",
    party_none: "Du har ikkje tilgang til å bruke dette skjemaet for nokon.",
    party_none_help: "For å fylle ut skjemaet for ei verksemd må du ha ei rolle i Einingsregisteret (til dømes dagleg leiar eller styreleiar) eller ei fullmakt til tenesta. Den som har rett til det i verksemda, kan gi deg fullmakt.",
    party_yourself: "Deg sjølv",
    party_orgnr: "Org.nr.",
    party_birth: "Fødselsnummer",
    party_subunit_of: "Undereining av",
    party_choose: "Hald fram",
    party_required: "Vel kven du vil representere.",
    party_not_for_form: "Den du representerer no, kan ikkje bruke dette skjemaet. Vel ein annan.",
    err_429: "Du har prøvd for mange gonger på kort tid. Vent eitt minutt og prøv igjen.",
    err_503: "Tenesta er mellombels utilgjengeleg. Det du har lagra, er teke vare på. Prøv igjen om nokre sekund.",
    party_refused: "Du kan ikkje representere den du valde, for dette skjemaet. Vel ein av dei på lista.",
    nav_submitted: "Innsendt",
    submit_button: "Send inn",
    submit_intro: "Når du sender inn, får du ei kvittering med referanse. Svara kan ikkje endrast etterpå.",
    submit_forbidden: "Du har ikkje tilgang til å sende inn dette skjemaet for den du representerer. Utkastet ditt er teke vare på.",
    receipt_title: "Kvittering",
    receipt_lead: "Skjemaet er sendt inn.",
    receipt_reference: "Referanse",
    receipt_time: "Sendt inn",
    receipt_form: "Skjema",
    receipt_party: "Sendt inn for",
    receipt_submitter: "Sendt inn av",
    receipt_hash: "Kontrollsum (SHA-256)",
    receipt_status: "Status",
    receipt_answers: "Dette sende du inn",
    receipt_pdf: "Last ned kvitteringa (PDF)",
    status_received: "Motteke, ventar på behandling",
    status_accepted: "Godkjend",
    status_rejected: "Avvist",
    submitted_title: "Innsende skjema",
    submitted_none: "Du har ikkje sendt inn noko for den du representerer.",
    submitted_when: "Sendt inn",
    feedback_rejected: "Innsendinga vart avvist. Dette må rettast før du sender inn på nytt:",
    decision: "Vedtak",
    decision_documents: "Dokument frå Skatteetaten",
    feedback_accepted: "Innsendinga er kontrollert og godkjend.",
    feedback_pending: "Innsendinga er motteken og blir kontrollert. Svaret blir vist her når det kjem.",
};

static EN: Ui = Ui {
    org: "Norwegian Tax Administration",
    site: "Tasteskjema",
    skip: "Skip to main content",
    nav_label: "Main menu",
    nav_forms: "Forms",
    nav_drafts: "My drafts",
    lang_label: "Language",
    catalogue_title: "Forms and services",
    catalogue_intro: "Here you find the Tax Administration's forms for businesses, by service area. Fill them in in your browser, or submit from your own system where the service has an API.",
    channels_label: "Ways to submit",
    area_empty: "Forms in this area are coming soon.",
    form_open: "Fill in",
    start_button: "Start filling in",
    search_label: "Search for a form",
    search_hint: "Form number, name or words, for example “RF-1331” or “customs credit”.",
    search_button: "Search",
    search_result: "{n} forms match “{q}”.",
    search_none: "No form matches “{q}”. Try another word, or see all the forms.",
    search_all: "See all the forms",
    about_title: "Before you start",
    about_audience: "Who the form is for",
    about_deadline: "Deadline",
    about_prepare: "What you need",
    about_login: "Login",
    level_substantial: "ID-porten at substantial level or higher (for example MinID, BankID or Buypass)",
    level_high: "ID-porten at high level (for example BankID or Buypass)",
    start_info: "Your answers are saved as you go, so you can take a break and continue later under “My drafts”.",
    resume_title: "You have a draft",
    resume_button: "Continue the draft",
    start_new: "Start a new draft",
    step: "Step {n} of {m}",
    next: "Save and continue",
    back: "Back",
    save_later: "Save and continue later",
    add_row: "Add a row",
    remove_row: "Remove",
    files_none: "No files attached.",
    files_choose: "Choose files",
    files_upload: "Upload",
    files_drop: "or drop the files here",
    remove_file: "Remove",
    file_pending: "being checked",
    file_clean: "ready",
    file_infected: "removed: harmful content",
    upload_failed: "The upload stopped. Please try again.",
    files_title: "Attachments",
    row: "Row {n}",
    rows_none: "No rows yet.",
    error_summary: "Please correct the following before you continue",
    optional: "(optional)",
    yes: "Yes",
    no: "No",
    either_hint: "Fill in one of the fields.",
    choose: "Choose …",
    help: "More about this field",
    date_hint: "Write as dd.mm.yyyy",
    summary_title: "Check your answers",
    summary_intro: "Check that everything is right. You can change the answers on each page.",
    change: "Change",
    change_page: "Change the answers on the page",
    not_answered: "Not answered",
    rows_not_shown: "{n} more rows are not shown here, but are part of the submission.",
    computed_title: "Calculated from your answers",
    summary_errors: "Something is missing or needs correcting",
    summary_ready: "Every page is filled in without errors.",
    drafts_title: "My drafts",
    drafts_none: "You have no saved drafts.",
    drafts_form: "Form",
    drafts_saved: "Last saved",
    drafts_expires: "Deleted on",
    drafts_expiry_note: "A draft that is not saved for a while is deleted with its attachments. The date moves on each time you save.",
    drafts_actions: "Actions",
    continue_: "Continue",
    delete: "Delete",
    delete_title: "Delete the draft?",
    delete_text: "The draft and all its answers will be deleted. This cannot be undone.",
    delete_confirm: "Yes, delete the draft",
    deleted: "The draft has been deleted.",
    cancel: "Cancel",
    saved: "Saved",
    version: "Version",
    err_title: "Something went wrong",
    preview_shown_when: "Shown only when",
    err_prefix: "Error",
    err_home: "Go to the front page",
    err_400: "The request could not be read. Go back and try again; the answers you have saved are kept.",
    err_401: "The login was not completed. Please log in again; the answers you have saved are kept.",
    err_403: "The request was refused because it did not come from this service's own pages. Go back to the form and try again from there.",
    err_404: "We could not find the page. It may have moved, or the link may be wrong. A draft can only be opened by the one who made it.",
    err_405: "That action is not allowed here.",
    err_409: "The form has been changed elsewhere. Reload the page.",
    err_413: "What you sent is too large. The limit is 10 MB.",
    err_422: "Some of the answers need correcting.",
    err_500: "An error occurred on our side. The answers you have saved are kept. Please try again shortly.",
    stale_title: "The form was changed in another tab",
    stale_text: "Newer answers were saved after you opened this page, so we did not save these changes, to avoid overwriting them. Here is what you typed, so you can enter it again:",
    stale_yours: "What you typed",
    stale_reload: "Open the newest version",
    ch_browser: "Form in the browser",
    ch_attachments: "Attachments",
    ch_upload: "File upload",
    footer: "Tasteskjema from the Norwegian Tax Administration.",
    footer_accessibility: "Accessibility statement",
    footer_privacy: "Privacy",
    footer_vendors: "For system vendors: the forms an end-user system can send",
    login: "Log in",
    logged_in_as: "Logged in as",
    acting_for: "Acting for",
    switch_party: "Change party",
    logout: "Log out",
    session_until: "You will be logged out at {t} if you do nothing.",
    session_warning: "You will soon be logged out because you have not done anything for a while. Your answers are saved.",
    session_warning_final: "A login lasts at most two hours and ends at {t}. Your answers are saved; log in again to continue afterwards.",
    session_extend: "Stay logged in",
    party_title: "Who do you want to act for?",
    party_intro: "Choose whom you fill in forms for. You can change this later.",
    party_intro_form: "Choose whom you fill in “{form}” for. The list shows only those you may use this form for.",
    party_none: "You do not have access to use this form for anyone.",
    party_none_help: "To fill in the form for an organisation you need a role in the Central Coordinating Register (for example general manager or chair of the board) or an authorisation for the service. Someone with the right to do so in the organisation can authorise you.",
    party_yourself: "Yourself",
    party_orgnr: "Org. no.",
    party_birth: "National identity number",
    party_subunit_of: "Sub-unit of",
    party_choose: "Continue",
    party_required: "Choose whom you want to act for.",
    party_not_for_form: "The party you are acting for cannot use this form. Choose another.",
    err_429: "You have tried too many times in a short while. Wait a minute and try again.",
    err_503: "The service is unavailable for the moment. What you have saved is kept. Please try again in a few seconds.",
    party_refused: "You cannot act for the one you chose for this form. Choose one of those on the list.",
    nav_submitted: "Submitted",
    submit_button: "Submit",
    submit_intro: "When you submit, you get a receipt with a reference. The answers cannot be changed afterwards.",
    submit_forbidden: "You do not have access to submit this form for the party you act for. Your draft is kept.",
    receipt_title: "Receipt",
    receipt_lead: "The form has been submitted.",
    receipt_reference: "Reference",
    receipt_time: "Submitted",
    receipt_form: "Form",
    receipt_party: "Submitted for",
    receipt_submitter: "Submitted by",
    receipt_hash: "Checksum (SHA-256)",
    receipt_status: "Status",
    receipt_answers: "What you submitted",
    receipt_pdf: "Download the receipt (PDF)",
    status_received: "Received, awaiting processing",
    status_accepted: "Accepted",
    status_rejected: "Rejected",
    submitted_title: "Submitted forms",
    submitted_none: "You have not submitted anything for the party you act for.",
    submitted_when: "Submitted",
    feedback_rejected: "The submission was rejected. Please correct the following before you submit again:",
    decision: "Decision",
    decision_documents: "Documents from the Norwegian Tax Administration",
    feedback_accepted: "The submission has been checked and accepted.",
    feedback_pending: "The submission has been received and is being checked. The answer is shown here when it arrives.",
};

/// The fixed texts in `lang`.
pub fn ui(lang: Lang) -> &'static Ui {
    match lang {
        Lang::Nb => &NB,
        Lang::Nn => &NN,
        Lang::En => &EN,
    }
}

impl Ui {
    /// "Step 2 of 5".
    pub fn step_of(&self, n: usize, m: usize) -> String {
        self.step
            .replace("{n}", &n.to_string())
            .replace("{m}", &m.to_string())
    }

    /// The error page text for an HTTP status.
    pub fn status_text(&self, status: u16) -> &'static str {
        match status {
            400 => self.err_400,
            401 => self.err_401,
            403 => self.err_403,
            404 | 410 => self.err_404,
            405 => self.err_405,
            409 => self.err_409,
            413 => self.err_413,
            422 => self.err_422,
            429 => self.err_429,
            503 => self.err_503,
            _ => self.err_500,
        }
    }

    /// A submission status in words.
    pub fn status(&self, status: &str) -> &'static str {
        match status {
            "accepted" => self.status_accepted,
            "rejected" => self.status_rejected,
            _ => self.status_received,
        }
    }

    /// A channel's name.
    pub fn channel(&self, c: Channel) -> &'static str {
        match c {
            Channel::M2m => "API (M2M)",
            Channel::Sftp => "SFTP",
            Channel::Tasteskjema => self.ch_browser,
            Channel::Vedlegg => self.ch_attachments,
            Channel::Filopplasting => self.ch_upload,
        }
    }
}

/// The time zone of the portal's users, from the tz database compiled into the binary (so a host
/// without one, or with an old one, shows the same time).
static OSLO: std::sync::LazyLock<jiff::tz::TimeZone> = std::sync::LazyLock::new(|| {
    jiff::tz::TimeZone::get("Europe/Oslo").expect("the bundled tz database names Europe/Oslo")
});

/// The moment `t` as the clock in Norway shows it (Europe/Oslo: summer and winter time by the tz
/// database): the same instant, with Oslo's offset then. Every time shown to a person goes through
/// this.
pub fn oslo(t: time::OffsetDateTime) -> time::OffsetDateTime {
    let offset = jiff::Timestamp::from_second(t.unix_timestamp())
        .ok()
        .map(|ts| OSLO.to_offset(ts).seconds())
        .and_then(|s| time::UtcOffset::from_whole_seconds(s).ok())
        .unwrap_or(time::UtcOffset::UTC);
    t.to_offset(offset)
}

/// A moment as a person reads it, in Oslo time: `5. desember 2026 kl. 14:03` in bokmål and
/// nynorsk, `5 December 2026, 14:03` in English.
pub fn shown(t: time::OffsetDateTime, lang: Lang) -> String {
    let t = oslo(t);
    let month = t.month() as usize - 1;
    match lang {
        Lang::Nb | Lang::Nn => format!(
            "{}. {} {} kl. {:02}:{:02}",
            t.day(),
            MONTHS_NO[month],
            t.year(),
            t.hour(),
            t.minute()
        ),
        Lang::En => format!(
            "{} {} {}, {:02}:{:02}",
            t.day(),
            MONTHS_EN[month],
            t.year(),
            t.hour(),
            t.minute()
        ),
    }
}

/// Month names in bokmål and nynorsk (the same in both).
const MONTHS_NO: [&str; 12] = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The start of a day in Oslo (`2026-12-06`), in unix milliseconds; `None` when it is no date.
pub fn oslo_day_start(date: &str) -> Option<i64> {
    let d: jiff::civil::Date = date.parse().ok()?;
    let t = OSLO
        .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
        .ok()?;
    Some(t.as_millisecond())
}

/// The day of a unix-millisecond time, in Oslo: `5. desember 2026`, `5 December 2026`.
pub fn day(ms: i64, lang: Lang) -> String {
    let t = oslo(at_ms(ms));
    let month = t.month() as usize - 1;
    match lang {
        Lang::Nb | Lang::Nn => format!("{}. {} {}", t.day(), MONTHS_NO[month], t.year()),
        Lang::En => format!("{} {} {}", t.day(), MONTHS_EN[month], t.year()),
    }
}

/// A unix-millisecond time as a person reads it, see [`shown`].
pub fn when(ms: i64, lang: Lang) -> String {
    shown(at_ms(ms), lang)
}

/// A unix-millisecond time as a moment (the epoch when out of range).
fn at_ms(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(iso: &str) -> time::OffsetDateTime {
        time::OffsetDateTime::parse(iso, &time::format_description::well_known::Rfc3339).unwrap()
    }

    fn local(iso: &str) -> String {
        let t = oslo(at(iso));
        format!(
            "{} {:02}:{:02} {}",
            t.date(),
            t.hour(),
            t.minute(),
            t.offset().whole_hours()
        )
    }

    #[test]
    fn oslo_is_utc_plus_one_in_winter_and_two_in_summer() {
        assert_eq!(local("2025-01-01T10:00:00Z"), "2025-01-01 11:00 1");
        assert_eq!(local("2025-07-01T10:00:00Z"), "2025-07-01 12:00 2");
        // Late evening UTC is already the next day in Oslo.
        assert_eq!(local("2026-12-31T23:30:00Z"), "2027-01-01 00:30 1");
    }

    #[test]
    fn summer_time_starts_at_one_utc_on_the_last_sunday_of_march() {
        // 2026-03-29: 02:00 winter time becomes 03:00 summer time.
        assert_eq!(local("2026-03-29T00:59:00Z"), "2026-03-29 01:59 1");
        assert_eq!(local("2026-03-29T01:00:00Z"), "2026-03-29 03:00 2");
        // Not the Sunday before.
        assert_eq!(local("2026-03-22T12:00:00Z"), "2026-03-22 13:00 1");
    }

    #[test]
    fn summer_time_ends_at_one_utc_on_the_last_sunday_of_october() {
        // 2026-10-25: 03:00 summer time becomes 02:00 winter time; 02:30 happens twice.
        assert_eq!(local("2026-10-25T00:30:00Z"), "2026-10-25 02:30 2");
        assert_eq!(local("2026-10-25T00:59:00Z"), "2026-10-25 02:59 2");
        assert_eq!(local("2026-10-25T01:00:00Z"), "2026-10-25 02:00 1");
        assert_eq!(local("2026-10-25T01:30:00Z"), "2026-10-25 02:30 1");
    }

    #[test]
    fn moments_are_written_the_norwegian_way_and_the_english_way() {
        let t = at("2026-12-05T13:03:00Z");
        assert_eq!(shown(t, Lang::Nb), "5. desember 2026 kl. 14:03");
        assert_eq!(shown(t, Lang::Nn), "5. desember 2026 kl. 14:03");
        assert_eq!(shown(t, Lang::En), "5 December 2026, 14:03");
        // 2025-07-01T10:00Z, in unix milliseconds: noon in Oslo.
        assert_eq!(when(1_751_364_000_000, Lang::Nb), "1. juli 2025 kl. 12:00");
        assert_eq!(when(1_735_725_600_000, Lang::En), "1 January 2025, 11:00");
    }
}

//! The words of the page where a delivery is uploaded as a file, in bokmål, nynorsk and English.

use crate::form::Lang;

/// The page's words.
pub struct Words {
    pub title: &'static str,
    pub intro: &'static str,
    pub format: &'static str,
    pub file_label: &'static str,
    /// `{size}`: the largest file taken.
    pub file_hint: &'static str,
    pub submit: &'static str,
    pub error_summary: &'static str,
    pub no_file: &'static str,
    /// `{size}`.
    pub too_large: &'static str,
    /// `{line}`, `{column}`.
    pub not_json: &'static str,
    pub not_object: &'static str,
    /// `{n}`: the number of errors.
    pub refused: &'static str,
    /// `{k}`: how many are shown.
    pub first_shown: &'static str,
    pub download: &'static str,
    pub caption: &'static str,
    pub col_row: &'static str,
    pub col_field: &'static str,
    pub col_error: &'static str,
    pub col_value: &'static str,
    pub col_line: &'static str,
    pub col_path: &'static str,
    pub col_code: &'static str,
    pub whole_document: &'static str,
    pub repeat: &'static str,
    pub see_receipt: &'static str,
    pub offer: &'static str,
}

const NB: Words = Words {
    title: "Send inn som fil",
    intro: "Har du opplysningene i et fagsystem, kan du sende inn hele leveransen som én fil i stedet for å fylle ut skjemaet. Filen kontrolleres før den sendes inn. Har den feil, blir ingenting sendt inn, og du får se hva som må rettes.",
    format: "Filen er et JSON-dokument i samme format som API-et tar imot. Feltene og kontrollene er beskrevet på siden for systemleverandører.",
    file_label: "Leveransefil (JSON)",
    file_hint: "Høyst {size}. Sender du samme fil to ganger, blir den bare sendt inn én gang.",
    submit: "Kontroller og send inn",
    error_summary: "Filen ble ikke sendt inn",
    no_file: "Velg en fil å sende inn.",
    too_large: "Filen er for stor. Den kan være høyst {size}.",
    not_json: "Filen er ikke gyldig JSON. Feilen er på linje {line}, tegn {column}.",
    not_object: "Filen må inneholde ett JSON-objekt, slik API-et tar imot det.",
    refused: "Filen har {n} feil og ble ikke sendt inn. Rett feilene i fagsystemet og send filen på nytt.",
    first_shown: "Her vises de {k} første. Alle feilene kan du laste ned som en CSV-fil, som kan åpnes i et regneark.",
    download: "Last ned alle feilene (CSV)",
    caption: "Feil i filen",
    col_row: "Rad",
    col_field: "Felt",
    col_error: "Feil",
    col_value: "Verdi i filen",
    col_line: "Linje",
    col_path: "Sti",
    col_code: "Kode",
    whole_document: "Hele leveransen",
    repeat: "Denne filen er sendt inn før, og ble ikke sendt inn på nytt.",
    see_receipt: "Se kvitteringen",
    offer: "Har du leveransen som fil fra et fagsystem? Send den inn som fil",
};

const NN: Words = Words {
    title: "Send inn som fil",
    intro: "Har du opplysningane i eit fagsystem, kan du sende inn heile leveransen som éi fil i staden for å fylle ut skjemaet. Fila blir kontrollert før ho blir send inn. Har ho feil, blir ingenting sendt inn, og du får sjå kva som må rettast.",
    format: "Fila er eit JSON-dokument i same format som API-et tek imot. Felta og kontrollane er skildra på sida for systemleverandørar.",
    file_label: "Leveransefil (JSON)",
    file_hint: "Høgst {size}. Sender du same fil to gonger, blir ho berre send inn éin gong.",
    submit: "Kontroller og send inn",
    error_summary: "Fila vart ikkje send inn",
    no_file: "Vel ei fil å sende inn.",
    too_large: "Fila er for stor. Ho kan vere høgst {size}.",
    not_json: "Fila er ikkje gyldig JSON. Feilen er på linje {line}, teikn {column}.",
    not_object: "Fila må innehalde eitt JSON-objekt, slik API-et tek imot det.",
    refused: "Fila har {n} feil og vart ikkje send inn. Rett feila i fagsystemet og send fila på nytt.",
    first_shown: "Her blir dei {k} første viste. Alle feila kan du laste ned som ei CSV-fil, som kan opnast i eit rekneark.",
    download: "Last ned alle feila (CSV)",
    caption: "Feil i fila",
    col_row: "Rad",
    col_field: "Felt",
    col_error: "Feil",
    col_value: "Verdi i fila",
    col_line: "Linje",
    col_path: "Sti",
    col_code: "Kode",
    whole_document: "Heile leveransen",
    repeat: "Denne fila er send inn før, og vart ikkje send inn på nytt.",
    see_receipt: "Sjå kvitteringa",
    offer: "Har du leveransen som fil frå eit fagsystem? Send ho inn som fil",
};

const EN: Words = Words {
    title: "Submit as a file",
    intro: "If you have the information in a business system, you can submit the whole delivery as one file instead of filling in the form. The file is checked before it is submitted. If it has errors, nothing is submitted, and you are shown what to correct.",
    format: "The file is a JSON document in the format the API takes. The fields and checks are described on the page for system vendors.",
    file_label: "Delivery file (JSON)",
    file_hint: "At most {size}. If you send the same file twice, it is submitted only once.",
    submit: "Check and submit",
    error_summary: "The file was not submitted",
    no_file: "Choose a file to submit.",
    too_large: "The file is too large. It can be at most {size}.",
    not_json: "The file is not valid JSON. The error is on line {line}, character {column}.",
    not_object: "The file must hold one JSON object, as the API takes it.",
    refused: "The file has {n} errors and was not submitted. Correct them in the business system and send the file again.",
    first_shown: "The first {k} are shown here. You can download all the errors as a CSV file, which opens in a spreadsheet.",
    download: "Download all the errors (CSV)",
    caption: "Errors in the file",
    col_row: "Row",
    col_field: "Field",
    col_error: "Error",
    col_value: "Value in the file",
    col_line: "Line",
    col_path: "Path",
    col_code: "Code",
    whole_document: "The whole delivery",
    repeat: "This file was submitted before, and was not submitted again.",
    see_receipt: "See the receipt",
    offer: "Do you have the delivery as a file from a business system? Submit it as a file",
};

/// The words in `lang`.
pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::Nb => &NB,
        Lang::Nn => &NN,
        Lang::En => &EN,
    }
}

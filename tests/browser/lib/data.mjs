// Synthetic test data: fødselsnummer with month + 80, organisation numbers from Skatteetaten's
// public API examples that pass mod-11 and belong to no one.
import { syntheticFnr } from './portal.mjs';

export const ORGNR_REPORTER = '819897522';

export const CONTACT = {
  navn: 'Kari Testperson',
  telefon: '22 22 22 22',
  epost: 'kontakt@eksempel.no',
};

const common = {
  kommunenummer: '1554',
  gaardsnummer: '91',
  bruksnummer: '227',
  start: '0101',
  slutt: '3112',
  inntekter: '1 766',
  kostnader: '1766',
  formue: '9336',
  gjeld: '21761',
};

/** Three owners of RF-1140: a person, an organisation, and one that is removed again. */
export const OWNERS = [
  { ...common, kind: 'foedselsnummer', id: syntheticFnr(15, 3, 75), navn: 'ALLA TESTESEN', seksjon: '30' },
  { ...common, kind: 'organisasjonsnummer', id: '800877830', navn: 'NØYTRALE TEST AS', seksjon: '11' },
  { ...common, kind: 'organisasjonsnummer', id: '932061899', navn: 'FJERNES AS', seksjon: '12' },
];

/** The form field names of an RF-1140 owner row, by what they hold. */
export function rowNames(i) {
  const p = (k) => `leveranse.oppgave[${i}].${k}`;
  return {
    foedselsnummer: p('oppgaveeier.foedselsnummer'),
    organisasjonsnummer: p('oppgaveeier.organisasjonsnummer'),
    navn: p('oppgaveeier.navn'),
    kommunenummer: p('matrikkelnummer.kommunenummer'),
    gaardsnummer: p('matrikkelnummer.gaardsnummer'),
    bruksnummer: p('matrikkelnummer.bruksnummer'),
    seksjon: p('matrikkelnummer.seksjonsnummer'),
    start: p('eiertid.start'),
    slutt: p('eiertid.slutt'),
    inntekter: p('andelSkattepliktigeInntekter'),
    kostnader: p('andelFradragsberettigedeKostnader'),
    formue: p('andelFormue'),
    gjeld: p('andelGjeld'),
  };
}

/** [name, value] pairs that fill an owner row completely and correctly. */
export function rowValues(i, owner) {
  const n = rowNames(i);
  return [
    [n[owner.kind], owner.id],
    [n.navn, owner.navn],
    [n.kommunenummer, owner.kommunenummer],
    [n.gaardsnummer, owner.gaardsnummer],
    [n.bruksnummer, owner.bruksnummer],
    [n.seksjon, owner.seksjon],
    [n.start, owner.start],
    [n.slutt, owner.slutt],
    [n.inntekter, owner.inntekter],
    [n.kostnader, owner.kostnader],
    [n.formue, owner.formue],
    [n.gjeld, owner.gjeld],
  ];
}

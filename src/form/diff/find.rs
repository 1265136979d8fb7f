//! Finding the differences: each part of the newer version matched with the older one's, and
//! what differs put in a [`Change`].

use serde_json::Value as Json;

use super::*;
use crate::form::definition::{
    Alternative, Attachments, ChoiceOption, Computed, Field, FieldKind, Form, Lang, Page, Required,
    Rule, Text,
};
use crate::form::describe::{FormNames, kind_words};
use crate::form::expr::{AsWritten, Clause, Expr, Names, Seg, format_path};

/// Every difference, in the order [`compare`] promises.
pub(super) fn changes(old: &Form, new: &Form) -> Vec<Change> {
    let mut c = Comparison {
        old,
        new,
        old_names: FormNames::new(old),
        new_names: FormNames::new(new),
        out: Vec::new(),
    };
    c.settings();
    c.api();
    c.pages();
    c.computed();
    c.rules();
    c.schema();
    c.out
}

struct Comparison<'a> {
    old: &'a Form,
    new: &'a Form,
    old_names: FormNames<'a>,
    new_names: FormNames<'a>,
    out: Vec<Change>,
}

/// The text in all three languages.
fn text(nb: impl Into<String>, nn: impl Into<String>, en: impl Into<String>) -> Text {
    Text {
        nb: nb.into(),
        nn: Some(nn.into()),
        en: Some(en.into()),
    }
}

/// An expression in words in all three languages.
fn said(e: &Expr, names: &dyn Names, clause: Clause) -> Text {
    let [nb, nn, en] = Lang::ALL.map(|lang| e.in_clause(clause, lang, names));
    text(nb, nn, en)
}

/// A condition in words (for «vises bare når …»), with the names of its own version.
fn condition(e: Option<&Expr>, names: &FormNames) -> Option<Text> {
    e.map(|e| said(e, names, Clause::Sub))
}

/// Two expressions that read the same, whatever their spacing.
fn same(a: &Expr, b: &Expr) -> bool {
    written(a) == written(b)
}

fn written(e: &Expr) -> String {
    e.in_words(Lang::En, &AsWritten)
}

fn same_opt(a: Option<&Expr>, b: Option<&Expr>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// What a field is called in a sentence.
fn thing_of(f: &Field, page: &Page) -> Thing {
    match &f.kind {
        FieldKind::Group(_) => Thing::Group,
        FieldKind::Attachment(_) => Thing::Attachment,
        FieldKind::Static => Thing::Static(page.title.clone()),
        FieldKind::Text
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
        | FieldKind::Either { .. }
        | FieldKind::Kommunenummer
        | FieldKind::Postnummer
        | FieldKind::Email
        | FieldKind::Phone
        | FieldKind::Kontonummer => Thing::Field,
    }
}

fn field_named(f: &Field, page: &Page) -> Named {
    let is_static = matches!(f.kind, FieldKind::Static);
    Named {
        thing: thing_of(f, page),
        label: (!f.label.nb.trim().is_empty()).then(|| f.label.clone()),
        key: if is_static {
            String::new()
        } else {
            format_path(&f.bind)
        },
    }
}

fn page_named(p: &Page) -> Named {
    Named {
        thing: Thing::Page,
        label: Some(p.title.clone()),
        key: p.id.clone(),
    }
}

/// The non-static fields of a form, with the page each is on.
fn bound_fields(form: &Form) -> impl Iterator<Item = (&Page, &Field)> {
    form.pages.iter().flat_map(|p| {
        p.all_fields()
            .filter(|f| !matches!(f.kind, FieldKind::Static))
            .map(move |f| (p, f))
    })
}

fn statics(page: &Page) -> impl Iterator<Item = &Field> {
    page.all_fields()
        .filter(|f| matches!(f.kind, FieldKind::Static))
}

/// The pattern as the form file wrote it (the loader anchors it).
fn pattern_source(f: &Field) -> Option<String> {
    f.pattern.as_ref().map(|r| {
        let s = r.as_str();
        s.strip_prefix("^(?:")
            .and_then(|s| s.strip_suffix(")$"))
            .unwrap_or(s)
            .to_string()
    })
}

fn megabytes(bytes: u64) -> f64 {
    // Two decimals are more than any form file writes.
    (bytes as f64 / (1024.0 * 1024.0) * 100.0).round() / 100.0
}

/// Pages common to both versions whose order among the common pages changed: those outside a
/// longest common subsequence of the two orders.
fn moved_pages(old: &[&str], new: &[&str]) -> Vec<String> {
    let n = old.len();
    let m = new.len();
    let mut len = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            len[i][j] = if old[i] == new[j] {
                len[i + 1][j + 1] + 1
            } else {
                len[i + 1][j].max(len[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut kept = Vec::new();
    while i < n && j < m {
        if old[i] == new[j] {
            kept.push(old[i]);
            i += 1;
            j += 1;
        } else if len[i + 1][j] >= len[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    new.iter()
        .filter(|id| !kept.contains(id))
        .map(|id| id.to_string())
        .collect()
}

impl Comparison<'_> {
    fn push_field(&mut self, field: &Named, change: FieldChange) {
        self.out.push(Change::Field {
            field: field.clone(),
            change,
        });
    }

    fn settings(&mut self) {
        let (o, n) = (self.old, self.new);
        let texts = [
            (TextPart::Title, &o.title, &n.title),
            (TextPart::Description, &o.description, &n.description),
        ];
        for (part, a, b) in texts {
            if a != b {
                let (old, new) = (non_empty(a), non_empty(b));
                self.out
                    .push(Change::Form(FormChange::Text { part, old, new }));
            }
        }
        if o.area != n.area {
            self.out.push(Change::Form(FormChange::Area {
                old: o.area.clone(),
                new: n.area.clone(),
            }));
        }
        if o.resource != n.resource {
            self.out.push(Change::Form(FormChange::Resource {
                old: o.resource.clone(),
                new: n.resource.clone(),
            }));
        }
        if o.level != n.level {
            self.out.push(Change::Form(FormChange::Level {
                old: o.level,
                new: n.level,
            }));
        }
        if o.persons != n.persons {
            self.out.push(Change::Form(FormChange::Persons(n.persons)));
        }
        let name = |p: &String| {
            p.strip_prefix("urn:altinn:accesspackage:")
                .unwrap_or(p)
                .to_owned()
        };
        for p in n.packages.iter().filter(|p| !o.packages.contains(p)) {
            self.out.push(Change::Form(FormChange::Package {
                package: name(p),
                added: true,
            }));
        }
        for p in o.packages.iter().filter(|p| !n.packages.contains(p)) {
            self.out.push(Change::Form(FormChange::Package {
                package: name(p),
                added: false,
            }));
        }
        for (list, other, added) in [
            (&n.requires, &o.requires, true),
            (&o.requires, &n.requires, false),
        ] {
            for r in list.iter().filter(|r| !other.contains(r)) {
                self.out.push(Change::Form(FormChange::Requires {
                    registration: *r,
                    added,
                }));
            }
        }
    }

    fn api(&mut self) {
        let changes = match (&self.old.api, &self.new.api) {
            (None, None) => Vec::new(),
            (None, Some(a)) => vec![ApiChange::Added {
                base: a.base.clone(),
                scope: a.scope.clone(),
            }],
            (Some(a), None) => vec![ApiChange::Removed {
                base: a.base.clone(),
            }],
            (Some(a), Some(b)) => {
                let mut v = Vec::new();
                if a.base != b.base {
                    v.push(ApiChange::Base {
                        old: a.base.clone(),
                        new: b.base.clone(),
                    });
                }
                if a.scope != b.scope {
                    v.push(ApiChange::Scope {
                        old: a.scope.clone(),
                        new: b.scope.clone(),
                    });
                }
                if a.delivery != b.delivery {
                    v.push(ApiChange::Delivery {
                        old: a.delivery,
                        new: b.delivery,
                    });
                }
                for y in b.years.iter().filter(|y| !a.years.contains(y)) {
                    v.push(ApiChange::Year {
                        year: *y,
                        added: true,
                    });
                }
                for y in a.years.iter().filter(|y| !b.years.contains(y)) {
                    v.push(ApiChange::Year {
                        year: *y,
                        added: false,
                    });
                }
                v
            }
        };
        self.out.extend(changes.into_iter().map(Change::Api));
    }

    fn pages(&mut self) {
        let old_ids: Vec<&str> = self.old.pages.iter().map(|p| p.id.as_str()).collect();
        let new_ids: Vec<&str> = self.new.pages.iter().map(|p| p.id.as_str()).collect();
        let common_old: Vec<&str> = old_ids
            .iter()
            .copied()
            .filter(|id| new_ids.contains(id))
            .collect();
        let common_new: Vec<&str> = new_ids
            .iter()
            .copied()
            .filter(|id| old_ids.contains(id))
            .collect();
        let moved = moved_pages(&common_old, &common_new);
        let (old, new) = (self.old, self.new);
        for (ni, np) in new.pages.iter().enumerate() {
            let named = page_named(np);
            let page = |change| Change::Page {
                page: named.clone(),
                change,
            };
            match old.page(&np.id) {
                None => self.out.push(page(PageChange::Added {
                    position: ni + 1,
                    of: new.pages.len(),
                })),
                Some((oi, op)) => {
                    if moved.contains(&np.id) {
                        self.out.push(page(PageChange::Moved {
                            from: oi + 1,
                            to: ni + 1,
                        }));
                    }
                    if op.title != np.title {
                        self.out.push(page(PageChange::Text {
                            part: TextPart::Title,
                            old: Some(op.title.clone()),
                            new: Some(np.title.clone()),
                        }));
                    }
                    if op.intro != np.intro {
                        self.out.push(page(PageChange::Text {
                            part: TextPart::Intro,
                            old: op.intro.clone(),
                            new: np.intro.clone(),
                        }));
                    }
                    if !same_opt(op.when.as_ref(), np.when.as_ref()) {
                        self.out.push(page(PageChange::Condition {
                            old: condition(op.when.as_ref(), &self.old_names),
                            new: condition(np.when.as_ref(), &self.new_names),
                        }));
                    }
                }
            }
            self.fields_on(np, old.page(&np.id).map(|(_, p)| p));
        }
        for op in old.pages.iter().filter(|p| new.page(&p.id).is_none()) {
            self.out.push(Change::Page {
                page: page_named(op),
                change: PageChange::Removed,
            });
            self.removed_fields(op);
        }
    }

    /// The fields of a page of the newer version, in order, then those of the older version's
    /// page with the same id that are gone from the form.
    fn fields_on(&mut self, np: &Page, op: Option<&Page>) {
        let old_statics: Vec<&Field> = op.map(|p| statics(p).collect()).unwrap_or_default();
        let mut nth_static = 0;
        for nf in np.all_fields() {
            let named = field_named(nf, np);
            if matches!(nf.kind, FieldKind::Static) {
                match old_statics.get(nth_static) {
                    Some(of) => self.field(of, nf, &named),
                    None => self.push_field(
                        &named,
                        FieldChange::Added {
                            page: np.title.clone(),
                        },
                    ),
                }
                nth_static += 1;
                continue;
            }
            match bound_fields(self.old).find(|(_, of)| of.bind == nf.bind) {
                None => self.push_field(
                    &named,
                    FieldChange::Added {
                        page: np.title.clone(),
                    },
                ),
                Some((from, of)) => {
                    // A row field moves with its group, which says so.
                    if from.id != np.id && !nf.in_row() {
                        self.push_field(
                            &named,
                            FieldChange::Moved {
                                from: from.title.clone(),
                                to: np.title.clone(),
                            },
                        );
                    }
                    self.field(of, nf, &named);
                }
            }
        }
        if let Some(op) = op {
            for of in old_statics.iter().skip(nth_static) {
                let named = field_named(of, op);
                self.push_field(
                    &named,
                    FieldChange::Removed {
                        page: op.title.clone(),
                    },
                );
            }
            self.removed_fields(op);
        }
    }

    /// The bound fields of an older page that the newer version has nowhere.
    fn removed_fields(&mut self, op: &Page) {
        let gone: Vec<&Field> = op
            .all_fields()
            .filter(|f| !matches!(f.kind, FieldKind::Static))
            .filter(|f| bound_fields(self.new).all(|(_, nf)| nf.bind != f.bind))
            .collect();
        for of in gone {
            let named = field_named(of, op);
            self.push_field(
                &named,
                FieldChange::Removed {
                    page: op.title.clone(),
                },
            );
        }
        if self.new.page(&op.id).is_none() {
            for of in statics(op) {
                let named = field_named(of, op);
                self.push_field(
                    &named,
                    FieldChange::Removed {
                        page: op.title.clone(),
                    },
                );
            }
        }
    }

    /// What changed in one field between the versions.
    fn field(&mut self, of: &Field, nf: &Field, named: &Named) {
        let same_kind = std::mem::discriminant(&of.kind) == std::mem::discriminant(&nf.kind);
        if !same_kind {
            self.push_field(
                named,
                FieldChange::Kind {
                    old: kind_words(&of.kind),
                    new: kind_words(&nf.kind),
                },
            );
        }
        let texts = [
            (TextPart::Label, non_empty(&of.label), non_empty(&nf.label)),
            (TextPart::Hint, of.hint.clone(), nf.hint.clone()),
            (TextPart::Help, of.help.clone(), nf.help.clone()),
        ];
        for (part, old, new) in texts {
            if old != new {
                self.push_field(named, FieldChange::Text { part, old, new });
            }
        }
        self.required(of, nf, named);
        if !same_opt(of.when.as_ref(), nf.when.as_ref()) {
            let change = FieldChange::Condition {
                old: condition(of.when.as_ref(), &self.old_names),
                new: condition(nf.when.as_ref(), &self.new_names),
            };
            self.push_field(named, change);
        }
        if !same_opt(of.prefill.as_ref(), nf.prefill.as_ref()) {
            let old = of
                .prefill
                .as_ref()
                .map(|e| said(e, &self.old_names, Clause::Main));
            let new = nf
                .prefill
                .as_ref()
                .map(|e| said(e, &self.new_names, Clause::Main));
            self.push_field(named, FieldChange::Prefill { old, new });
        }
        if of.locked != nf.locked {
            self.push_field(named, FieldChange::Locked(nf.locked));
        }
        self.limits(of, nf, named);
        if same_kind {
            self.settings_of_kind(of, nf, named);
        }
    }

    fn required(&mut self, of: &Field, nf: &Field, named: &Named) {
        let unchanged = match (&of.required, &nf.required) {
            (Required::Fixed(a), Required::Fixed(b)) => a == b,
            (Required::When(a), Required::When(b)) => same(a, b),
            _ => false,
        };
        if unchanged {
            return;
        }
        let requirement = |r: &Required, names: &FormNames| match r {
            Required::Fixed(false) => Requirement::Never,
            Required::Fixed(true) => Requirement::Always,
            Required::When(e) => Requirement::When(said(e, names, Clause::Sub)),
        };
        let change = FieldChange::Required {
            old: requirement(&of.required, &self.old_names),
            new: requirement(&nf.required, &self.new_names),
        };
        self.push_field(named, change);
    }

    fn limits(&mut self, of: &Field, nf: &Field, named: &Named) {
        // `min` and `max` count a group's rows and an attachment field's files.
        let (min, max, counted) = if matches!(nf.kind, FieldKind::Group(_)) {
            (Limit::MinRows, Limit::MaxRows, true)
        } else if matches!(nf.kind, FieldKind::Attachment(_)) {
            (Limit::MinFiles, Limit::MaxFiles, true)
        } else {
            (Limit::Min, Limit::Max, false)
        };
        let number = |x: Option<f64>| {
            x.map(|x| {
                if counted {
                    Bound::Count(x as usize)
                } else {
                    Bound::Number(x)
                }
            })
        };
        let count = |x: Option<usize>| x.map(Bound::Count);
        let limits = [
            (min, number(of.min), number(nf.min)),
            (max, number(of.max), number(nf.max)),
            (Limit::MinLength, count(of.min_length), count(nf.min_length)),
            (Limit::MaxLength, count(of.max_length), count(nf.max_length)),
            (
                Limit::Pattern,
                pattern_source(of).map(Bound::Pattern),
                pattern_source(nf).map(Bound::Pattern),
            ),
        ];
        for (limit, old, new) in limits {
            if old != new {
                self.push_field(named, FieldChange::Limit { limit, old, new });
            }
        }
    }

    /// The settings only one kind of field has: options, rows, files, alternatives. Called
    /// only when both versions have the same kind.
    fn settings_of_kind(&mut self, of: &Field, nf: &Field, named: &Named) {
        match &nf.kind {
            FieldKind::Choice { options, select } => {
                if let FieldKind::Choice {
                    options: before,
                    select: was_select,
                } = &of.kind
                {
                    self.options(before, options, named);
                    if was_select != select {
                        let change = FieldChange::Display { select: *select };
                        self.push_field(named, change);
                    }
                }
            }
            FieldKind::MultiChoice { options } => {
                if let FieldKind::MultiChoice { options: before } = &of.kind {
                    self.options(before, options, named);
                }
            }
            FieldKind::Group(b) => {
                if let FieldKind::Group(a) = &of.kind {
                    let texts = [
                        (TextPart::RowLabel, &a.row_label, &b.row_label),
                        (TextPart::AddLabel, &a.add_label, &b.add_label),
                    ];
                    for (part, old, new) in texts {
                        if old != new {
                            let (old, new) = (old.clone(), new.clone());
                            self.push_field(named, FieldChange::Text { part, old, new });
                        }
                    }
                }
            }
            FieldKind::Attachment(b) => {
                if let FieldKind::Attachment(a) = &of.kind {
                    self.attachments(a, b, named);
                }
            }
            FieldKind::Either { alternatives } => {
                if let FieldKind::Either {
                    alternatives: before,
                } = &of.kind
                {
                    self.alternatives(before, alternatives, &nf.bind, named);
                }
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
            | FieldKind::YesNo
            | FieldKind::Orgnr
            | FieldKind::Fnr
            | FieldKind::Kommunenummer
            | FieldKind::Postnummer
            | FieldKind::Email
            | FieldKind::Phone
            | FieldKind::Kontonummer
            | FieldKind::Static => {}
        }
    }

    fn attachments(&mut self, a: &Attachments, b: &Attachments, named: &Named) {
        for k in b.kinds.iter().filter(|k| !a.kinds.contains(k)) {
            let name = k.label().to_string();
            self.push_field(named, FieldChange::FileKind { name, added: true });
        }
        for k in a.kinds.iter().filter(|k| !b.kinds.contains(k)) {
            let name = k.label().to_string();
            self.push_field(named, FieldChange::FileKind { name, added: false });
        }
        let sizes = [
            (Limit::FileSize, a.max_file, b.max_file),
            (Limit::TotalSize, a.total, b.total),
        ];
        for (limit, old, new) in sizes {
            if old != new {
                let old = Some(Bound::Megabytes(megabytes(old)));
                let new = Some(Bound::Megabytes(megabytes(new)));
                self.push_field(named, FieldChange::Limit { limit, old, new });
            }
        }
    }

    /// The alternatives of an `either` field, matched by key; each one that stays is named as
    /// a part of its own.
    fn alternatives(&mut self, a: &[Alternative], b: &[Alternative], bind: &[Seg], named: &Named) {
        let key = |k: &str| {
            let mut p = bind.to_vec();
            p.push(Seg::Key(k.to_string()));
            format_path(&p)
        };
        for nb in b {
            let Some(oa) = a.iter().find(|x| x.key == nb.key) else {
                let change = FieldChange::Alternative {
                    label: nb.label.clone(),
                    key: key(&nb.key),
                    added: true,
                };
                self.push_field(named, change);
                continue;
            };
            let alt = Named {
                thing: Thing::Alternative,
                label: Some(nb.label.clone()),
                key: key(&nb.key),
            };
            if std::mem::discriminant(&oa.kind) != std::mem::discriminant(&nb.kind) {
                let (old, new) = (kind_words(&oa.kind), kind_words(&nb.kind));
                self.push_field(&alt, FieldChange::Kind { old, new });
            }
            if oa.label != nb.label {
                let change = FieldChange::Text {
                    part: TextPart::Label,
                    old: Some(oa.label.clone()),
                    new: Some(nb.label.clone()),
                };
                self.push_field(&alt, change);
            }
            let bounds = [(Limit::Min, oa.min, nb.min), (Limit::Max, oa.max, nb.max)];
            for (limit, old, new) in bounds {
                if old != new {
                    let (old, new) = (old.map(Bound::Number), new.map(Bound::Number));
                    self.push_field(&alt, FieldChange::Limit { limit, old, new });
                }
            }
        }
        for oa in a.iter().filter(|x| b.iter().all(|y| y.key != x.key)) {
            let change = FieldChange::Alternative {
                label: oa.label.clone(),
                key: key(&oa.key),
                added: false,
            };
            self.push_field(named, change);
        }
    }

    fn options(&mut self, a: &[ChoiceOption], b: &[ChoiceOption], named: &Named) {
        for nb in b {
            let Some(oa) = a.iter().find(|o| o.value == nb.value) else {
                let change = FieldChange::OptionAdded {
                    value: nb.value.clone(),
                    label: nb.label.clone(),
                };
                self.push_field(named, change);
                continue;
            };
            let texts = [
                (
                    TextPart::OptionLabel(nb.value.clone()),
                    Some(oa.label.clone()),
                    Some(nb.label.clone()),
                ),
                (
                    TextPart::OptionHint(nb.value.clone()),
                    oa.hint.clone(),
                    nb.hint.clone(),
                ),
            ];
            for (part, old, new) in texts {
                if old != new {
                    self.push_field(named, FieldChange::Text { part, old, new });
                }
            }
        }
        for oa in a.iter().filter(|o| b.iter().all(|n| n.value != o.value)) {
            let change = FieldChange::OptionRemoved {
                value: oa.value.clone(),
                label: oa.label.clone(),
            };
            self.push_field(named, change);
        }
    }

    fn computed(&mut self) {
        let named = |c: &Computed| Named {
            thing: Thing::Computed,
            label: c.label.clone(),
            key: format_path(&c.bind),
        };
        for nc in &self.new.computed {
            let value = named(nc);
            let push = |out: &mut Vec<Change>, change: ComputedChange| {
                out.push(Change::Computed {
                    value: value.clone(),
                    change,
                });
            };
            let Some(oc) = self.old.computed.iter().find(|c| c.bind == nc.bind) else {
                let words = said(&nc.value, &self.new_names, Clause::Main);
                push(&mut self.out, ComputedChange::Added { value: words });
                continue;
            };
            if !same(&oc.value, &nc.value) {
                let old = said(&oc.value, &self.old_names, Clause::Main);
                let new = said(&nc.value, &self.new_names, Clause::Main);
                push(&mut self.out, ComputedChange::Value { old, new });
            }
            if oc.label != nc.label {
                let change = ComputedChange::Text {
                    part: TextPart::Label,
                    old: oc.label.clone(),
                    new: nc.label.clone(),
                };
                push(&mut self.out, change);
            }
            if oc.required != nc.required {
                push(&mut self.out, ComputedChange::ControlTotal(nc.required));
            }
            if std::mem::discriminant(&oc.kind) != std::mem::discriminant(&nc.kind) {
                let (old, new) = (kind_words(&oc.kind), kind_words(&nc.kind));
                push(&mut self.out, ComputedChange::Kind { old, new });
            }
        }
        let gone: Vec<Named> = self
            .old
            .computed
            .iter()
            .filter(|c| self.new.computed.iter().all(|n| n.bind != c.bind))
            .map(named)
            .collect();
        for value in gone {
            self.out.push(Change::Computed {
                value,
                change: ComputedChange::Removed,
            });
        }
    }

    /// A rule's check in words, with «i hver rad i …» for a rule checked per row.
    fn check_words(&self, r: &Rule, names: &FormNames) -> Text {
        let mut t = said(&r.check, names, Clause::Sub);
        if let Some(each) = &r.each {
            let group = |lang| {
                names
                    .answer(each, lang)
                    .unwrap_or_else(|| format_path(each))
            };
            t.nb = format!("{} i hver rad i {}", t.nb, group(Lang::Nb));
            t.nn =
                t.nn.map(|w| format!("{w} i kvar rad i {}", group(Lang::Nn)));
            t.en =
                t.en.map(|w| format!("{w} in every row of {}", group(Lang::En)));
        }
        t
    }

    fn rules(&mut self) {
        let place = |r: &Rule, names: &FormNames| Named {
            thing: Thing::Place,
            label: names.label(&r.path).cloned(),
            key: format_path(&r.path),
        };
        let same_place = |a: &Rule, b: &Rule| a.each == b.each && a.path == b.path;
        let old = self.old;
        let mut used = vec![false; old.rules.len()];
        // First the rules that check the same thing at the same place, then by place alone.
        let mut pairs: Vec<Option<usize>> = self
            .new
            .rules
            .iter()
            .map(|nr| {
                let i = old.rules.iter().enumerate().position(|(i, or)| {
                    !used[i] && same_place(or, nr) && same(&or.check, &nr.check)
                })?;
                used[i] = true;
                Some(i)
            })
            .collect();
        for (ni, nr) in self.new.rules.iter().enumerate() {
            if pairs[ni].is_none()
                && let Some(i) =
                    (0..old.rules.len()).find(|&i| !used[i] && same_place(&old.rules[i], nr))
            {
                used[i] = true;
                pairs[ni] = Some(i);
            }
        }
        for (nr, pair) in self.new.rules.iter().zip(&pairs) {
            let at = place(nr, &self.new_names);
            let Some(or) = pair.map(|i| &old.rules[i]) else {
                let change = RuleChange::Added {
                    check: self.check_words(nr, &self.new_names),
                    message: nr.message.clone(),
                };
                self.out.push(Change::Rule { at, change });
                continue;
            };
            if !same(&or.check, &nr.check) {
                let change = RuleChange::Check {
                    old: self.check_words(or, &self.old_names),
                    new: self.check_words(nr, &self.new_names),
                };
                self.out.push(Change::Rule {
                    at: at.clone(),
                    change,
                });
            }
            if or.message != nr.message {
                let change = RuleChange::Text {
                    part: TextPart::Message,
                    old: Some(or.message.clone()),
                    new: Some(nr.message.clone()),
                };
                self.out.push(Change::Rule { at, change });
            }
        }
        for (i, or) in old.rules.iter().enumerate() {
            if !used[i] {
                let at = place(or, &self.old_names);
                let change = RuleChange::Removed {
                    message: or.message.clone(),
                };
                self.out.push(Change::Rule { at, change });
            }
        }
    }

    fn schema(&mut self) {
        let old = properties(&crate::form::schema::json_schema(self.old));
        let new = properties(&crate::form::schema::json_schema(self.new));
        let find = |list: &[Property], path: &str| list.iter().position(|p| p.path == path);
        let added: Vec<&Property> = new
            .iter()
            .filter(|p| find(&old, &p.path).is_none())
            .collect();
        let removed: Vec<&Property> = old
            .iter()
            .filter(|p| find(&new, &p.path).is_none())
            .collect();
        let under = |list: &[&Property], p: &Property| {
            parent(&p.path).is_some_and(|up| list.iter().any(|q| q.path == up))
        };
        for p in &new {
            let Some(o) = find(&old, &p.path).map(|i| &old[i]) else {
                if !under(&added, p) {
                    self.out.push(Change::Schema(SchemaChange::Added {
                        path: p.path.clone(),
                        ty: p.ty.clone(),
                        required: p.required,
                    }));
                }
                continue;
            };
            if o.ty != p.ty {
                self.out.push(Change::Schema(SchemaChange::Type {
                    path: p.path.clone(),
                    old: o.ty.clone(),
                    new: p.ty.clone(),
                }));
            }
            if o.required != p.required {
                self.out.push(Change::Schema(SchemaChange::Required {
                    path: p.path.clone(),
                    required: p.required,
                }));
            }
        }
        for p in &removed {
            if !under(&removed, p) {
                self.out.push(Change::Schema(SchemaChange::Removed {
                    path: p.path.clone(),
                }));
            }
        }
    }
}

/// A required text as an optional one: empty is none.
fn non_empty(t: &Text) -> Option<Text> {
    (!t.nb.trim().is_empty()).then(|| t.clone())
}

/// One property of a JSON Schema, flattened.
struct Property {
    path: String,
    ty: Option<String>,
    required: bool,
}

/// Every property of a schema, parents first, in the schema's order.
fn properties(schema: &Json) -> Vec<Property> {
    let mut out = Vec::new();
    walk_schema(schema, "", &mut out);
    out
}

fn walk_schema(node: &Json, prefix: &str, out: &mut Vec<Property>) {
    // A type list names the JSON type first, then "string" for a number that may come as text.
    let type_of = |n: &Json| match n.get("type") {
        Some(Json::Array(types)) => types.first().and_then(Json::as_str).map(str::to_string),
        other => other.and_then(Json::as_str).map(str::to_string),
    };
    if let Some(props) = node.get("properties").and_then(Json::as_object) {
        let required: Vec<&str> = node
            .get("required")
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        for (key, child) in props {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            out.push(Property {
                path: path.clone(),
                ty: type_of(child),
                required: required.contains(&key.as_str()),
            });
            walk_schema(child, &path, out);
        }
    }
    if let Some(items) = node.get("items") {
        let path = format!("{prefix}[*]");
        out.push(Property {
            path: path.clone(),
            ty: type_of(items),
            required: false,
        });
        walk_schema(items, &path, out);
    }
}

/// The path a schema path hangs under (`None` at the top).
fn parent(path: &str) -> Option<&str> {
    if let Some(up) = path.strip_suffix("[*]") {
        return Some(up);
    }
    path.rsplit_once('.').map(|(up, _)| up)
}

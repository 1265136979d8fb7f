//! The receipt as a tagged, accessible PDF (PDF/UA-1).
//!
//! Plain data in, bytes out: [`render`] lays the receipt out on A4 pages with the DejaVu Sans
//! fonts embedded, tags every line (headings, label/value tables, the footer as an artifact)
//! and lets krilla check the result against PDF/UA-1, so a receipt that would not conform is an
//! error rather than a file.
//!
//! The work is done in two steps: the layout wraps the text and decides what goes on which page,
//! then the pages are drawn and the tag tree is filled with what was drawn. Keeping the layout
//! apart keeps pagination testable without reading the PDF back.

use std::num::NonZeroU16;

use anyhow::{Context as _, anyhow, bail};
use krilla::color::rgb;
use krilla::configure::{Accessibility, ConfigurationBuilder};
use krilla::destination::XyzDestination;
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, Node, SpanTag, TableHeaderScope, Tag, TagGroup,
    TagKind, TagTree,
};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};
use skrifa::MetadataProvider as _;
use skrifa::instance::{LocationRef, Size};

/// A receipt to print: what was submitted, by whom, and every answer.
pub struct ReceiptPdf<'a> {
    /// The document language, an RFC 3066 tag: `nb`, `nn` or `en`.
    pub lang: &'a str,
    /// The document title, shown as the first heading and in the viewer's title bar.
    pub title: &'a str,
    /// Label/value lines at the top: reference, time, form, party, submitter, checksum.
    pub facts: Vec<(&'a str, String)>,
    /// The answers, in the form's own order.
    pub sections: Vec<Section>,
    /// One line at the bottom of every page.
    pub footer: &'a str,
}

/// A part of the form: its own answers, then its repeated groups.
pub struct Section {
    /// The section's heading, e.g. the page title in the form.
    pub heading: String,
    /// The answers as label/value pairs.
    pub rows: Vec<(String, String)>,
    /// The repeated groups of the section, each with its own heading.
    pub groups: Vec<Group>,
}

/// One occurrence of a repeated group, such as one owner.
pub struct Group {
    /// The group's heading, e.g. "Eier 3".
    pub heading: String,
    /// The answers as label/value pairs.
    pub rows: Vec<(String, String)>,
}

/// Renders the receipt as a PDF/UA-1 document; fails rather than return a non-conforming one.
pub fn render(r: &ReceiptPdf) -> anyhow::Result<Vec<u8>> {
    let faces = Faces::load()?;
    let Layout {
        pages,
        mut tags,
        marks,
        footer,
    } = layout(r, &faces)?;

    let configuration = ConfigurationBuilder::new()
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|e| anyhow!("configuring PDF/UA-1: {e:?}"))?;
    let mut doc = Document::new_with(SerializeSettings {
        configuration,
        enable_tagging: true,
        ..SerializeSettings::default()
    });
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).context("the A4 page size")?;
    let mut glyphs = Vec::new();
    for ops in pages {
        let mut page = doc.start_page_with(settings.clone());
        let mut s = page.surface();
        draw_rules(&mut s, &ops);
        for op in ops {
            let Op::Text {
                x,
                y,
                bold,
                size,
                text,
                node,
            } = op
            else {
                continue;
            };
            let id = s.start_tagged(ContentTag::Span(SpanTag::empty()));
            faces
                .get(bold)
                .draw(&mut s, Point::from_xy(x, y), size, &text, &mut glyphs);
            s.end_tagged();
            tags.leaf(node, id);
        }
        // Repeated on every page, so not part of the reading order.
        if !footer.is_empty() {
            s.start_tagged(ContentTag::Artifact(Artifact::with_kind(
                ArtifactType::Footer,
            )));
            let top = footer_top(footer.len());
            for (i, line) in footer.iter().enumerate() {
                let y = top + i as f32 * FOOTER_SIZE * LEADING + FOOTER_SIZE;
                let at = Point::from_xy(MARGIN, y);
                faces
                    .regular
                    .draw(&mut s, at, FOOTER_SIZE, line, &mut glyphs);
            }
            s.end_tagged();
        }
        s.finish();
        page.finish();
    }

    doc.set_tag_tree(tags.into_tree(r.lang));
    doc.set_outline(outline(marks));
    doc.set_metadata(
        Metadata::new()
            .title(r.title.to_string())
            .language(r.lang.to_string())
            .creator("Tasteskjema".to_string()),
    );
    doc.finish().map_err(explain)
}

/// Turns krilla's error into one that names every PDF/UA problem found.
fn explain(e: KrillaError) -> anyhow::Error {
    match e {
        KrillaError::Validation(errors) => {
            let list: Vec<String> = errors.iter().map(|(e, _)| format!("{e:?}")).collect();
            anyhow!(
                "the receipt would not be valid PDF/UA-1: {}",
                list.join("; ")
            )
        }
        other => anyhow!("writing the receipt PDF: {other}"),
    }
}

// Page geometry, in points (1/72 inch). A4 with 2 cm margins at the sides and top.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.7;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// The label column of a label/value table; the value takes the rest.
const LABEL_W: f32 = 180.0;
const COLUMN_GAP: f32 = 14.0;
const VALUE_X: f32 = MARGIN + LABEL_W + COLUMN_GAP;
const VALUE_W: f32 = CONTENT_W - LABEL_W - COLUMN_GAP;
/// Space above and below the text of a table row.
const ROW_PAD: f32 = 3.5;
const BODY_SIZE: f32 = 10.0;
const FOOTER_SIZE: f32 = 8.0;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.35;
/// A footer longer than this many lines is cut: it must not eat the page.
const FOOTER_MAX_LINES: usize = 3;

/// Where the footer's first line starts.
fn footer_top(lines: usize) -> f32 {
    PAGE_H - 36.0 - lines as f32 * FOOTER_SIZE * LEADING
}

/// The look of a heading level: font size, space before and space after.
fn heading_style(level: u16) -> (f32, f32, f32) {
    match level {
        1 => (18.0, 0.0, 10.0),
        2 => (13.5, 16.0, 6.0),
        _ => (11.0, 10.0, 4.0),
    }
}

/// The receipt, wrapped and split into pages, with its tag tree still waiting for the leaves.
struct Layout {
    /// What to draw on each page.
    pages: Vec<Vec<Op>>,
    /// The structure of the document: headings, tables, rows and cells.
    tags: Tags,
    /// Where each heading landed, for the outline.
    marks: Vec<Mark>,
    /// The footer's lines.
    footer: Vec<String>,
}

/// Something drawn on a page.
#[derive(Debug)]
enum Op {
    /// One line of text, its baseline at `y`, belonging to the structure element `node`.
    Text {
        x: f32,
        y: f32,
        bold: bool,
        size: f32,
        text: String,
        node: usize,
    },
    /// A thin line under a table row.
    Rule { y: f32 },
}

/// A heading's place on a page.
struct Mark {
    level: u16,
    title: String,
    page: usize,
    y: f32,
}

/// The receipt as a flow of pieces, before it is split into pages.
enum Block {
    Heading {
        level: u16,
        lines: Vec<String>,
        node: usize,
        title: String,
    },
    Row {
        label: Vec<String>,
        value: Vec<String>,
        strong: bool,
        th: usize,
        td: usize,
    },
    Space(f32),
}

impl Block {
    /// The height of a heading, with the space after it.
    fn heading_height(level: u16, lines: usize) -> f32 {
        let (size, _, after) = heading_style(level);
        lines as f32 * size * LEADING + after
    }
}

/// Wraps the receipt and splits it into pages.
fn layout(r: &ReceiptPdf, faces: &Faces) -> anyhow::Result<Layout> {
    if r.lang.trim().is_empty() {
        bail!("a receipt needs a document language");
    }
    if r.title.trim().is_empty() {
        bail!("a receipt needs a title");
    }
    let mut footer = Vec::new();
    faces.regular.wrap(
        &faces.regular.clean(r.footer),
        FOOTER_SIZE,
        CONTENT_W,
        &mut footer,
    );
    footer.truncate(FOOTER_MAX_LINES);
    footer.retain(|l| !l.trim().is_empty());
    let bottom = footer_top(footer.len()) - 14.0;

    let mut tags = Tags::new();
    let blocks = blocks(r, faces, &mut tags);
    let mut pager = Pager::new(bottom);
    pager.place_all(blocks);
    Ok(Layout {
        pages: pager.pages,
        tags,
        marks: pager.marks,
        footer,
    })
}

/// The receipt's pieces in reading order, with their structure elements made.
fn blocks(r: &ReceiptPdf, faces: &Faces, tags: &mut Tags) -> Vec<Block> {
    let mut out = Vec::new();
    heading(&mut out, faces, tags, Tags::ROOT, 1, r.title);
    table(&mut out, faces, tags, Tags::ROOT, &r.facts, true);
    for section in &r.sections {
        let sect = tags.add(Tags::ROOT, Tag::Section);
        out.push(Block::Space(heading_style(2).1));
        heading(&mut out, faces, tags, sect, 2, &section.heading);
        table(&mut out, faces, tags, sect, &section.rows, false);
        for group in &section.groups {
            let g = tags.add(sect, Tag::Section);
            out.push(Block::Space(heading_style(3).1));
            heading(&mut out, faces, tags, g, 3, &group.heading);
            table(&mut out, faces, tags, g, &group.rows, false);
        }
    }
    out
}

/// Adds a heading; an empty one is left out rather than tagged without a title.
fn heading(
    out: &mut Vec<Block>,
    faces: &Faces,
    tags: &mut Tags,
    parent: usize,
    level: u16,
    text: &str,
) {
    let text = faces.bold.clean(text.trim());
    if text.trim().is_empty() {
        return;
    }
    let (size, _, _) = heading_style(level);
    let mut lines = Vec::new();
    faces.bold.wrap(&text, size, CONTENT_W, &mut lines);
    let level_nz = NonZeroU16::new(level).unwrap_or(NonZeroU16::MIN);
    let node = tags.add(parent, Tag::Hn(level_nz, Some(text.clone())));
    out.push(Block::Heading {
        level,
        lines,
        node,
        title: text,
    });
}

/// Adds a two-column table, a header cell (the label) and a data cell (the value) to a row.
fn table<L: AsRef<str>, V: AsRef<str>>(
    out: &mut Vec<Block>,
    faces: &Faces,
    tags: &mut Tags,
    parent: usize,
    rows: &[(L, V)],
    strong: bool,
) {
    if rows.is_empty() {
        return;
    }
    let table = tags.add(parent, Tag::Table);
    let label_face = faces.get(strong);
    for (label, value) in rows {
        let tr = tags.add(table, Tag::TR);
        let th = tags.add(tr, Tag::TH(TableHeaderScope::Row));
        let td = tags.add(tr, Tag::TD);
        out.push(Block::Row {
            label: cell(label_face, label.as_ref(), LABEL_W),
            value: cell(&faces.regular, value.as_ref(), VALUE_W),
            strong,
            th,
            td,
        });
    }
}

/// A cell's lines. A blank cell shows a dash: an empty cell would drop out of the tag tree and
/// leave its row with one cell.
fn cell(face: &Face, text: &str, width: f32) -> Vec<String> {
    let text = face.clean(text);
    let mut lines = Vec::new();
    if text.trim().is_empty() {
        lines.push("–".to_string());
    } else {
        face.wrap(text.trim_end(), BODY_SIZE, width, &mut lines);
    }
    lines
}

/// Places blocks on pages, top to bottom.
struct Pager {
    pages: Vec<Vec<Op>>,
    marks: Vec<Mark>,
    /// The top of the next thing to place.
    y: f32,
    /// Where the body of a page ends, above the footer.
    bottom: f32,
    /// Nothing placed on this page yet.
    fresh: bool,
}

impl Pager {
    fn new(bottom: f32) -> Pager {
        Pager {
            pages: vec![Vec::new()],
            marks: Vec::new(),
            y: MARGIN,
            bottom,
            fresh: true,
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
        self.fresh = true;
    }

    fn push(&mut self, op: Op) {
        self.fresh = false;
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    fn place_all(&mut self, mut blocks: Vec<Block>) {
        for i in 0..blocks.len() {
            // A heading takes the next page when it and the start of what follows do not fit.
            let keep = keep_height(&blocks, i);
            match &mut blocks[i] {
                Block::Space(s) => {
                    if !self.fresh {
                        self.y += *s;
                    }
                }
                Block::Heading {
                    level,
                    lines,
                    node,
                    title,
                } => {
                    if !self.fresh && self.y + keep > self.bottom {
                        self.new_page();
                    }
                    self.marks.push(Mark {
                        level: *level,
                        title: std::mem::take(title),
                        page: self.pages.len() - 1,
                        y: self.y,
                    });
                    let (size, _, after) = heading_style(*level);
                    for line in lines.drain(..) {
                        let y = self.y + size;
                        self.push(Op::Text {
                            x: MARGIN,
                            y,
                            bold: true,
                            size,
                            text: line,
                            node: *node,
                        });
                        self.y += size * LEADING;
                    }
                    self.y += after;
                }
                Block::Row {
                    label,
                    value,
                    strong,
                    th,
                    td,
                } => self.place_row(label, value, *strong, *th, *td),
            }
        }
    }

    /// Places a row whole when it fits on a page, else line by line over as many pages as it needs.
    fn place_row(
        &mut self,
        label: &mut [String],
        value: &mut [String],
        strong: bool,
        th: usize,
        td: usize,
    ) {
        let lh = BODY_SIZE * LEADING;
        let n = label.len().max(value.len());
        let whole = n as f32 * lh + 2.0 * ROW_PAD;
        if !self.fresh && self.y + whole > self.bottom && whole <= self.bottom - MARGIN {
            self.new_page();
        }
        let mut start = 0;
        loop {
            let room = ((self.bottom - self.y - 2.0 * ROW_PAD) / lh)
                .floor()
                .max(0.0) as usize;
            let left = n - start;
            // Never one lonely line of a long value at the foot of a page.
            if room < left.min(2) && !self.fresh {
                self.new_page();
                continue;
            }
            let take = room.max(1).min(left);
            let top = self.y + ROW_PAD;
            for (column, x, bold, node) in [
                (&mut *label, MARGIN, strong, th),
                (&mut *value, VALUE_X, false, td),
            ] {
                for (k, line) in column.iter_mut().enumerate().skip(start).take(take) {
                    if line.is_empty() {
                        continue;
                    }
                    self.push(Op::Text {
                        x,
                        y: top + (k - start) as f32 * lh + BODY_SIZE,
                        bold,
                        size: BODY_SIZE,
                        text: std::mem::take(line),
                        node,
                    });
                }
            }
            self.y = top + take as f32 * lh + ROW_PAD;
            start += take;
            if start >= n {
                self.push(Op::Rule { y: self.y });
                return;
            }
            self.new_page();
        }
    }
}

/// How much room a heading at `i` needs to stay with what follows: itself, the headings and
/// spaces right after it, and the first lines of the first row.
fn keep_height(blocks: &[Block], i: usize) -> f32 {
    let mut need = 0.0;
    for block in &blocks[i..] {
        match block {
            Block::Heading { level, lines, .. } => {
                need += Block::heading_height(*level, lines.len());
            }
            Block::Space(s) => need += s,
            Block::Row { label, value, .. } => {
                let n = label.len().max(value.len()).min(2);
                return need + n as f32 * BODY_SIZE * LEADING + 2.0 * ROW_PAD;
            }
        }
        // A run of empty groups cannot all be kept together anyway.
        if need > PAGE_H {
            break;
        }
    }
    need
}

/// The outline (bookmarks): the title, its sections, their groups.
fn outline(marks: Vec<Mark>) -> Outline {
    struct Entry {
        mark: Mark,
        kids: Vec<Entry>,
    }
    let mut roots: Vec<Entry> = Vec::new();
    for mark in marks {
        let entry = Entry {
            mark,
            kids: Vec::new(),
        };
        // Attach under the nearest open entry of a lower level; a level with none goes up.
        let mut siblings = &mut roots;
        for _ in 1..entry.mark.level {
            if siblings.is_empty() {
                break;
            }
            let last = siblings.len() - 1;
            if siblings[last].mark.level >= entry.mark.level {
                break;
            }
            siblings = &mut siblings[last].kids;
        }
        siblings.push(entry);
    }
    fn node(e: Entry) -> OutlineNode {
        let mut n = OutlineNode::new(
            e.mark.title,
            XyzDestination::new(e.mark.page, Point::from_xy(MARGIN, e.mark.y)),
        )
        .with_open(e.mark.level == 1);
        for kid in e.kids {
            n.push_child(node(kid));
        }
        n
    }
    let mut outline = Outline::new();
    for root in roots {
        outline.push_child(node(root));
    }
    outline
}

/// Draws the page's row rules in one go, as a layout artifact.
fn draw_rules(s: &mut Surface, ops: &[Op]) {
    let mut pb = PathBuilder::new();
    let mut any = false;
    for op in ops {
        if let Op::Rule { y } = op
            && let Some(rect) = Rect::from_xywh(MARGIN, *y - 0.25, CONTENT_W, 0.5)
        {
            pb.push_rect(rect);
            any = true;
        }
    }
    let Some(path) = pb.finish().filter(|_| any) else {
        return;
    };
    s.start_tagged(ContentTag::Artifact(Artifact::with_kind(
        ArtifactType::Layout,
    )));
    s.set_fill(Some(Fill {
        paint: rgb::Color::new(200, 200, 200).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }));
    s.draw_path(&path);
    s.set_fill(Some(Fill::default()));
    s.end_tagged();
}

/// The structure tree under construction: elements now, the drawn lines (leaves) as they are drawn.
struct Tags {
    nodes: Vec<TagNode>,
}

struct TagNode {
    tag: Option<TagKind>,
    kids: Vec<Kid>,
}

enum Kid {
    Group(usize),
    Leaf(Identifier),
}

impl Tags {
    /// The document itself.
    const ROOT: usize = 0;

    fn new() -> Tags {
        Tags {
            nodes: vec![TagNode {
                tag: None,
                kids: Vec::new(),
            }],
        }
    }

    fn add(&mut self, parent: usize, tag: impl Into<TagKind>) -> usize {
        let id = self.nodes.len();
        self.nodes.push(TagNode {
            tag: Some(tag.into()),
            kids: Vec::new(),
        });
        self.nodes[parent].kids.push(Kid::Group(id));
        id
    }

    fn leaf(&mut self, node: usize, id: Identifier) {
        self.nodes[node].kids.push(Kid::Leaf(id));
    }

    fn into_tree(mut self, lang: &str) -> TagTree {
        let mut tree = TagTree::new().with_lang(Some(lang.to_string()));
        for kid in std::mem::take(&mut self.nodes[Self::ROOT].kids) {
            tree.push(self.build(kid));
        }
        tree
    }

    fn build(&mut self, kid: Kid) -> Node {
        match kid {
            Kid::Leaf(id) => Node::Leaf(id),
            Kid::Group(n) => {
                let node = &mut self.nodes[n];
                let tag = node.tag.take().unwrap_or_else(|| Tag::Div.into());
                let kids = std::mem::take(&mut node.kids);
                let children = kids.into_iter().map(|k| self.build(k)).collect();
                Node::Group(TagGroup::with_children(tag, children))
            }
        }
    }
}

/// The two embedded fonts.
struct Faces {
    regular: Face,
    bold: Face,
}

impl Faces {
    fn load() -> anyhow::Result<Faces> {
        Ok(Faces {
            regular: Face::load(dejavu::sans::regular())?,
            bold: Face::load(dejavu::sans::bold())?,
        })
    }

    fn get(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }
}

/// A font for drawing (krilla) and for measuring (skrifa), from the same bytes.
struct Face {
    font: Font,
    charmap: skrifa::charmap::Charmap<'static>,
    metrics: skrifa::metrics::GlyphMetrics<'static>,
    units_per_em: f32,
    /// Glyph and advance (in em) of the characters below U+0300, looked up once: nearly all text.
    common: Vec<Option<(u32, f32)>>,
    /// Drawn for a character the font lacks.
    replacement: char,
}

impl Face {
    fn load(data: &'static [u8]) -> anyhow::Result<Face> {
        let font = Font::new(data.into(), 0).context("reading the embedded font")?;
        let fref =
            skrifa::FontRef::new(data).map_err(|e| anyhow!("reading the embedded font: {e}"))?;
        let mut face = Face {
            font,
            charmap: fref.charmap(),
            metrics: fref.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em: f32::from(
                fref.metrics(Size::unscaled(), LocationRef::default())
                    .units_per_em,
            ),
            common: Vec::new(),
            replacement: '?',
        };
        face.common = (0..0x300u32)
            .map(|c| char::from_u32(c).and_then(|c| face.lookup(c)))
            .collect();
        if face.glyph('\u{FFFD}').is_some() {
            face.replacement = '\u{FFFD}';
        }
        Ok(face)
    }

    fn lookup(&self, c: char) -> Option<(u32, f32)> {
        let gid = self.charmap.map(c)?;
        if gid.to_u32() == 0 {
            return None;
        }
        let advance = self.metrics.advance_width(gid).unwrap_or(0.0) / self.units_per_em;
        Some((gid.to_u32(), advance))
    }

    fn glyph(&self, c: char) -> Option<(u32, f32)> {
        match self.common.get(c as usize) {
            Some(g) => *g,
            None => self.lookup(c),
        }
    }

    fn advance(&self, c: char) -> f32 {
        self.glyph(c).map_or(0.0, |g| g.1)
    }

    /// The text as this font can draw it: tabs become spaces, other control characters go,
    /// and a character the font lacks becomes the replacement character (PDF/UA forbids the
    /// empty `.notdef` glyph).
    fn clean(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '\n' => out.push('\n'),
                '\t' => out.push(' '),
                '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}' => {}
                c if c.is_control() => {}
                c if self.glyph(c).is_some() => out.push(c),
                _ => out.push(self.replacement),
            }
        }
        out
    }

    /// Breaks cleaned text into lines no wider than `width` at `size`: at spaces where it can,
    /// inside a word too long for a line where it must, and at every newline. A line keeps its
    /// trailing space, so a reader copying the text gets words, not words run together.
    fn wrap(&self, text: &str, size: f32, width: f32, out: &mut Vec<String>) {
        let max = width / size;
        for para in text.split('\n') {
            let mut start = 0;
            let mut w = 0.0;
            // Just after the last space on the line, and the line's width up to there.
            let mut brk: Option<(usize, f32)> = None;
            for (i, c) in para.char_indices() {
                let advance = self.advance(c);
                if c == ' ' {
                    w += advance;
                    brk = Some((i + 1, w));
                    continue;
                }
                while w + advance > max && i > start {
                    match brk.take() {
                        Some((b, bw)) => {
                            out.push(para[start..b].to_string());
                            start = b;
                            w -= bw;
                        }
                        None => {
                            out.push(para[start..i].to_string());
                            start = i;
                            w = 0.0;
                        }
                    }
                }
                w += advance;
            }
            out.push(para[start..].to_string());
        }
    }

    /// Draws one line of cleaned text with its baseline starting at `at`.
    fn draw(
        &self,
        s: &mut Surface,
        at: Point,
        size: f32,
        text: &str,
        glyphs: &mut Vec<KrillaGlyph>,
    ) {
        glyphs.clear();
        for (i, c) in text.char_indices() {
            let (gid, advance) = self.glyph(c).unwrap_or((0, 0.0));
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(gid),
                advance,
                0.0,
                0.0,
                0.0,
                i..i + c.len_utf8(),
                None,
            ));
        }
        s.draw_glyphs(at, glyphs, self.font.clone(), text, size, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A receipt for RF-1140 with `owners` groups of twelve answers each; synthetic parties only.
    fn receipt(owners: usize) -> ReceiptPdf<'static> {
        let groups = (1..=owners)
            .map(|n| Group {
                heading: format!("Eier {n}"),
                rows: (1..=12)
                    .map(|k| match k {
                        1 => ("Navn".to_string(), format!("Ærlige Øystein Åsheim {n}")),
                        2 => ("Fødselsnummer".to_string(), "12837810092".to_string()),
                        3 => ("Organisasjonsnummer".to_string(), "819897522".to_string()),
                        _ => (format!("Opplysning {k}"), format!("{} kr", n * 1000 + k)),
                    })
                    .collect(),
            })
            .collect();
        ReceiptPdf {
            lang: "nb",
            title: "Kvittering for innsending",
            facts: vec![
                ("Referanse", "TS-2025-000123".to_string()),
                ("Tidspunkt", "3. mars 2025 kl. 14:05".to_string()),
                ("Skjema", "RF-1140 Tredjepartsopplysninger".to_string()),
                ("Part", "Blåbær og Søn AS (819897522)".to_string()),
                ("Innsender", "Kari Nordmann (12837810092)".to_string()),
                (
                    "SHA-256 av dokumentet",
                    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".to_string(),
                ),
            ],
            sections: vec![
                Section {
                    heading: "Om innsendingen".to_string(),
                    rows: vec![
                        ("Inntektsår".to_string(), "2024".to_string()),
                        (
                            "Kommentar".to_string(),
                            "Sendt med “hermetegn” og æøå".to_string(),
                        ),
                        ("Tomt svar".to_string(), String::new()),
                    ],
                    groups: vec![],
                },
                Section {
                    heading: "Eiere".to_string(),
                    rows: vec![],
                    groups,
                },
            ],
            footer: "Tasteskjema – Skatteetaten. Ta vare på kvitteringen.",
        }
    }

    /// The page count and the text of the given pages (1-based; all when empty).
    fn text_of(pdf: &[u8], only: &[u32]) -> (usize, String) {
        let doc = lopdf::Document::load_mem(pdf).expect("a readable PDF");
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let wanted = if only.is_empty() { &pages[..] } else { only };
        let text = doc.extract_text(wanted).expect("text out of the PDF");
        (pages.len(), text)
    }

    #[test]
    fn a_receipt_is_valid_pdf_ua_with_its_answers_in_it() {
        let pdf = render(&receipt(1)).expect("valid PDF/UA-1");
        assert!(pdf.starts_with(b"%PDF-"));
        let (pages, text) = text_of(&pdf, &[]);
        assert_eq!(pages, 1);
        for needle in [
            "Kvittering for innsending",
            "Om innsendingen",
            "Inntektsår",
            "Ærlige Øystein Åsheim 1",
            "“hermetegn” og æøå",
            "Eier 1",
            "819897522",
        ] {
            assert!(text.contains(needle), "{needle:?} not in {text}");
        }
        // A blank answer shows a dash, so its row keeps both cells.
        assert!(text.contains('–'));
    }

    #[test]
    fn the_document_carries_language_title_and_structure() {
        let pdf = render(&receipt(2)).unwrap();
        let raw = String::from_utf8_lossy(&pdf);
        assert!(raw.contains("/Lang"), "document language");
        assert!(
            raw.contains("/DisplayDocTitle true"),
            "title shown by viewers"
        );
        assert!(raw.contains("/StructTreeRoot"), "tagged");
        assert!(raw.contains("/MarkInfo"), "marked");
        assert!(raw.contains("pdfuaid"), "claims PDF/UA");
        for role in ["/H1", "/H2", "/H3", "/Table", "/TR", "/TH", "/TD"] {
            assert!(raw.contains(role), "{role} in the tag tree");
        }
    }

    #[test]
    fn many_owners_flow_over_many_pages() {
        let pdf = render(&receipt(120)).unwrap();
        let (pages, last) = {
            let doc = lopdf::Document::load_mem(&pdf).unwrap();
            let n = doc.get_pages().len() as u32;
            (n, doc.extract_text(&[n]).unwrap())
        };
        assert!(pages > 10, "{pages} pages");
        assert!(last.contains("Eier 120"), "{last}");
        assert!(
            last.contains("Tasteskjema – Skatteetaten"),
            "footer on the last page"
        );
    }

    #[test]
    fn a_heading_never_ends_a_page() {
        // Groups of varying length put headings at every height of a page.
        let mut r = receipt(0);
        r.sections[1].groups = (1..=150)
            .map(|n| Group {
                heading: format!("Eier {n}"),
                rows: (0..(n % 7 + 1))
                    .map(|k| (format!("Felt {k}"), "verdi".to_string()))
                    .collect(),
            })
            .collect();
        let faces = Faces::load().unwrap();
        let layout = layout(&r, &faces).unwrap();
        assert!(layout.pages.len() > 3);
        let is_heading = |node: usize| matches!(layout.tags.nodes[node].tag, Some(TagKind::Hn(_)));
        for (i, page) in layout.pages.iter().enumerate() {
            let last = page.iter().rev().find_map(|op| match op {
                Op::Text { node, .. } => Some(*node),
                Op::Rule { .. } => None,
            });
            let last = last.unwrap_or_else(|| panic!("page {} is empty", i + 1));
            assert!(!is_heading(last), "page {} ends with a heading", i + 1);
            for op in page {
                if let Op::Text { y, .. } = op {
                    assert!(
                        *y <= footer_top(1),
                        "text over the footer on page {}",
                        i + 1
                    );
                }
            }
        }
    }

    #[test]
    fn a_long_answer_wraps_and_flows_over_pages() {
        let long: String = "Dette er en lang kommentar om årsoppgjøret. "
            .repeat(100)
            .chars()
            .take(4000)
            .collect();
        let faces = Faces::load().unwrap();
        let lines = cell(&faces.regular, &long, VALUE_W);
        assert!(lines.len() > 50, "{} lines", lines.len());
        for line in &lines {
            let w: f32 = line
                .trim_end()
                .chars()
                .map(|c| faces.regular.advance(c))
                .sum();
            assert!(
                w * BODY_SIZE <= VALUE_W + 0.01,
                "{line:?} is {} pt",
                w * BODY_SIZE
            );
        }
        // Nothing lost: the lines put together are the answer.
        assert_eq!(lines.concat(), long.trim_end());

        let mut r = receipt(0);
        r.sections[0].rows.push(("Kommentar".to_string(), long));
        let pdf = render(&r).unwrap();
        let (pages, text) = text_of(&pdf, &[]);
        assert!(pages >= 2, "{pages} pages");
        assert!(text.contains("lang kommentar om årsoppgjøret"));
    }

    #[test]
    fn a_word_longer_than_the_column_is_broken() {
        let faces = Faces::load().unwrap();
        let word = "x".repeat(300);
        let lines = cell(&faces.regular, &word, VALUE_W);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), word);
    }

    #[test]
    fn newlines_break_lines_and_odd_characters_are_drawable() {
        let faces = Faces::load().unwrap();
        let lines = cell(
            &faces.regular,
            "første linje\r\nandre\tlinje 🦀\u{7}",
            VALUE_W,
        );
        assert_eq!(lines, vec!["første linje", "andre linje \u{FFFD}"]);
        let mut r = receipt(0);
        r.sections[0]
            .rows
            .push(("Merknad".to_string(), "krabbe 🦀 og\nny linje".to_string()));
        render(&r).expect("a character DejaVu lacks is replaced, not a PDF/UA error");
    }

    #[test]
    fn no_sections_still_gives_a_valid_pdf() {
        let mut r = receipt(0);
        r.sections.clear();
        let pdf = render(&r).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let (pages, text) = text_of(&pdf, &[]);
        assert_eq!(pages, 1);
        assert!(text.contains("Referanse"));

        r.facts.clear();
        assert!(render(&r).unwrap().starts_with(b"%PDF-"));
    }

    #[test]
    fn a_receipt_without_title_or_language_is_refused() {
        let mut r = receipt(0);
        r.title = " ";
        assert!(render(&r).is_err());
        let mut r = receipt(0);
        r.lang = "";
        assert!(render(&r).is_err());
    }

    /// Prints the time for a very large receipt; run with `--nocapture` (and `--release` for a
    /// number worth quoting). No assertion on time: machines differ.
    #[test]
    fn time_a_receipt_with_a_thousand_owners() {
        let r = receipt(1000);
        let start = std::time::Instant::now();
        let pdf = render(&r).unwrap();
        let elapsed = start.elapsed();
        let pages = lopdf::Document::load_mem(&pdf).unwrap().get_pages().len();
        println!(
            "1000 groups × 12 rows: {pages} pages, {} KiB in {elapsed:?}",
            pdf.len() / 1024
        );
        assert!(pages > 100);
    }
}

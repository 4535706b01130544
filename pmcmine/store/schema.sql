-- pmcmine corpus schema: the single source of truth for every table.
-- Applied with CREATE ... IF NOT EXISTS on every connect, so new tables appear in old corpora.
-- Every table that holds rows of an article has an `article_id` column: the writer deletes an
-- article's rows from all such tables before inserting a new version (see store/corpus.py).

CREATE TABLE IF NOT EXISTS articles (
    article_id        VARCHAR PRIMARY KEY,   -- "PMC3166277" (or doi:/sha1: when the XML has no PMC id)
    pmcid             VARCHAR,
    version           INTEGER,               -- PMC article version; NULL when the source has none
    pmid              VARCHAR,
    doi               VARCHAR,
    publisher_id      VARCHAR,
    mid               VARCHAR,               -- NIHMS id of author manuscripts (Cloud metadata)
    title             VARCHAR,
    journal           VARCHAR,
    journal_nlm_ta    VARCHAR,
    publisher         VARCHAR,
    article_type      VARCHAR,
    pub_date          DATE,
    pub_dates         MAP(VARCHAR, VARCHAR), -- "epub" -> "2011-08-02", partial dates kept as printed
    license_code      VARCHAR,               -- CC BY, CC BY-NC, CC0, PD, TDM, ... or unknown
    license_url       VARCHAR,
    is_retracted      BOOLEAN,
    is_manuscript     BOOLEAN,
    is_historical_ocr BOOLEAN,
    dialect           VARCHAR,               -- legacy | cloud | publisher
    source            VARCHAR,               -- cloud | legacy | xml (where the package came from)
    location          VARCHAR,               -- path or URL of the package
    xml_sha256        VARCHAR,
    n_figures         INTEGER,
    n_refs            INTEGER,
    warnings          VARCHAR[],
    ingested_at       TIMESTAMP
);

CREATE TABLE IF NOT EXISTS figures (
    figure_id      VARCHAR PRIMARY KEY,      -- "<article_id>/<xml id>"
    article_id     VARCHAR NOT NULL,
    ordinal        INTEGER NOT NULL,         -- document order, 1-based
    xml_id         VARCHAR,
    label          VARCHAR,                  -- "Figure 2"
    number         VARCHAR,                  -- "2", "S1": what inline references cite
    caption_title  VARCHAR,
    caption        VARCHAR,                  -- flattened; offsets of later tables index into it
    caption_markup STRUCT("start" INTEGER, "end" INTEGER, tag VARCHAR)[],
    doi            VARCHAR,
    group_id       VARCHAR,                  -- enclosing <fig-group>
    group_caption  VARCHAR,
    n_graphics     INTEGER,
    sub_article_id   VARCHAR,                -- <sub-article> holding the figure (eLife decision letter,
    sub_article_type VARCHAR                 -- author response): its id and article-type; NULL = the paper's own
);

CREATE TABLE IF NOT EXISTS figure_graphics (
    figure_id   VARCHAR NOT NULL,
    article_id  VARCHAR NOT NULL,
    ordinal     INTEGER NOT NULL,            -- 1 = the main image
    role        VARCHAR,                     -- main | alternative
    href        VARCHAR,                     -- as the XML writes it
    file_name   VARCHAR,                     -- package member it resolved to; NULL when missing
    media_path  VARCHAR,                     -- relative to the corpus media dir, when stored
    format      VARCHAR,
    width       INTEGER,
    height      INTEGER,
    byte_size   BIGINT,
    sha256      VARCHAR,
    phash       VARCHAR,                     -- 64-bit perceptual hash (imagehash.phash), hex
    source      VARCHAR,                     -- package | pdf
    error       VARCHAR,                     -- why the image is unusable, when it is
    pdf_page    INTEGER,                     -- source = pdf: 1-based page of the crop
    pdf_bbox    DOUBLE[],                    -- source = pdf: [x0, y0, x1, y1] in points, top-left origin
    PRIMARY KEY (figure_id, ordinal)
);

CREATE TABLE IF NOT EXISTS figure_refs (
    ref_id       VARCHAR PRIMARY KEY,        -- "<article_id>/ref<n>.<k>": xref n, target k
    article_id   VARCHAR NOT NULL,
    ordinal      INTEGER NOT NULL,           -- xref document order, 1-based
    rid          VARCHAR,                    -- target id as written
    figure_id    VARCHAR,                    -- NULL when rid names no figure (kept, not dropped)
    text         VARCHAR,                    -- "Fig. 2B", label words outside the <xref> included
    panels       VARCHAR[],                  -- panel labels as printed: [B, C, D]
    sentence     VARCHAR,
    ref_start    INTEGER,                    -- offsets of text in sentence
    ref_end      INTEGER,
    paragraph_id VARCHAR,
    section      VARCHAR,
    sub_article_id VARCHAR                   -- <sub-article> the reference sits in; NULL = the paper
);

-- One row per ingest attempt: the audit trail of what was read, from where, and how it went.
CREATE SEQUENCE IF NOT EXISTS ingest_log_seq;
CREATE TABLE IF NOT EXISTS ingest_log (
    log_id      BIGINT DEFAULT nextval('ingest_log_seq') PRIMARY KEY,
    run_id      VARCHAR,
    package_key VARCHAR,                     -- "PMC123.2", "PMC123", or the file name
    article_id  VARCHAR,                     -- NULL when the XML could not be parsed
    source      VARCHAR,
    location    VARCHAR,
    version     INTEGER,
    etag        VARCHAR,                     -- sha256 of the article XML
    status      VARCHAR,                     -- ok | superseded | error
    error       VARCHAR,
    n_figures   INTEGER,
    n_refs      INTEGER,
    seconds     DOUBLE,
    logged_at   TIMESTAMP
);

-- A later stage that failed for an article that was otherwise written (ingest_log says ok):
-- the parsed rows and the other stages' rows are kept. Replaced with the article's other rows,
-- so `pmcmine process` clears what it fixes.
CREATE TABLE IF NOT EXISTS stage_errors (
    article_id  VARCHAR NOT NULL,
    figure_id   VARCHAR,                     -- NULL: the stage failed for the whole article
    stage       VARCHAR NOT NULL,            -- panels | subcaptions | concepts | stages
    error       VARCHAR                      -- exception type and message (place, for a bug)
);

CREATE TABLE IF NOT EXISTS corpus_info (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

-- Harvest progress, one row per remote item (a Cloud metadata key, an oa.fcgi package, a
-- local package). Written in the same transaction as the item's article rows, so after any
-- interruption the table says exactly what is in the corpus and what is left to do.
CREATE TABLE IF NOT EXISTS harvest_state (
    source        VARCHAR NOT NULL,          -- cloud | legacy | dir
    item_key      VARCHAR NOT NULL,          -- metadata/PMC123.2.json, PMC123, or a local path
    etag          VARCHAR,                   -- what identifies this state of the item upstream
    last_modified TIMESTAMP,
    article_id    VARCHAR,
    status        VARCHAR,                   -- done | skipped | failed
    reason        VARCHAR,                   -- why skipped or failed
    filter_sig    VARCHAR,                   -- the filters a skip was decided under
    attempts      INTEGER,
    updated_at    TIMESTAMP,
    PRIMARY KEY (source, item_key)
);

-- ---- compound figures → panels (pmcmine.figures.detect, pmcmine.figures.labels) ----
-- One row per detected panel of a figure's main image. Re-running with another detector
-- version replaces the figure's rows (the writer replaces every article_id table).
CREATE TABLE IF NOT EXISTS subfigures (
    subfigure_id     VARCHAR PRIMARY KEY,     -- "<figure_id>/p<panel_ordinal>"
    figure_id        VARCHAR NOT NULL,
    article_id       VARCHAR NOT NULL,
    panel_ordinal    INTEGER NOT NULL,        -- 1-based position in the detector's output
    reading_rank     INTEGER,                 -- 1-based position in reading order
    x0 INTEGER, y0 INTEGER, x1 INTEGER, y1 INTEGER,  -- box in image pixels, x1/y1 exclusive
    score            DOUBLE,
    label_box        INTEGER[],               -- the panel label's box when found
    label            VARCHAR,                 -- what OCR read there
    label_confidence DOUBLE,
    detector         VARCHAR,                 -- name@version
    crop_sha256      VARCHAR,
    crop_path        VARCHAR                  -- relative to the media dir, with --save-crops
);

-- ---- captions → panels (pmcmine.text.subcaptions / pmcmine.text.align) ----
-- Labelled spans of a caption (pmcmine.text.subcaptions). Offsets index figures.caption.
CREATE TABLE IF NOT EXISTS subcaptions (
    subcaption_id   VARCHAR PRIMARY KEY,      -- "<figure_id>/s<ordinal>"
    figure_id       VARCHAR NOT NULL,
    article_id      VARCHAR NOT NULL,
    ordinal         INTEGER NOT NULL,         -- caption order, 1-based
    labels          VARCHAR[],                -- as printed, ranges expanded: [A, B, C]
    label_alphabet  VARCHAR,                  -- upper | lower | roman_lower | roman_upper | digit | position
    kind            VARCHAR,                  -- prefix | postfix | mention | position
    span_start      INTEGER,                  -- the raw span, label token excluded
    span_end        INTEGER,
    stem_start      INTEGER,                  -- words shared inside a sentence ("derived from F) ..., G) ...")
    stem_end        INTEGER,
    tail_start      INTEGER,                  -- words completing postfix items ("... (E), AR (F) staining")
    tail_end        INTEGER,
    preface_start   INTEGER,                  -- the caption's shared preface and trailer
    preface_end     INTEGER,
    trailer_start   INTEGER,
    trailer_end     INTEGER,
    text            VARCHAR,                  -- caption[span_start:span_end]
    self_contained  VARCHAR,                  -- preface + stem + text + tail + trailer
    confidence      DOUBLE
);

-- Panel <-> subcaption (pmcmine.text.align). One row per panel, plus one per caption label
-- no panel took (panel columns NULL, method no_panel).
CREATE TABLE IF NOT EXISTS subfigure_text (
    subfigure_id    VARCHAR,                  -- "<figure_id>/p<panel_ordinal>"; NULL: no panel
    figure_id       VARCHAR NOT NULL,
    article_id      VARCHAR NOT NULL,
    panel_ordinal   INTEGER,                  -- 1-based position in the detector's panel list
    reading_rank    INTEGER,                  -- 1-based position in reading order
    panel_label     VARCHAR,                  -- what OCR read on the panel
    label           VARCHAR,                  -- the caption label paired; NULL for whole_caption
    subcaption_ids  VARCHAR[],                -- that label's spans; [] for whole_caption
    method          VARCHAR,                  -- ocr_label | reading_order | position | whole_caption | no_panel
    confidence      DOUBLE,
    text            VARCHAR                   -- self-contained subcaption, or the whole caption
);

-- Inline reference <-> panel: one row per cited panel letter, or one for the whole figure.
CREATE TABLE IF NOT EXISTS subfigure_refs (
    ref_id          VARCHAR NOT NULL,         -- figure_refs.ref_id
    figure_id       VARCHAR NOT NULL,
    article_id      VARCHAR NOT NULL,
    subfigure_id    VARCHAR,                  -- NULL: the whole figure, or a letter no panel holds
    panel_ordinal   INTEGER,
    label           VARCHAR,                  -- the letter as cited ("B"); NULL for the whole figure
    method          VARCHAR,                  -- panel_label | no_panel | unknown_label | figure
    confidence      DOUBLE,
    sentence        VARCHAR,
    ref_start       INTEGER,                  -- offsets of the reference in sentence
    ref_end         INTEGER
);

-- ---- concepts (pmcmine.text.concepts, pmcmine.text.modality) ----
CREATE TABLE IF NOT EXISTS concepts (
    article_id  VARCHAR NOT NULL,
    concept_id  VARCHAR NOT NULL,            -- a UMLS CUI, or SOURCE:id ("MESH:D014057") without one
    cui         VARCHAR,
    name        VARCHAR,
    types       VARCHAR[],                   -- UMLS TUIs (UMLS KB) or MeSH tree numbers (open KB)
    groups      VARCHAR[],                   -- semantic groups: ANAT, DISO, PROC, CHEM, LIVB, ...
    source      VARCHAR,                     -- MESH | DOID | MONDO | PMCMINE | UMLS:<SABs>
    source_ids  VARCHAR[],                   -- "MESH:D014057", "DOID:9256", ...
    n_mentions  INTEGER,                     -- mentions of the concept in this article
    kb          VARCHAR,                     -- the KB that tagged it ("open", "umls")
    PRIMARY KEY (article_id, concept_id)
);

CREATE TABLE IF NOT EXISTS mentions (
    article_id  VARCHAR NOT NULL,
    figure_id   VARCHAR,                     -- the figure the text belongs to / cites (NULL: unresolved ref)
    text_kind   VARCHAR NOT NULL,            -- caption | subcaption | reference
    owner_id    VARCHAR NOT NULL,            -- figure_id, subfigure id, or ref_id
    "start"     INTEGER NOT NULL,            -- offsets into figures.caption / the subcaption / figure_refs.sentence
    "end"       INTEGER NOT NULL,
    text        VARCHAR,                     -- surface text
    concept_id  VARCHAR NOT NULL,
    cui         VARCHAR,
    score       DOUBLE,                      -- 1.0 exact alias; linker cosine similarity otherwise
    via         VARCHAR,                     -- alias | abbreviation | linker | model | composite
    kb          VARCHAR
);

CREATE TABLE IF NOT EXISTS modalities (
    article_id  VARCHAR NOT NULL,
    figure_id   VARCHAR NOT NULL,
    owner_kind  VARCHAR NOT NULL,            -- figure | subfigure
    owner_id    VARCHAR NOT NULL,            -- figure_id or subfigure id
    modality    VARCHAR NOT NULL,            -- CT | MRI | ultrasound | X-ray | angiography | PET/nuclear |
                                             -- endoscopy | histology/microscopy | fluorescence |
                                             -- photograph | chart/plot | diagram
    cui         VARCHAR,                     -- ROCOv2's modality CUI where there is one
    score       DOUBLE,                      -- 0.9 from a tagged concept, 0.7 from a lexical cue
    via         VARCHAR,                     -- concept | cue
    evidence    VARCHAR[]                    -- the words that gave it away
);

-- Columns added after corpora were first written: old corpora gain them on the next connect.
ALTER TABLE figures ADD COLUMN IF NOT EXISTS sub_article_id VARCHAR;
ALTER TABLE figures ADD COLUMN IF NOT EXISTS sub_article_type VARCHAR;
ALTER TABLE figure_refs ADD COLUMN IF NOT EXISTS sub_article_id VARCHAR;

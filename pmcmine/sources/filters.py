"""Which articles a harvest keeps: licence, retraction, manuscript and OA flags."""

from __future__ import annotations

from dataclasses import dataclass

# Licences that allow commercial reuse (what "--license commercial" keeps).
COMMERCIAL = frozenset({"CC BY", "CC BY-SA", "CC BY-ND", "CC0", "PD"})
KNOWN = frozenset({"CC BY", "CC BY-SA", "CC BY-ND", "CC BY-NC", "CC BY-NC-SA", "CC BY-NC-ND",
                   "CC0", "PD", "TDM", "NO-CC CODE", "unknown"})


def normalise_license(code: str | None) -> str:
    """'cc-by-nc' / 'CC BY-NC' / 'cc_by_nc' → 'CC BY-NC'; 'cc0' → 'CC0'."""
    if not code:
        return "unknown"
    c = code.strip().upper().replace("_", "-")
    if c in ("CC0", "CC-0", "CCO"):
        return "CC0"
    if c.startswith("CC-"):
        c = "CC " + c[3:]
    return c if c in KNOWN else code.strip()


def parse_license_option(value: str | None) -> frozenset[str] | None:
    """``any`` → None (keep all); ``commercial`` → CC BY/CC BY-SA/CC BY-ND/CC0/PD; else a list."""
    if value is None or value.strip().lower() in ("", "any", "all"):
        return None
    out: set[str] = set()
    for part in value.split(","):
        part = part.strip()
        if part.lower() == "commercial":
            out |= COMMERCIAL
        elif part:
            out.add(normalise_license(part))
    return frozenset(out)


@dataclass(frozen=True)
class ArticleFilter:
    licenses: frozenset[str] | None = None  # None keeps every licence
    include_manuscripts: bool = False
    include_retracted: bool = False

    def reason_to_skip(self, *, license_code: str | None, is_manuscript: bool = False,
                       is_retracted: bool = False, is_open_access: bool = True) -> str | None:
        if not is_open_access:
            return "not in the open access subset"
        if is_retracted and not self.include_retracted:
            return "retracted"
        if is_manuscript and not self.include_manuscripts:
            return "author manuscript (use --include-manuscripts)"
        lic = normalise_license(license_code)
        if self.licenses is not None and lic not in self.licenses:
            return f"licence {lic} not in {', '.join(sorted(self.licenses))}"
        return None

    def signature(self) -> str:
        """Identifies the filter, so a skip decided under other filters is reconsidered."""
        lic = ",".join(sorted(self.licenses)) if self.licenses is not None else "any"
        return f"lic={lic};ms={int(self.include_manuscripts)};retr={int(self.include_retracted)}"

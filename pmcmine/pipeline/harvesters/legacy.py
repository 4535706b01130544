"""``--source legacy``: the oa.fcgi service (a listing by date, then one tarball per article)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pmcmine.pipeline.harvesters.base import HarvestItem, HarvestOptions, HarvestOutcome, client, outcome
from pmcmine.pipeline.process import attach_images, guarded, parse_package
from pmcmine.records import PackageInfo, ParsedArticle
from pmcmine.sources.legacy import OA_ENDPOINT, OAService
from pmcmine.sources.package import Package, tar_package


class LegacySource:
    kind = "legacy"

    def candidates(self, opts: HarvestOptions) -> Iterator[HarvestItem]:
        service = OAService(client(opts), opts.endpoint or OA_ENDPOINT, opts.package_base)
        for rec in service.records(opts.since, opts.until):
            yield HarvestItem("legacy", rec.pmcid, rec.updated.isoformat() if rec.updated else rec.href,
                              rec.updated, url=rec.href, license=rec.license, retracted=rec.retracted)

    def fetch(self, item: HarvestItem, opts: HarvestOptions, media: Path | None) -> HarvestOutcome:
        reason = opts.filter.reason_to_skip(license_code=item.license, is_retracted=item.retracted)
        if reason:
            return HarvestOutcome(item, "skipped", reason=reason)
        info = PackageInfo(key=item.key, source="legacy", location=item.url or item.key)
        data = client(opts).get_bytes(item.url)

        def work() -> tuple[ParsedArticle, bytes, Package]:
            pkg = tar_package(data, info)
            article, xml = parse_package(pkg)
            attach_images(article, pkg, media)
            return article, xml, pkg

        return outcome(item, guarded(info, work, opts.stages), len(data))

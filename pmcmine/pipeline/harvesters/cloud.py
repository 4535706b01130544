"""``--source cloud``: the PMC Cloud bucket (metadata JSON per article version, then its XML
and only the images its figures use, md5-checked)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path

from pmcmine.pipeline.harvesters.base import (HarvestItem, HarvestOptions, HarvestOutcome, client,
                                              outcome, package_key)
from pmcmine.pipeline.process import attach_images, guarded, parse_package
from pmcmine.records import PackageInfo, ParsedArticle
from pmcmine.sources.cloud import DEFAULT_ENDPOINT, CloudBucket, parse_s3_url
from pmcmine.sources.package import Package


class CloudSource:
    kind = "cloud"

    def candidates(self, opts: HarvestOptions) -> Iterator[HarvestItem]:
        bucket = CloudBucket(client(opts), opts.endpoint or DEFAULT_ENDPOINT)
        for obj in bucket.metadata_objects(use_inventory=opts.use_inventory):
            yield HarvestItem("cloud", obj.key, obj.etag, obj.last_modified)

    def fetch(self, item: HarvestItem, opts: HarvestOptions, media: Path | None) -> HarvestOutcome:
        bucket = CloudBucket(client(opts), opts.endpoint or DEFAULT_ENDPOINT)
        md = bucket.get_json(item.key)
        reason = opts.filter.reason_to_skip(
            license_code=md.get("license_code"), is_manuscript=bool(md.get("is_manuscript")),
            is_retracted=bool(md.get("is_retracted")),
            is_open_access=bool(md.get("is_pmc_openaccess", True)))
        if reason:
            return HarvestOutcome(item, "skipped", reason=reason)
        key = package_key(item)
        info = PackageInfo(key=key, source="cloud", location=bucket.url(key + "/"),
                           version=int(md["version"]) if md.get("version") else None, metadata=md)
        nbytes = 0

        def work() -> tuple[ParsedArticle, bytes, Package]:
            nonlocal nbytes
            xml_key, xml_md5 = parse_s3_url(md["xml_url"])
            xml = bucket.get(xml_key, xml_md5)
            nbytes += len(xml)
            media_urls = {posixpath.basename(k): (k, m) for k, m in map(parse_s3_url, md.get("media_urls") or [])}
            xml_name = posixpath.basename(xml_key)
            pkg = Package(info=info, xml_name=xml_name, _blobs={xml_name: xml})
            article, _ = parse_package(pkg, names=[xml_name, *media_urls])
            # Only the images the figures use: supplements and thumbnails stay upstream.
            for fig in article.figures:
                for g in fig.graphics:
                    if g.file_name in media_urls and g.file_name not in pkg.names():
                        data = bucket.get(*media_urls[g.file_name])
                        nbytes += len(data)
                        pkg.add(g.file_name, data)
            attach_images(article, pkg, media)
            return article, xml, pkg

        return outcome(item, guarded(info, work, opts.stages), nbytes)

"""Harvest sources, one module each, chosen by name (``--source cloud|legacy|<folder>``).

* ``base.py``: what a source is (:class:`~pmcmine.pipeline.harvesters.base.HarvestSource`)
  and the items/outcomes/options it deals in.
* ``registry.py``: name → source (:func:`register_source`, :func:`source_for`).
* ``cloud.py``, ``legacy.py``, ``local.py``: the sources pmcmine ships.

A new source is one module with a class satisfying ``HarvestSource`` plus one
``register_source("name", "module:Class")``; ``pmcmine.pipeline.harvest`` plans, runs and
records it like the others.
"""

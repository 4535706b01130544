"""Harvest sources, one module each, chosen by name (``--source cloud|legacy|<folder>``).

* ``base.py``: the items/outcomes/options a source deals in.
* ``registry.py``: what a source is (``HarvestSource``) and name → source
  (``register_source``, ``source_for``).
* ``cloud.py``, ``legacy.py``, ``local.py``: the sources pmcmine ships.

A new source is one module with a class satisfying ``HarvestSource`` plus one
``register_source("name", "module:Class")``; ``pmcmine.pipeline.harvest`` plans, runs and
records it like the others.
"""

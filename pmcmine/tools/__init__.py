"""Training and evaluation tooling, outside the runtime path: nothing in ``pipeline/`` (or
any package below it) imports this package.

* ``synth.py``: synthetic figures with panel/label boxes (the detector's training data).
* ``evaluate.py``: detector scores (mAP50, ImageCLEF accuracy) on real or synthetic sets.
* ``pair_eval.py``: subfigure ↔ subcaption pairing benchmark on annotated real figures.
* ``pdf_compare.py``: how close a crop rendered from the PDF is to the package's image.
* ``train.py``: train a YOLO detector and export it to ONNX (needs the ``[train]`` extra).
"""

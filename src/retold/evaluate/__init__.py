"""Measuring retold the way the field does.

* :mod:`~retold.evaluate.pan` — PAN text-alignment XML (truth and detections);
* :mod:`~retold.evaluate.plagdet` — macro precision/recall, granularity, plagdet, case level;
* :mod:`~retold.evaluate.detect` — ``retold pan detect``: run the detector over a pairs file;
* :mod:`~retold.evaluate.pairs` — pair-level metrics on labelled pairs, with a threshold sweep;
* :mod:`~retold.evaluate.msrp` — sentence paraphrase detection on MSRP (features + logistic regression).
"""

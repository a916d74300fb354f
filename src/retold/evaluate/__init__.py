"""Measuring retold the way the field does.

* :mod:`~retold.report.pan_format` — PAN text-alignment XML (truth and detections; under report/ so synth/ can write it);
* :mod:`~retold.evaluate.plagdet` — macro precision/recall, granularity, plagdet, case level;
* :mod:`~retold.evaluate.detect` — ``retold pan detect``: run the detector over a pairs file;
* :mod:`~retold.evaluate.pairs` — pair-level metrics on labelled pairs, with a threshold sweep;
* :mod:`~retold.evaluate.msrp` — sentence paraphrase detection on MSRP (features + logistic regression).
"""

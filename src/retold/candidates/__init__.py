"""Candidate pairs: the kernels that decide which document pairs are worth comparing.

:mod:`retold.candidates.fingerprint` shingles, MinHash signatures and winnowed fingerprints;
:mod:`retold.candidates.lsh` LSH banding and the pairs that share a band. Pure: arrays and strings
in, pairs out; the store, the batch engines and the service call them.
"""

from __future__ import annotations

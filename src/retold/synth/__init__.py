"""Test data that retold makes itself, kept apart from the library's core.

* :mod:`retold.synth.copies`: rewritten copies of articles with exact passage gold (``retold synth``);
* :mod:`retold.synth.text`: the rewriting operations (spin, split/join, summarise…);
* :mod:`retold.synth.wordnet`: the WordNet thesaurus the spinner draws on;
* :mod:`retold.synth.io`: reading articles and writing sets;
* :mod:`retold.synth.corpus`: large planted-copy corpora for the batch and scale benches.
"""

from __future__ import annotations

from retold.synth.copies import Article, Case, Derived, SynthPair, SynthSet, derive, generate

__all__ = ["Article", "Case", "Derived", "SynthPair", "SynthSet", "derive", "generate"]

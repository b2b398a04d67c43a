"""Code suggestions: spaCy patterns and a local classifier propose codes for sentences; people decide.

- :mod:`.patterns` — the shape of ``Code.patterns`` and its validation (spaCy's own).
- :mod:`.engine` — the pipeline and the matcher: text + turns -> where each code's patterns matched.
- :mod:`.gate` — which sentences each token pattern is worth running in, for a batch at once.
- :mod:`.walk` — token patterns of word sets and gaps followed in those sentences, for a batch at once.
- :mod:`.rules` — the passage rules: matches -> one hit per (sentence, code); no spaCy.
- :mod:`.weigher` — a trained linear model per code that decides near each code's matches;
  :mod:`.weights` fits it.
- :mod:`.files` — suggestions for transcript files read directly (the CLI's ``suggest PATH``).
- :mod:`.store` — stored suggestions, refreshed incrementally; accept, reject, bulk-accept.
- :mod:`.review` — what the review queue and the reader show of each suggestion.
- :mod:`.quality` — precision / recall / F1 per code against a coder's finished transcripts.
- :mod:`.mining` — candidate words and phrases learnt from a coder's codings.
- :mod:`.classifier` — an optional spaCy ``textcat_multilabel`` model as a second source.

Nothing here imports spaCy at module import time except the engine and classifier, so the codebook
can check patterns without paying for a pipeline.
"""

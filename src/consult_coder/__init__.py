"""consult-coder: code consultation transcripts offline, measure agreement, export themes.

The domain core lives in this package and never imports Streamlit; the web pages (``ui/``) and the
command line (``cli.py``) are thin layers over it. Reading order for a newcomer:

    importers/ → ingest.py → storage.py / model.py → codebook.py → coding.py → analysis/ → export/
"""

__version__ = "0.1.0"

"""Streamlit entry point: ``streamlit run app.py``."""

from consult_coder.ui.app import main

main()

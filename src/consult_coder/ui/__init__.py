"""The Streamlit web layer. Pages are thin: they call the domain core and draw the result."""

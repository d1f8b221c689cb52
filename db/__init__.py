"""Database layer: models, engine/session helpers, migrations, reference and demo data.

Nothing in this package imports Streamlit.
"""

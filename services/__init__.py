"""The domain: one module per area. No Streamlit import anywhere in this package."""

"""Reusable UI pieces. They know no domain table: pages hand them declarations and data."""

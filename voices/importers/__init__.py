"""Bulk imports of voices and meeting remarks from CSV and XLSX files, through ``voices.intake``."""

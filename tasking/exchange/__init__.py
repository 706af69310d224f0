"""The files people already use: Excel, CSV and Word exports and imports of a
plan, and a personal calendar feed of due dates."""

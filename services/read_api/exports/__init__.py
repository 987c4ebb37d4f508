"""Exports of the read API: the registrations, the standings and the award proposals as spreadsheets.

`tables.py` turns what the JSON routes answer into Vietnamese tables (pure); `formats.py` writes a table as XLSX or
CSV. The routes (`services/read_api/routes/exports.py`) read the same views and decide access with the same helpers
as the JSON routes, so a spreadsheet never shows what the caller's JSON would not.
"""

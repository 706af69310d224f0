"""The files people already use: Excel, CSV and Word exports and imports of a
plan, and a personal calendar feed of due dates.

Routes (``routes.py``):

- ``GET /plans/<id>/export.xlsx|.csv|.docx`` — anyone who may read the plan.
  The workbook has one sheet per theme laid out as the ASCQ template
  (protected, read-only), plus the « Tâches » sheet (one row per action; the
  only one that imports back, and the one the workbook opens on); every sheet
  prints landscape at the page's width with its header row repeated. The CSV
  is that sheet, UTF-8 with a byte-order mark and ``;`` between fields, as a
  French-Canadian Excel opens it. The Word document follows the template's
  tables with each action's status in brackets, its owner and latest comment
  under it, « État au » and page numbers in the footer.
- ``GET|POST /plans/<id>/import`` then ``POST …/import/<token>/confirm`` — the
  organisation's admins: a preview of what an xlsx/csv would create and
  change, then one transaction through the task services (history lines).
- ``GET|POST /orgs/<id>/plans/import-docx`` then ``…/<token>/confirm`` — a
  filled ASCQ template in Word becomes a new plan.
- ``GET /calendar/<token>.ics`` — no sign-in, the token is the secret;
  ``POST /account/calendar`` creates, regenerates or revokes it.

Choices: the uploaded file waits for its confirmation in the database
(``PendingImport``), so any worker on any host can confirm it; an import
never deletes; a row whose task changed in the application since the export
is merged (``merge.py``): refused, and shown beside the application's values,
only when both changed the same field, while the other rows apply; done
tasks leave the calendar feed. Progress of a
large import: an upload bar and a busy indicator (htmx), then the preview
counts the rows; the confirmation runs in one request, because it must be one
transaction and the app starts no threads from requests.
"""

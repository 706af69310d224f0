"""Plans, one capability: the plan as people read it (the list, the plan
page), the ASCQ template as data and its import, and the plan editor where
admins add, edit, reorder and archive themes, operational objectives,
actions and targets.

- ``routes.py``: the list, the plan page, a new plan from the template;
- ``editor.py``: the editor's pages (blueprint ``planning``, templates in
  ``templates/planning/``), over ``editing.py`` (its services) and ``forms.py``;
- ``services.py``: reading a plan laid out as the template;
- ``template.py``, ``cli.py``: the template's import, from a page or the command line.
"""

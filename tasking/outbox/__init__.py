"""The durable e-mail outbox: queuing messages (``queue.py``, one by one or
in bulk), delivering them (``sender.py``, ``cli.py``), and the admins' pages
(``routes.py`` over ``admin.py``, templates in ``templates/outbox/``)."""

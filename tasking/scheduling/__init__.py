"""Reminders, weekly digests and the scheduler that runs them.

Every job is a service taking ``(session, now)`` that queues what is due at
that instant and can run any number of times: what was already done is
recorded with a unique key and never done again. The CLI (`notify …`) and
the scheduler process (`scheduler run`) are thin callers of the same jobs.
"""

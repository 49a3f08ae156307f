"""Workflows: e-mails and webhooks that run at a booking's changes or around its time.

``definitions`` keeps the workflows, ``templates`` checks and renders their e-mails,
``planning`` writes the runs a booking or a workflow change calls for, and ``runs``
executes a due run once. Callers import the module they need: ``planning`` is imported by
the booking events, so it depends on nothing but the models and the work queue.
"""

"""Business rules that hold whatever the store's backend, written once.

Each service takes a ``gislib.store.Store`` and uses only its interface (``gislib/store/base.py``); a change
made of several writes runs inside ``store.transaction()`` so it is applied whole or not at all.

* ``workflow``: the outfall's 查→测→溯→治→管 workflow (allowed moves, what each step needs, overdue);
* ``remediation``: the remediation-kind rule of outfalls (整治中 needs a 整治方式; what a workflow
  step writes into the record: kind, closing date, withdrawal reason);
* ``merges``: how an edit merges into a stored record (nested groups one level deep, a new code
  keeps the old one in ``former_codes``, moving a point drops the polygon and back);
* ``plot_listing``: a contaminated plot's workflow step with its 名录 batch and evidence, as ONE
  transaction;
* ``catalog``: the records as map-ready frames, cached on the store's revision;
* ``access``: every read and write checked against the logged-in user's role and jurisdiction (issue 16).
"""

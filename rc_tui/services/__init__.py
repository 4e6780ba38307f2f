"""The service layer: the only path between screens/CLI and the stored data.

Screens and the CLI call these functions; they validate input with the domain rules,
decide access, and use ``storage`` for persistence (which writes the access log).

Where things live:

* ``base`` – ``Service``: one transaction per call, ``require(capability)``,
  ``require_person(level)``, ``audited`` (transaction + access check + access-log entry),
  ``versioned`` (optimistic locking), logging;
* ``access`` – the need-to-know levels per person and the capability table per role;
* ``errors`` – the errors a service raises;
* one module or package per area: ``people``, ``cases`` (intake, members, assignment),
  ``records`` (journal, consent, child reports), ``assessments``, ``risk``, ``casework/``
  (investigations, decisions, plans, follow-up, closing), ``shelter/`` (places, board,
  admission, departures, turned-away register, shift log), ``samrad/`` (meetings,
  minutes, coordination), ``search``, ``drafts``, ``documents`` (with ``pdf`` and
  ``exports``), ``home`` (the due list),
  ``logreview``, ``settings`` and ``accounts`` (login, passphrases).
"""

"""Case tracking: the event store (:mod:`jknrules.track.store`), the monitor on
durable-rules (:mod:`jknrules.track.monitor`, the only module importing ``durable``), and
the monthly recap and report (:mod:`jknrules.track.recap`).

Needs the ``track`` extra (``pip install 'jknrules[track]'``) for the monitor, PostgreSQL,
the XLSX recap and the chart; the SQLite store needs nothing beyond the standard library.
"""

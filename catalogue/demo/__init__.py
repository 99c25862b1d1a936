"""Demo content of the ALLyS programme: themes, partners, trainers, course sheets.

Only catalogue content lives here (pages and snippets). The schedule part of
the demo (venues and sessions) is in ``courses.demo``, which imports this
package, never the other way round. The ``seed_demo`` command lives in
``courses`` for the same reason.
"""

"""The engine: compiled types (``ir``), the compiler, conditions, the calendar, the
evaluator and its deadlines."""

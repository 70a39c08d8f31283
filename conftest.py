"""Doctest set-up: import the package's modules under their own names before pytest collects
them, so ``--import-mode=importlib`` reuses those module objects instead of executing a file a
second time (a second copy of, say, the rule classes would not be the ones the kernels know)."""

import deterrence.model  # noqa: F401  (imports the rules, kernels and the targeting model)

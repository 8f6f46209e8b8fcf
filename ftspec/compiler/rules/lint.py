"""Moved to `ftspec.lint.rules` (issue 12): the linter's own rules live in the linter.

Kept only because ftspec/migrate/engine.py imports `check_v2_style` from here; once that import
reads `from ftspec.lint.rules import check_v2_style`, delete this module.
"""

from ftspec.lint.rules import check_v2_style

__all__ = ["check_v2_style"]

"""`python -m mock_portal`: the same as `koss-mock-portal` (mock_portal.cli)."""

from __future__ import annotations

from mock_portal.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

"""A stateful mock of the K-OSS 利用者情報マイページ screens, with a control API for tests.

Start it with `koss-mock-portal` (or `python -m mock_portal`); build it in code with
`mock_portal.app.create_app`; run it in a test thread with `mock_portal.testing.serve_in_thread`.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"

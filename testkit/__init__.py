"""What the tests, scripts/ and bench/ share to run koss-rpa against the mock portal.

Not tests, and not shipped: the catalogues of the reliability campaign (`faultmatrix`, `crash`,
`badinputs`), which the tests assert case by case and scripts/reliability_report.py counts into
docs/reliability.md; the leak scanner (`leaks`); a JSON-file keyring for koss-rpa run as a
process (`filekeyring`); one Chromium shared by in-process runs (`sharedbrowser`); and a config
file written from values (`config`). Nothing here imports `tests`.
"""

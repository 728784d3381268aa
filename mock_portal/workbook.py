"""まとめ納付管理ファイル_軽自動車OSS用.xlsm: a real, byte-for-byte repeatable workbook."""

from __future__ import annotations

import hashlib
import io
import random
import zipfile
from datetime import date, datetime, timedelta

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.xml.functions import tostring

from mock_portal.accounts import Account

FILE_NAME = "まとめ納付管理ファイル_軽自動車OSS用.xlsm"  # the name the manual saves it under
ASCII_FILE_NAME = "matome_nofu_kanri_file.xlsm"
MEDIA_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.12"

_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_XLSM_MAIN = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_HEADERS = ("申請番号", "申請日", "税目", "金額", "納付状況")
# Invented but plausible: what a dealer pays per 軽自動車 procedure.
_ITEMS = (
    ("軽自動車税（種別割）", (3_900, 5_000, 6_900, 10_800)),
    ("軽自動車税（環境性能割）", (0, 2_600, 5_300, 10_600)),
    ("自動車重量税", (3_300, 5_000, 6_600)),
    ("検査手数料", (1_400, 1_800)),
)
_STATES = ("未納付", "納付済", "納付手続中")


def _rows(account: Account, day: date) -> list[tuple[str, datetime, str, int, str]]:
    seed = hashlib.sha256(f"{account.user_id}|{day.isoformat()}".encode()).digest()
    rng = random.Random(seed)
    rows = []
    for number in range(rng.randint(4, 9)):
        applied = datetime.combine(day - timedelta(days=rng.randint(0, 20)), datetime.min.time())
        item, amounts = rng.choice(_ITEMS)
        serial = f"{applied:%Y%m%d}{account.user_id[2:4]}{number + 1:04d}"
        rows.append((serial, applied, item, rng.choice(amounts), rng.choice(_STATES)))
    return sorted(rows, key=lambda row: (row[1], row[0]))


def build_workbook(account: Account, now: datetime) -> bytes:
    """The file for `account` on the mock day of `now`; the same inputs give the same bytes."""
    day = now.date()
    stamp = datetime.combine(day, datetime.min.time())
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new Workbook always has one sheet
    sheet.title = "まとめ納付管理"
    bold = Font(bold=True)
    sheet.append(["まとめ納付管理ファイル（軽自動車OSS用）"])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in (
        ("納付利用者ID", account.user_id),
        ("一括利用者ID", account.bulk_user_id),
        ("氏名", account.name),
        ("作成日", stamp),
    ):
        sheet.append([label, value])
        sheet.cell(sheet.max_row, 1).font = bold
    sheet.append([])
    sheet.append(list(_HEADERS))
    fill = PatternFill("solid", fgColor="DDE7F3")
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = bold, fill
    for row in _rows(account, day):
        sheet.append(list(row))
        sheet.cell(sheet.max_row, 2).number_format = "yyyy/mm/dd"
        sheet.cell(sheet.max_row, 4).number_format = "#,##0"
    sheet["B5"].number_format = "yyyy/mm/dd"
    for column, width in zip("ABCDE", (22, 14, 26, 12, 12), strict=True):
        sheet.column_dimensions[column].width = width
    workbook.properties.creator = "軽自動車OSS"
    workbook.properties.title = "まとめ納付管理ファイル"
    workbook.properties.created = stamp
    raw = io.BytesIO()
    workbook.save(raw)
    # openpyxl stamps `modified` with the wall clock at save time: write core.xml again.
    workbook.properties.modified = stamp
    core = tostring(workbook.properties.to_tree())
    return _repack(raw.getvalue(), core, stamp)


def _repack(data: bytes, core_xml: bytes, stamp: datetime) -> bytes:
    """Fixed entry dates, the real core properties, and the macro-enabled content type."""
    out = io.BytesIO()
    date_time = (stamp.year, stamp.month, stamp.day, 0, 0, 0)
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "[Content_Types].xml":
                content = content.replace(_XLSX_MAIN, _XLSM_MAIN)
            elif entry.filename == "docProps/core.xml":
                content = core_xml
            info = zipfile.ZipInfo(entry.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, content)
    return out.getvalue()

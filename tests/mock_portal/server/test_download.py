"""まとめ納付管理ファイル: name, type, repeatable bytes, and a workbook openpyxl can read."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timedelta
from urllib.parse import unquote

import httpx
import openpyxl

from mock_portal.testing import ControlClient
from tests.mock_portal.server.support import KNOWN_ID, KNOWN_PASSWORD, login

FILE_NAME = "まとめ納付管理ファイル_軽自動車OSS用.xlsm"


def download(
    http: httpx.Client, user_id: str = KNOWN_ID, password: str = KNOWN_PASSWORD
) -> httpx.Response:
    login(http, user_id, password)
    return http.get("/mypage/download")


def file_name_of(response: httpx.Response) -> str:
    """The RFC 5987 `filename*` of an attachment, decoded."""
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    found = re.search(r"filename\*=UTF-8''([^;\s]+)", disposition)
    assert found is not None, disposition
    return unquote(found.group(1), encoding="utf-8", errors="strict")


def test_download_should_be_named_as_in_the_manual(http: httpx.Client) -> None:
    response = download(http)
    assert response.status_code == 200
    assert file_name_of(response) == FILE_NAME
    assert 'filename="matome_nofu_kanri_file.xlsm"' in response.headers["content-disposition"]
    assert response.headers["content-type"] == "application/vnd.ms-excel.sheet.macroEnabled.12"
    assert int(response.headers["content-length"]) == len(response.content)


def test_download_should_open_with_openpyxl_and_carry_the_ids(http: httpx.Client) -> None:
    body = download(http).content
    workbook = openpyxl.load_workbook(io.BytesIO(body), keep_vba=True)
    # keep_vba copies parts into an in-memory ZipFile that, left to the garbage collector,
    # may be finalised after its buffer and raise an "unraisable" error in a later test.
    assert workbook.vba_archive is not None
    workbook.vba_archive.close()
    sheet = workbook.active
    assert sheet is not None
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert {"KNAB1234", "KIAB1234", "軽自 太郎", "申請番号", "税目", "納付状況"} <= set(values)
    header_row = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "申請番号")
    assert header_row == ("申請番号", "申請日", "税目", "金額", "納付状況")


def test_download_should_be_a_macro_enabled_package(http: httpx.Client) -> None:
    with zipfile.ZipFile(io.BytesIO(download(http).content)) as package:
        types = package.read("[Content_Types].xml").decode()
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert "spreadsheetml.sheet.main+xml" not in types


def test_download_should_repeat_byte_for_byte_on_the_same_mock_day(
    http: httpx.Client, portal: ControlClient, frozen: datetime
) -> None:
    first = download(http).content
    portal.advance_clock(seconds=14 * 3600)
    second = download(http).content
    assert first == second
    portal.advance_clock(days=1)
    assert download(http).content != first


def test_download_should_differ_per_account(http: httpx.Client, frozen: datetime) -> None:
    mine = download(http).content
    other = httpx.Client(base_url=str(http.base_url))
    with other:
        theirs = download(other, "KNCA6288", "Minato2023")
        assert theirs.headers["location"] == "/mypage/password/expired"
    assert mine != theirs.content


def test_download_should_date_the_workbook_by_the_mock_clock(
    http: httpx.Client, portal: ControlClient, frozen: datetime
) -> None:
    body = download(http).content
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    assert workbook.properties.created == datetime(2024, 4, 1)
    assert workbook.properties.modified == datetime(2024, 4, 1)
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        assert {info.date_time for info in package.infolist()} == {(2024, 4, 1, 0, 0, 0)}
    sheet = workbook.active
    assert sheet is not None
    assert sheet["B5"].value == frozen.replace(hour=0, tzinfo=None) - timedelta(0)


def test_download_should_need_a_session(http: httpx.Client) -> None:
    response = http.get("/mypage/download")
    assert response.status_code == 303
    assert response.headers["location"] == "/mypage/login"

"""koss-rpa: fetches the まとめ納付管理ファイル from the 軽自動車OSS 利用者情報マイページ."""

__version__ = "0.1.0"

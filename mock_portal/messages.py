"""Text shown on the screens.

Texts marked MANUAL are quoted from the manual; everything else is invented (the manual shows
no error message, notice, maintenance page or パスワード初期化 form) and listed in
docs/mock-portal.md, "Invented wording".
"""

from __future__ import annotations

SERVICE_NAME = "軽自動車保有関係手続のワンストップサービス"  # MANUAL
COPYRIGHT = (
    "Copyright© 2019, Light Motor Vehicle Inspection Organization. All rights reserved."  # MANUAL
)
LOGIN_GUIDE = (
    "納付利用者IDと納付利用者パスワードを入力し、「ログイン」ボタンを押してください。"  # MANUAL
)
PASSWORD_GUIDE = "パスワードを変更してください。"  # MANUAL
PASSWORD_CHANGED = "納付利用者パスワードは正常に変更されました。"  # MANUAL

# --- invented -------------------------------------------------------------------------------
LOGIN_WRONG = "納付利用者IDまたは納付利用者パスワードが正しくありません。"
LOCKED = "納付利用者IDがロックされています。パスワード初期化を行ってください。"
ID_REQUIRED = "納付利用者IDを入力してください。"
PASSWORD_REQUIRED = "納付利用者パスワードを入力してください。"
ID_FORMAT = "納付利用者IDは半角英数字8文字（例：KNAB1234）で入力してください。"
TOO_LONG = "{label}は{limit}文字以内で入力してください。"
SESSION_TIMEOUT = "一定時間操作がなかったため、ログアウトしました。"
EXPIRED_NOTICE = (
    "納付利用者パスワードの有効期限が切れています。新しいパスワードを設定してください。"
)
TEMPORARY_NOTICE = "仮パスワードでログインしました。新しいパスワードを設定してください。"
CHANGE_REQUIRED = "{label}を入力してください。"
CHANGE_WRONG = "納付利用者IDまたは現在のパスワードが正しくありません。"
RESET_GUIDE = "納付利用者IDと利用者管理用メールアドレスを入力し、「初期化」ボタンを押してください。"
RESET_SENT = "仮パスワードを利用者管理用メールアドレスに送信しました。"
RESET_WRONG = "納付利用者IDまたは利用者管理用メールアドレスが正しくありません。"
EMAIL_REQUIRED = "利用者管理用メールアドレスを入力してください。"
CLOSE_WINDOW = "このウィンドウを閉じてください。"
MAINTENANCE_TITLE = "ただいまメンテナンス中です"
MAINTENANCE_TEXT = (
    "現在、システムメンテナンスのためサービスを停止しております。"
    "ご迷惑をおかけしますが、しばらく時間をおいてから再度アクセスしてください。"
)
SYSTEM_ERROR_TITLE = "システムエラー"
SYSTEM_ERROR_TEXT = "システムエラーが発生しました。しばらく時間をおいてから再度お試しください。"
NOT_FOUND_TITLE = "ページが見つかりません"
NOT_FOUND_TEXT = "お探しのページは見つかりませんでした。"
BAD_REQUEST_TEXT = "入力内容に誤りがあります。最初からやり直してください。"
PLACEHOLDER_TEXT = "この画面は模擬ポータルでは提供していません。"

#: Messages whose wording `MockConfig.messages` may override (tests of a robot's robustness to
#: wording it has never seen), with their default texts. `password_refused` replaces the text
#: of every reason a new password is refused for (mock_portal.password_rules.REJECTION_MESSAGES).
OVERRIDABLE: dict[str, str] = {
    "login_wrong": LOGIN_WRONG,
    "locked": LOCKED,
    "change_wrong": CHANGE_WRONG,
    "password_refused": "",
    "expired_notice": EXPIRED_NOTICE,
    "temporary_notice": TEMPORARY_NOTICE,
    "session_timeout": SESSION_TIMEOUT,
}

# --- the dialogs variant (invented) ---------------------------------------------------------
LOGIN_CONFIRM = "ログインします。よろしいですか？"
CHANGE_CONFIRM = "パスワードを変更します。よろしいですか？"
CLOSE_CONFIRM = "マイページを終了します。よろしいですか？"
ARRIVAL_NOTICE = (
    "【お知らせ】12月20日（日）0時～6時はシステムメンテナンスのため、ご利用いただけません。"
)
NEWSLETTER_CONFIRM = "メールマガジンを購読しますか？"
SURVEY_PROMPT = "アンケートにご協力ください。ご意見をどうぞ。"

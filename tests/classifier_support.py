"""Shared by the classifier tests: voices about a word the corpus never uses, and an application-shaped
SQLite database the classifier reads staff labels and the organization from."""
import sqlite3

NEW_WORD_VOICES = [
    "ミラポンはどこで使えますか",
    "ミラポンの残高が確認できない",
    "ミラポンの有効期限を延ばしてほしい",
    "ミラポンを貯めたのに交換先が少ない",
    "ミラポンのアプリが開かない",
    "ミラポンをもっと配ってほしい",
    "ミラポンの交換ができる窓口はどこですか",
    "ミラポンの申し込み方法を教えて",
    "ミラポンってなに？",
    "ミラポンの制度は続けてほしい",
]



def staff_database(path, sections, voices):
    """An SQLite file with the application's tables as the classifier reads them (plain SQL).

    `sections`: (id, name, classifier_label, 部, active, successor_id); `voices`: (body, section_id,
    voice_type, section_confirmed)."""
    with sqlite3.connect(path) as db:
        db.executescript("""
            CREATE TABLE departments (id INTEGER PRIMARY KEY, name TEXT UNIQUE);
            CREATE TABLE sections (id INTEGER PRIMARY KEY, name TEXT, classifier_label TEXT, department_id INTEGER,
                                   active BOOLEAN, successor_id INTEGER, description TEXT DEFAULT '');
            CREATE TABLE voices (id INTEGER PRIMARY KEY, body TEXT, section_id INTEGER, voice_type TEXT,
                                 section_confirmed BOOLEAN);
            CREATE TABLE voice_measures (voice_id INTEGER, measure_code TEXT, source TEXT);
        """)
        for bu in dict.fromkeys(row[3] for row in sections):
            db.execute("INSERT INTO departments (name) VALUES (?)", (bu,))
        db.executemany(
            "INSERT INTO sections (id, name, classifier_label, department_id, active, successor_id) "
            "SELECT ?, ?, ?, d.id, ?, ? FROM departments d WHERE d.name = ?",
            [(sid, name, label, active, successor, bu) for sid, name, label, bu, active, successor in sections])
        db.executemany("INSERT INTO voices (body, section_id, voice_type, section_confirmed) VALUES (?,?,?,?)", voices)
    return f"sqlite:///{path}"

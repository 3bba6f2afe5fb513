"""The hand-editable dictionaries: format, parsing as data, edits and backups."""
import pytest

from dataset_tools.common import KitError
from dataset_tools.dicts import format_dict, is_edited, load_dict, write_dict

ENTRIES = [("Вася", "я", 41, "— Иду, — ответил Вася."), ("Васе", "мне", 7, "— Дай Васе хлеба, — сказала мать.")]


def test_format_is_one_entry_per_line_with_comment(tmp_path):
    text = format_dict("me", ENTRIES)
    assert '    "Вася": "я",' in text and "# 41×" in text and "— Иду, — ответил Вася." in text
    write_dict(tmp_path, "me", ENTRIES)
    assert load_dict(tmp_path / "dict_me.py") == {"Вася": "я", "Васе": "мне"}


def test_never_executed(tmp_path):
    f = tmp_path / "dict_me.py"
    f.write_text('import os\nos.system("touch pwned")\nDICT = {"Вася": "я"}\n', encoding="utf-8")
    assert load_dict(f) == {"Вася": "я"}
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("body,line", [
    ('DICT = {\n    "Вася": "я",\n    "Васе" "мне",\n}\n', 3),
    ('DICT = {\n    "Вася": я,\n}\n', 2),
    ('DICT = {\n    "Вася": "я",\n', 1),
])
def test_broken_file_names_file_and_line(tmp_path, body, line):
    f = tmp_path / "dict_me.py"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(KitError) as e:
        load_dict(f)
    assert str(e.value).startswith(f"{f}:")


def test_edit_detection_and_backup(tmp_path):
    write_dict(tmp_path, "me", ENTRIES)
    f = tmp_path / "dict_me.py"
    assert not is_edited(f)
    assert write_dict(tmp_path, "me", ENTRIES) is None  # unedited: no backup
    f.write_text(f.read_text(encoding="utf-8").replace('"Васе": "мне",', ""), encoding="utf-8")
    assert is_edited(f)
    backup = write_dict(tmp_path, "me", ENTRIES)
    assert backup and '"Васе"' not in backup.read_text(encoding="utf-8")

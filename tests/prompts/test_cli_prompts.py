"""`sce prompts status | synth | import | export`, run as a user would in a project of their own
(a pyproject.toml, flows/ and prompts/ in tmp_path), with real espeak-ng speech, real uploads
through the real converter, and real zips."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.cli import run, write
from tests.prompts.sounds import encode, read_wav, silence, speech, speech_segment

ROOT = Path(__file__).resolve().parents[2]

PYPROJECT = """\
[tool.sce.prompts]
tts = { "*" = ["espeak-ng"] }
max-megabytes = 1
"""

FLOW = """\
flow main { languages = [en-US, zh-CN], start -> hello }
play hello { prompt { audio = welcome, text { en-US = "Welcome.", zh-CN = "欢迎。" } }, next -> bye }
hangup bye { prompt { audio = goodbye, text { en-US = "Goodbye.", zh-CN = "再见。" } } }
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path / "pyproject.toml", PYPROJECT)
    write(tmp_path / "flows" / "main.flow", FLOW)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def catalog(project: Path) -> dict:
    return json.loads((project / "prompts" / "catalog.json").read_text(encoding="utf-8"))


def entry(project: Path, pid: str, language: str) -> dict:
    return catalog(project)["prompts"][pid]["languages"][language]


def status_json(*args: str) -> tuple[int, dict]:
    result = run("prompts", "status", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


# -- status and synth -------------------------------------------------------------------------


def test_status_then_synth_fills_the_gaps_once(project: Path) -> None:
    code, before = status_json()
    assert code == 1
    assert before["totals"] == {
        "missing": 4, "stale": 0, "synthesised": 0, "recorded": 0, "approved": 0
    }  # fmt: skip
    [flow] = before["flows"]
    assert flow["flow"] == "main" and list(flow["languages"]) == ["en-US", "zh-CN"]
    assert flow["languages"]["zh-CN"]["prompts"][0]["prompt"] == "welcome"
    assert flow["languages"]["zh-CN"]["prompts"][0]["line"] == 2
    assert not (project / "prompts").exists()  # status only reads

    text = run("prompts", "status")
    assert text.exit_code == 1
    assert "missing: zh-CN goodbye (no take) at flows/main.flow:3" in text.stdout

    made = run("prompts", "synth")
    assert made.exit_code == 0, made.stderr
    assert "synthesised 4 takes" in made.stdout
    welcome = entry(project, "welcome", "zh-CN")
    assert (welcome["status"], welcome["take"], welcome["text"]) == ("draft", 1, "欢迎。")
    take = welcome["takes"][0]
    assert (take["source"], take["engine"], take["by"]) == (
        "synthesised",
        "espeak-ng",
        "sce prompts synth",
    )
    pcm = read_wav((project / "prompts" / take["file"]).read_bytes())
    mulaw = read_wav((project / "prompts" / take["mulaw"]).read_bytes())
    assert (pcm.format_tag, pcm.rate, pcm.channels, pcm.sample_width) == (1, 8000, 1, 2)
    assert (mulaw.format_tag, mulaw.rate) == (7, 8000)
    assert pcm.seconds > 0.3

    written = (project / "prompts" / "catalog.json").read_bytes()
    again = run("prompts", "synth")
    assert again.exit_code == 0
    assert "nothing to synthesise" in again.stdout
    assert (project / "prompts" / "catalog.json").read_bytes() == written  # idempotent
    forced = run("prompts", "synth", "--force")  # espeak-ng again, past the cache
    assert forced.exit_code == 0 and "4 unchanged" in forced.stdout
    assert (project / "prompts" / "catalog.json").read_bytes() == written  # no copies of takes

    code, after = status_json()
    assert code == 0
    assert after["totals"]["synthesised"] == 4 and after["totals"]["missing"] == 0
    assert run("lint", "flows").exit_code == 0

    # The flow's text changes: the synthesised take is stale, and synth makes it again.
    write(project / "flows" / "main.flow", FLOW.replace('"Goodbye."', '"Goodbye, and thank you."'))
    code, stale = status_json()
    assert (code, stale["totals"]["stale"]) == (0, 1)
    linted = run("lint", "flows")
    assert linted.exit_code == 1 and "SCE703" in linted.stdout
    remade = run("prompts", "synth")
    assert remade.exit_code == 0
    assert (
        "changed  goodbye en-US" in remade.stdout
        and "synthesised goodbye en-US take 2" in remade.stdout
    )
    assert entry(project, "goodbye", "en-US")["take"] == 2


def test_synth_names_what_failed_and_why(project: Path) -> None:
    write(
        project / "flows" / "main.flow",
        FLOW.replace('"Goodbye."', '"Goodbye {caller}."').replace(', zh-CN = "再见。"', ""),
    )
    result = run("prompts", "synth")
    assert result.exit_code == 1
    assert "sce: error: goodbye en-US: " in result.stderr and "{caller}" in result.stderr
    assert "sce: error: goodbye zh-CN: no zh-CN text to speak" in result.stderr
    assert "synthesised 2 takes, 2 failed" in result.stdout
    assert entry(project, "welcome", "en-US")["take"] == 1


def test_synth_never_replaces_a_recording(project: Path) -> None:
    write(project / "upload" / "welcome.wav", speech("Welcome."))
    assert run("prompts", "import", "upload", "--language", "en-US", "--by", "ana").exit_code == 0
    write(project / "flows" / "main.flow", FLOW.replace('"Welcome."', '"Welcome back."'))
    result = run("prompts", "synth")
    assert result.exit_code == 0
    assert (
        "welcome en-US: take 1 (uploaded)" in result.stderr and "record it again" in result.stderr
    )
    welcome = entry(project, "welcome", "en-US")
    assert welcome["take"] == 1 and [t["source"] for t in welcome["takes"]] == ["uploaded"]
    code, report = status_json()
    states = {p["prompt"]: p["state"] for p in report["flows"][0]["languages"]["en-US"]["prompts"]}
    assert (code, states) == (0, {"welcome": "stale", "goodbye": "synthesised"})


def test_status_counts_a_plain_recording_from_before_the_catalog(project: Path) -> None:
    write(project / "prompts" / "zh" / "goodbye.wav", speech("zai jian", "cmn"))
    code, report = status_json()
    zh = {p["prompt"]: p for p in report["flows"][0]["languages"]["zh-CN"]["prompts"]}
    assert zh["goodbye"]["state"] == "recorded" and "zh/goodbye.wav" in zh["goodbye"]["why"]
    assert (code, zh["welcome"]["state"]) == (1, "missing")


def test_status_errors(project: Path) -> None:
    assert run("prompts", "status", "--format", "xml").exit_code == 2
    missing = run("prompts", "status", "nowhere.flow")
    assert missing.exit_code == 2 and "nowhere.flow: no such file or folder" in missing.stderr
    write(project / "flows" / "broken.flow", "flow broken {")
    broken = run("prompts", "status")
    assert broken.exit_code == 1 and "broken.flow:1:" in broken.stderr
    (project / "flows" / "broken.flow").unlink()
    write(project / "prompts" / "catalog.json", '{\n  "prompts": {\n    "welcome": []\n  }\n}\n')
    unreadable = run("prompts", "status")
    assert unreadable.exit_code == 2
    assert "prompts/catalog.json:3:5: expected an object, got a list" in unreadable.stderr
    assert run("prompts", "synth").exit_code == 2


def test_the_bundled_project_has_every_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, report = status_json()
    assert code == 0 and report["totals"]["missing"] == report["totals"]["stale"] == 0
    assert report["totals"]["synthesised"] == 12


# -- import -----------------------------------------------------------------------------------


def test_import_of_a_folder_takes_the_good_files_and_says_why_not_the_others(
    project: Path,
) -> None:
    upload = project / "upload"
    write(upload / "en-US" / "welcome.wav", speech("Welcome."))
    write(upload / "zh-CN" / "goodbye.mp3", encode(speech_segment("zai jian", "cmn"), "mp3"))
    write(upload / "zh-CN" / "welcome.wav", b"not audio at all, only text")
    write(upload / "en-US" / "goodbye.wav", encode(silence(1.0), "wav"))
    write(upload / "en-US" / "welcom.wav", speech("Welcome."))
    write(upload / "english" / "welcome.wav", speech("Welcome."))
    write(upload / "README", "read me")
    write(upload / ".DS_Store", b"\0\0")
    result = run("prompts", "import", "upload", "--by", "ana")
    assert result.exit_code == 1
    assert "imported en-US/welcome.wav -> welcome en-US take 1" in result.stdout
    assert "imported zh-CN/goodbye.mp3 -> goodbye zh-CN take 1" in result.stdout
    refused = {
        line.split(":", 1)[0].removeprefix("refused  "): line
        for line in result.stdout.splitlines()
        if line.startswith("refused")
    }
    assert sorted(refused) == [
        "README",
        "en-US/goodbye.wav",
        "en-US/welcom.wav",
        "english/welcome.wav",
        "zh-CN/welcome.wav",
    ]
    assert "did you mean 'welcome'?" in refused["en-US/welcom.wav"]
    assert "not a language code" in refused["english/welcome.wav"]
    assert "silent" in refused["en-US/goodbye.wav"].lower()
    assert "2 files imported, 5 refused" in result.stdout
    welcome = entry(project, "welcome", "en-US")
    assert (welcome["status"], welcome["take"], welcome["text"]) == ("draft", 1, "Welcome.")
    assert welcome["takes"][0]["by"] == "ana" and welcome["takes"][0]["source"] == "uploaded"
    # The refused changed nothing: no takes, no files.
    assert entry(project, "goodbye", "en-US")["takes"] == []
    assert entry(project, "welcome", "zh-CN")["takes"] == []
    assert "welcom" not in catalog(project)["prompts"]
    files = sorted(
        p.relative_to(project / "prompts").as_posix() for p in (project / "prompts").rglob("*.wav")
    )
    assert files == [
        "en-US/welcome@1.ulaw.wav",
        "en-US/welcome@1.wav",
        "zh-CN/goodbye@1.ulaw.wav",
        "zh-CN/goodbye@1.wav",
    ]


def test_import_of_a_zip_refuses_unsafe_names_and_oversized_members(project: Path) -> None:
    archive = project / "takes.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("en-US/welcome.wav", speech("Welcome."))
        zf.writestr("../evil.wav", speech("Evil."))
        zf.writestr("/en-US/goodbye.wav", speech("Goodbye."))
        zf.writestr("zh-CN/goodbye.wav", bytes(3 * 1024 * 1024))  # 3 MB of zeros, compressed
        zf.writestr("__MACOSX/en-US/._welcome.wav", b"resource fork")
    result = run("prompts", "import", archive)
    assert result.exit_code == 1
    assert "imported en-US/welcome.wav -> welcome en-US take 1" in result.stdout
    assert "refused  ../evil.wav: its name leads out of the zip's folder" in result.stdout
    assert "refused  /en-US/goodbye.wav: its name is an absolute path" in result.stdout
    assert "refused  zh-CN/goodbye.wav: the file is 3.0 MB, more than the 1 MB" in result.stdout
    assert "1 file imported, 3 refused" in result.stdout
    assert not (project / "evil.wav").exists() and not (project.parent / "evil.wav").exists()
    assert sorted(catalog(project)["prompts"]) == ["goodbye", "welcome"]
    assert all(not e["takes"] for e in catalog(project)["prompts"]["goodbye"]["languages"].values())


def test_import_of_a_zip_holding_only_a_way_out(project: Path) -> None:
    archive = project / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../evil.wav", speech("Evil."))
    result = run("prompts", "import", archive, "--language", "en-US")
    assert result.exit_code == 1
    assert "refused  ../../evil.wav: its name leads out" in result.stdout
    assert not any(p.name == "evil.wav" for p in project.parent.parent.rglob("evil.wav"))
    assert list((project / "prompts").rglob("*.wav")) == []


def test_import_errors(project: Path) -> None:
    assert run("prompts", "import", "nowhere").exit_code == 2
    write(project / "plain.txt", "no zip")
    plain = run("prompts", "import", "plain.txt")
    assert plain.exit_code == 2 and "neither a folder nor a zip file" in plain.stderr
    (project / "empty").mkdir()
    bad = run("prompts", "import", "empty", "--language", "english")
    assert bad.exit_code == 2 and "not a language code" in bad.stderr


# -- export -----------------------------------------------------------------------------------


def test_export_writes_a_zip_per_language_with_audio_and_script(project: Path) -> None:
    assert run("prompts", "synth").exit_code == 0
    write(project / "flows" / "main.flow", FLOW.replace('"再见。"', '"再见，谢谢。"'))
    write(project / "upload" / "zh-CN" / "welcome.wav", speech("huan ying", "cmn"))
    assert run("prompts", "import", "upload").exit_code == 0  # syncs the texts first
    result = run("prompts", "export", "-o", "out")
    assert result.exit_code == 0, result.stderr
    assert "wrote out/prompts-zh-CN.zip (2 prompts, 2 with audio)" in result.stdout
    written = sorted(p.name for p in (project / "out").iterdir())
    assert written == ["prompts-en-US.zip", "prompts-zh-CN.zip"]  # and no temporary file
    with zipfile.ZipFile(project / "out" / "prompts-zh-CN.zip") as zf:
        assert sorted(zf.namelist()) == ["goodbye.wav", "script.csv", "script.txt", "welcome.wav"]
        wav = zf.read("welcome.wav")
        raw = zf.read("script.csv")
        script = zf.read("script.txt").decode("utf-8")
    chosen = entry(project, "welcome", "zh-CN")["takes"][-1]
    assert wav == (project / "prompts" / chosen["file"]).read_bytes()  # the uploaded take
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so that Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [
        ["id", "text", "status", "stale", "note"],
        ["goodbye", "再见，谢谢。", "draft", "yes", ""],
        ["welcome", "欢迎。", "draft", "no", ""],
    ]
    assert "goodbye [draft, stale]\n    再见，谢谢。" in script
    only = run("prompts", "export", "-o", "en", "--language", "en-us")
    assert only.exit_code == 0
    assert [p.name for p in (project / "en").iterdir()] == ["prompts-en-US.zip"]
    unknown = run("prompts", "export", "--language", "fr-FR")
    assert unknown.exit_code == 2 and "no prompts in fr-FR" in unknown.stderr

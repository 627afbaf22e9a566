"""The flow repository with its history, on copies of the shipped flows (real files, real
threads, real locks)."""

from __future__ import annotations

import copy
import difflib
import json
import shutil
import threading
from pathlib import Path

import pytest

from runtime.watch import is_flow_file
from sce.errors import BadFlowDocument, FlowExists, FlowNotFound, RevisionNotFound, StaleRevision
from sce.flowdoc import MAX_DEPTH
from sce.history import StoredFlow
from sce.lint import Settings
from sce.lint.runner import collect_files
from sce.loader import load_path
from sce.revisions import FlowRepository

FLOWS = Path(__file__).resolve().parent.parent / "flows"
SHIPPED = sorted(p.stem for p in [*FLOWS.glob("*.json"), *FLOWS.glob("*.flow")])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    flows = tmp_path / "flows"
    flows.mkdir()
    for f in [*FLOWS.glob("*.json"), *FLOWS.glob("*.flow")]:
        shutil.copy(f, flows / f.name)
    return flows


@pytest.fixture
def repo(folder: Path) -> FlowRepository:
    return FlowRepository(folder)


def hotline_2(flow_id: str = "hotline_2") -> dict:
    """A new flow, with Chinese prompts, to create."""
    return {
        "flow": flow_id,
        "title": "客服热线",
        "languages": ["zh-CN", "en-US"],
        "start": "welcome",
        "nodes": {
            "welcome": {
                "type": "play",
                "prompt": {"text": {"zh-CN": "您好，欢迎致电。", "en-US": "Hello."}},
                "next": "bye",
            },
            "bye": {"type": "hangup", "prompt": {"text": {"zh-CN": "再见。", "en-US": "Bye."}}},
        },
    }


def nested(levels: int) -> list:
    """A list in a list in a list..., `levels` deep."""
    return json.loads("[" * levels + "]" * levels)


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def test_list_shows_the_shipped_flows_and_records_their_first_revision(
    repo: FlowRepository, folder: Path
) -> None:
    flows = repo.list()
    assert [f.id for f in flows] == SHIPPED
    balance = next(f for f in flows if f.id == "balance")
    assert (balance.title, balance.revision, balance.author) == ("Balance line", 1, "disk")
    assert balance.formats == ("flow",) and balance.ok and balance.error is None
    assert balance.etag.startswith('"') and balance.etag.endswith('"')
    assert (folder / ".history" / "balance" / "000001.revision").is_file()
    assert [f.revision for f in repo.list()] == [1] * len(SHIPPED)  # nothing new the 2nd time
    json.dumps([f.to_data() for f in flows])


def test_create_then_get_and_list(repo: FlowRepository, folder: Path) -> None:
    created = repo.create(hotline_2(), author="ann", message="新的热线")
    assert (created.revision, created.author, created.message) == (1, "ann", "新的热线")
    assert created.ok and created.formats == ("json",)
    got = repo.get("hotline_2")
    assert got.document == hotline_2() and got.etag == created.etag
    assert "您好，欢迎致电。" in (folder / "hotline_2.json").read_text(encoding="utf-8")
    assert "hotline_2" in [f.id for f in repo.list()]
    with pytest.raises(FlowExists):
        repo.create(hotline_2(), author="bob")
    with pytest.raises(FlowExists):  # balance.flow has it
        repo.create(hotline_2("balance"), author="bob")


def test_save_with_the_current_etag_writes_a_revision(repo: FlowRepository, folder: Path) -> None:
    before = repo.get("balance")
    document = copy.deepcopy(before.document)
    document["nodes"]["welcome"]["prompt"]["text"]["zh-CN"] = "您好，欢迎致电示例银行。"
    saved = repo.save("balance", document, if_match=before.etag, author="ann", message="问候语")
    assert saved.revision == before.revision + 1 and saved.etag != before.etag
    assert repo.get("balance").document == document
    assert [(r.revision, r.author, r.message) for r in repo.revisions("balance")] == [
        (2, "ann", "问候语"),
        (1, "disk", "changed on disk"),
    ]
    assert repo.revision("balance", 1).document == before.document
    assert repo.revision("balance", 2).document == document
    with pytest.raises(RevisionNotFound):
        repo.revision("balance", 3)
    history = (folder / ".history" / "balance" / "000002.revision").read_text(encoding="utf-8")
    assert "您好，欢迎致电示例银行。" in history


def test_save_with_a_stale_etag_is_refused_with_the_current_revision(
    repo: FlowRepository,
) -> None:
    read_by_ann = repo.get("balance")
    read_by_bob = repo.get("balance")
    ann = copy.deepcopy(read_by_ann.document)
    ann["title"] = "余额查询"
    repo.save("balance", ann, if_match=read_by_ann.etag, author="ann")
    bob = copy.deepcopy(read_by_bob.document)
    bob["title"] = "Balance"
    with pytest.raises(StaleRevision) as refused:
        repo.save("balance", bob, if_match=read_by_bob.etag, author="bob")
    current = refused.value.current
    assert isinstance(current, StoredFlow)
    assert (current.revision, current.author, current.document["title"]) == (2, "ann", "余额查询")
    assert current.etag == repo.get("balance").etag
    assert repo.get("balance").document["title"] == "余额查询"


def test_saving_what_is_there_records_nothing(repo: FlowRepository) -> None:
    current = repo.get("balance")
    again = repo.save("balance", current.document, if_match=current.etag, author="ann")
    assert (again.revision, again.etag) == (current.revision, current.etag)
    assert len(repo.revisions("balance")) == 1


def test_load_gives_a_revision_with_its_number(repo: FlowRepository, folder: Path) -> None:
    first = repo.get("balance")
    loaded, number = repo.load("balance")
    # The current revision is its working file: diagnostics name it, a restart sees it unchanged.
    assert (loaded.path, number, loaded.data) == (str(folder / "balance.flow"), 1, first.document)
    document = copy.deepcopy(first.document)
    document["title"] = "余额"
    repo.save("balance", document, if_match=first.etag, author="ann")
    assert repo.load("balance")[1] == 2 and repo.load("balance", 2)[0].path == loaded.path
    old, number = repo.load("balance", 1)
    assert (old.path, number, old.data) == ("balance@1.json", 1, first.document) and old.ok
    with pytest.raises(RevisionNotFound):
        repo.load("balance", 3)
    repo.delete("balance", if_match=repo.get("balance").etag, author="ann")
    with pytest.raises(FlowNotFound):
        repo.load("balance")
    assert repo.load("balance", 2)[0].data == document
    with pytest.raises(FlowNotFound):
        repo.load("nothing", 1)


def test_a_file_that_held_no_flow_loads_again_in_its_format(
    repo: FlowRepository, folder: Path
) -> None:
    (folder / "draft.flow").write_text("flow draft {\n  start ->\n}\n", encoding="utf-8")
    repo.list()
    (folder / "draft.flow").write_text("flow draft {}\n", encoding="utf-8")
    assert repo.revision("draft", 1).format == "flow"
    loaded, number = repo.load("draft", 1)
    assert (loaded.path, number, loaded.data) == ("draft@1.flow", 1, None)
    assert (loaded.diagnostics[0].code, loaded.diagnostics[0].line) == ("SCE001", 3)


def race(saves: list) -> tuple[list[StoredFlow], list[StaleRevision]]:
    """Run the saves at the same moment; return who won and who was refused."""
    won: list[StoredFlow] = []
    refused: list[StaleRevision] = []
    start = threading.Barrier(len(saves))

    def run(save) -> None:
        start.wait()
        try:
            won.append(save())
        except StaleRevision as e:
            refused.append(e)

    threads = [threading.Thread(target=run, args=(s,)) for s in saves]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return won, refused


@pytest.mark.parametrize("shared", [True, False], ids=["one repository", "two repositories"])
def test_two_saves_with_the_same_etag_one_wins(folder: Path, shared: bool) -> None:
    # Two repositories on one folder are like two server processes: only flock keeps them apart.
    repos = [FlowRepository(folder)] * 2 if shared else [FlowRepository(folder) for _ in "ab"]
    base = repos[0].get("balance")
    saves = []
    for repo, title in zip(repos, ["Ann's title", "Bob's title"], strict=True):
        document = copy.deepcopy(base.document)
        document["title"] = title
        saves.append(
            lambda repo=repo, d=document: repo.save("balance", d, if_match=base.etag, author="x")
        )
    won, refused = race(saves)
    assert len(won) == 1 and len(refused) == 1
    assert refused[0].current.etag == won[0].etag
    assert repos[0].get("balance").document["title"] == won[0].document["title"]
    assert [r.revision for r in repos[0].revisions("balance")] == [2, 1]


def test_saves_of_different_flows_at_once_number_their_own_history(folder: Path) -> None:
    repos = [FlowRepository(folder), FlowRepository(folder)]

    def edits(repo: FlowRepository, flow_id: str) -> StoredFlow:
        for n in range(3):
            current = repo.get(flow_id)
            document = copy.deepcopy(current.document)
            document["title"] = f"第{n}版"
            repo.save(flow_id, document, if_match=current.etag, author=flow_id)
        return repo.get(flow_id)

    won, refused = race([lambda r=repos[i % 2], f=f: edits(r, f) for i, f in enumerate(SHIPPED)])
    assert refused == [] and len(won) == len(SHIPPED)
    for flow_id in SHIPPED:
        history = repos[0].revisions(flow_id)
        assert [r.revision for r in history] == [4, 3, 2, 1]
        assert history[0].author == flow_id


def test_an_edit_on_disk_becomes_a_revision(repo: FlowRepository, folder: Path) -> None:
    read = repo.get("balance")
    path = folder / "balance.flow"
    path.write_text(
        path.read_text(encoding="utf-8").replace("欢迎致电示例银行。", "欢迎！"), encoding="utf-8"
    )
    now = repo.get("balance")
    assert (now.revision, now.author, now.message) == (2, "disk", "changed on disk")
    assert now.document["nodes"]["welcome"]["prompt"]["text"]["zh-CN"] == "欢迎！"
    with pytest.raises(StaleRevision):
        repo.save("balance", read.document, if_match=read.etag, author="ann")
    assert len(repo.revisions("balance")) == 2


def changed_lines(before: str, after: str) -> list[str]:
    """The lines a `git diff` of the two texts shows as removed (-) and added (+)."""
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("---", "+++")]


def test_a_save_of_one_changed_text_changes_one_line_of_a_dsl_file(
    repo: FlowRepository, folder: Path
) -> None:
    before = (folder / "balance.flow").read_text(encoding="utf-8")
    current = repo.get("balance")
    document = copy.deepcopy(current.document)
    document["nodes"]["goodbye"]["prompt"]["text"]["zh-CN"] = "谢谢，再见。"
    saved = repo.save("balance", document, if_match=current.etag, author="ann")
    assert saved.ok and saved.formats == ("flow",) and not (folder / "balance.json").exists()
    after = (folder / "balance.flow").read_text(encoding="utf-8")
    [removed, added] = changed_lines(before, after)
    assert removed.startswith("-") and added == removed.replace(
        removed[removed.index('"') :], '"谢谢，再见。"'
    ).replace("-", "+", 1)
    assert after.startswith("# Scenario 1: a caller is welcomed")  # its comments are kept


def test_a_save_of_one_changed_text_changes_one_line_of_a_json_file(
    repo: FlowRepository, folder: Path
) -> None:
    path = folder / "complaint.json"
    # Keys in an order of the author's, indented by 4, a default written out: all kept.
    document = json.loads(path.read_text(encoding="utf-8"))
    reordered = {"title": document["title"], **document, "nodes": document["nodes"]}
    reordered["nodes"] = dict(reversed(list(document["nodes"].items())))
    path.write_text(json.dumps(reordered, indent=4, ensure_ascii=False) + "\n", encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    current = repo.get("complaint")
    assert list(current.document) == list(reordered)
    assert list(current.document["nodes"]) == list(reordered["nodes"])
    edited = copy.deepcopy(current.document)
    edited["title"] = "投诉热线"
    repo.save("complaint", edited, if_match=current.etag, author="ann")
    assert changed_lines(before, path.read_text(encoding="utf-8")) == [
        f'-    "title": {json.dumps(document["title"])},',
        '+    "title": "投诉热线",',
    ]


def test_a_new_flow_is_written_in_the_form_asked_for(repo: FlowRepository, folder: Path) -> None:
    created = repo.create(hotline_2(), author="ann", fmt="flow")
    assert created.formats == ("flow",) and created.ok and created.document == hotline_2()
    assert not (folder / "hotline_2.json").exists()
    assert load_path(folder / "hotline_2.flow").data == hotline_2()


def test_a_broken_draft_is_saved_in_the_form_of_its_file(
    repo: FlowRepository, folder: Path
) -> None:
    for flow_id, menu in (("balance", "main"), ("complaint", "offer_agent")):
        current = repo.get(flow_id)
        draft = copy.deepcopy(current.document)
        draft["nodes"][menu]["timeout"] = "五秒"
        saved = repo.save(flow_id, draft, if_match=current.etag, author="ann", message="草稿")
        assert not saved.ok and saved.formats == current.formats
        assert [d.pointer for d in saved.diagnostics] == [f"/nodes/{menu}/timeout"]
        assert saved.diagnostics[0].line is not None  # located in the written file
        data = json.loads(json.dumps(saved.to_data(), ensure_ascii=False))
        assert data["diagnostics"][0]["pointer"] == f"/nodes/{menu}/timeout"
        assert data["document"]["nodes"][menu]["timeout"] == "五秒"
        assert repo.get(flow_id).document == draft
        assert not next(f for f in repo.list() if f.id == flow_id).ok


def test_a_draft_the_dsl_cannot_hold_is_refused_and_its_file_stays(
    repo: FlowRepository, folder: Path
) -> None:
    before = (folder / "balance.flow").read_bytes()
    current = repo.get("balance")
    draft = {**current.document, "nodes": [{"type": "hangup"}]}
    with pytest.raises(BadFlowDocument, match="kept as DSL"):
        repo.save("balance", draft, if_match=current.etag, author="ann")
    assert (folder / "balance.flow").read_bytes() == before
    assert len(repo.revisions("balance")) == 1


def test_a_flow_in_two_files_is_reported_and_saved_to_its_json(
    repo: FlowRepository, folder: Path
) -> None:
    (folder / "balance.json").write_text(
        json.dumps(repo.get("balance").document, ensure_ascii=False), encoding="utf-8"
    )
    dsl = (folder / "balance.flow").read_bytes()
    current = repo.get("balance")
    assert current.formats == ("json", "flow")
    [twin] = [d for d in current.diagnostics if d.code == "SCE004"]
    assert twin.path == str(folder / "balance.json") and "balance.flow holds this flow" in (
        twin.message
    )
    document = {**current.document, "title": "余额"}
    saved = repo.save("balance", document, if_match=current.etag, author="ann")
    assert json.loads((folder / "balance.json").read_text(encoding="utf-8")) == document
    assert (folder / "balance.flow").read_bytes() == dsl and not saved.ok


def test_delete_keeps_the_history_and_create_continues_it(
    repo: FlowRepository, folder: Path
) -> None:
    current = repo.get("complaint")
    with pytest.raises(StaleRevision):
        repo.delete("complaint", if_match='"0"', author="bob")
    deleted = repo.delete("complaint", if_match=current.etag, author="ann", message="不再使用")
    assert (deleted.revision, deleted.deleted, deleted.etag) == (2, True, None)
    assert not (folder / "complaint.json").exists()
    with pytest.raises(FlowNotFound):
        repo.get("complaint")
    assert "complaint" not in [f.id for f in repo.list()]
    assert [r.deleted for r in repo.revisions("complaint")] == [True, False]
    assert repo.revision("complaint", 2).document == current.document
    again = repo.create(current.document, author="ann", message="恢复")
    assert again.revision == 3
    assert [r.message for r in repo.revisions("complaint")] == [
        "恢复",
        "不再使用",
        "changed on disk",
    ]


def test_a_flow_removed_on_disk_is_recorded_as_deleted(repo: FlowRepository, folder: Path) -> None:
    repo.list()
    (folder / "hotline.flow").unlink()
    assert "hotline" not in [f.id for f in repo.list()]
    latest = repo.revisions("hotline")[0]
    assert (latest.revision, latest.author, latest.message, latest.deleted) == (
        2,
        "disk",
        "deleted on disk",
        True,
    )


@pytest.mark.parametrize(
    ("document", "pointer"),
    [
        ({**hotline_2(), "flow": "../etc"}, "/flow"),
        ({**hotline_2(), "flow": ""}, "/flow"),
        ({**hotline_2(), "flow": "main\n"}, "/flow"),
        ({k: v for k, v in hotline_2().items() if k != "flow"}, "/flow"),
        ([hotline_2()], ""),
        ("flow hotline_2 {}", ""),
        ({**hotline_2(), "title": "半个\ud800字"}, "/title"),
        ({**hotline_2(), "nodes": {"bye": {"type": "hangup", "x": float("nan")}}}, "/nodes/bye/x"),
        ({**hotline_2(), "title": nested(600)}, "/title" + "/0" * (MAX_DEPTH - 1)),
    ],
    ids=["parent folder", "empty", "newline", "missing", "list", "text", "lone surrogate", "NaN"]
    + ["too deep"],
)
def test_documents_that_cannot_be_stored_are_refused(
    repo: FlowRepository, folder: Path, document: object, pointer: str
) -> None:
    before = sorted(folder.parent.rglob("*"))
    with pytest.raises(BadFlowDocument) as refused:
        repo.create(document, author="ann")
    assert [d.pointer for d in refused.value.diagnostics] == [pointer]
    if pointer:
        assert f"(at '{pointer}')" in refused.value.message
    assert sorted(folder.parent.rglob("*")) == before


def test_ids_that_name_no_flow(repo: FlowRepository) -> None:
    for flow_id in ["../flows/balance", "", ".history"]:
        with pytest.raises(FlowNotFound):
            repo.get(flow_id)
        with pytest.raises(FlowNotFound):
            repo.revisions(flow_id)
    current = repo.get("balance")
    with pytest.raises(BadFlowDocument, match="the document is flow 'balance', not 'hotline'"):
        repo.save("hotline", current.document, if_match=current.etag, author="ann")


def test_a_file_that_does_not_load_is_listed_with_its_error(
    repo: FlowRepository, folder: Path
) -> None:
    (folder / "broken.json").write_text('{\n  "flow": "broken",\n}\n', encoding="utf-8")
    broken = next(f for f in repo.list() if f.id == "broken")
    assert not broken.ok
    assert broken.error == f"{folder / 'broken.json'}:3:1: " + (
        "expected a field name in double quotes (a trailing comma before '}' is not allowed)"
    )
    got = repo.get("broken")
    assert got.document is None and got.diagnostics[0].code == "SCE001"
    assert repo.revision("broken", 1).text == '{\n  "flow": "broken",\n}\n'


def test_a_failed_revision_write_leaves_no_working_file(repo: FlowRepository, folder: Path) -> None:
    (folder / ".history").mkdir()
    (folder / ".history" / "hotline_2").write_text("in the way", encoding="utf-8")
    with pytest.raises(OSError):
        repo.create(hotline_2(), author="ann")
    assert not (folder / "hotline_2.json").exists()
    assert temp_files(folder) == []


def test_history_never_looks_like_a_flow_file(repo: FlowRepository, folder: Path) -> None:
    current = repo.get("balance")
    document = copy.deepcopy(current.document)
    document["title"] = "余额"
    repo.save("balance", document, if_match=current.etag, author="ann")
    repo.create(hotline_2(), author="ann")
    history = [p for p in (folder / ".history").rglob("*") if p.is_file()]
    assert {p.suffix for p in history} == {".revision", ""}  # and the .lock file
    assert not any(is_flow_file(p) for p in history)
    found, _ = collect_files([folder], Settings())
    assert sorted(p.name for p in found) == sorted(
        [p.name for p in [*FLOWS.glob("*.json"), *FLOWS.glob("*.flow")]] + ["hotline_2.json"]
    )
    assert temp_files(folder) == []


def test_a_file_named_for_another_flow_is_listed_as_a_problem(
    repo: FlowRepository, folder: Path
) -> None:
    shutil.copy(folder / "balance.flow", folder / "balance_copy.flow")
    copied = next(f for f in repo.list() if f.id == "balance_copy")
    assert not copied.ok
    assert copied.error.endswith(":3:1: the file holds flow 'balance', not 'balance_copy'")


def test_a_save_too_deep_is_refused_and_the_flow_stays_as_it_was(
    repo: FlowRepository, folder: Path
) -> None:
    current = repo.get("balance")
    before = (folder / "balance.flow").read_bytes()
    with pytest.raises(BadFlowDocument, match=f"nested more than {MAX_DEPTH} levels deep"):
        repo.save(
            "balance", {**current.document, "title": nested(600)}, if_match=current.etag, author="x"
        )
    assert (folder / "balance.flow").read_bytes() == before
    assert [r.revision for r in repo.revisions("balance")] == [1]
    assert repo.get("balance").to_data()["document"] == current.document


def test_a_file_nested_deep_on_disk_is_read_as_a_draft_with_errors(
    repo: FlowRepository, folder: Path
) -> None:
    document = repo.get("complaint").document
    (folder / "complaint.json").write_text(
        json.dumps({**document, "title": nested(600)}), encoding="utf-8"
    )
    stored = repo.get("complaint")
    assert [d.pointer for d in stored.diagnostics] == ["/title"]
    data = stored.to_data()
    assert data["document"]["title"] == nested(600) and data["formats"] == ["json"]
    assert json.loads(json.dumps(data))["revision"] == 2
    assert repo.revision("complaint", 2).document == data["document"]


def test_a_change_may_name_several_etags_and_one_must_be_current(repo: FlowRepository) -> None:
    current = repo.get("balance")
    document = copy.deepcopy(current.document)
    document["title"] = "余额查询"
    with pytest.raises(StaleRevision):
        repo.save("balance", document, if_match=['"0"', '"1"'], author="ann")
    saved = repo.save("balance", document, if_match=['"0"', current.etag], author="ann")
    assert saved.revision == 2
    deleted = repo.delete("balance", if_match=frozenset({saved.etag, '"0"'}), author="ann")
    assert deleted.deleted


def test_a_folder_whose_history_cannot_be_written_is_still_read(
    folder: Path, tmp_path: Path
) -> None:
    # Root may write anywhere, so the history is put where no folder can be: under a file.
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    repo = FlowRepository(folder, history=tmp_path / "a-file" / "history")
    before = sorted((p.name, p.read_bytes()) for p in folder.iterdir())

    assert [f.id for f in repo.list()] == SHIPPED
    current = repo.get("balance")
    assert (current.revision, current.author) == (1, "disk")  # the number it will be recorded as
    loaded, number = repo.load("balance")
    assert loaded.ok and number == 1
    assert repo.revisions("balance") == []
    assert not repo.saved_here("balance")

    document = {**current.document, "title": "Not saved"}
    with pytest.raises(NotADirectoryError):
        repo.save("balance", document, if_match=current.etag, author="ann")
    with pytest.raises(NotADirectoryError):
        repo.create(hotline_2(), author="ann")
    assert sorted((p.name, p.read_bytes()) for p in folder.iterdir()) == before

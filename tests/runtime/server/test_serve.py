"""`sce serve` for real: gunicorn in a child process, webhooks over HTTP signed like Twilio's, and
two workers sharing one real Redis while deploys land through the API."""

from __future__ import annotations

import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from runtime import actions as act
from runtime.scripts.load import load_stubs
from runtime.simulator import Simulator
from tests.cli import run
from tests.runtime.server.fixtures import FLOWS
from tests.runtime.server.phone import API_TOKEN, TWILIO_TOKEN, Phone, new_sid
from tests.runtime.server.running import sce_serve

ENV = {"TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "SCE_API_TOKEN": API_TOKEN}
OLD_HOURS = "We are open from nine to five, Monday to Friday."
NEW_HOURS = "We are open from eight to eight, every day."


def _flows(tmp_path: Path) -> Path:
    target = tmp_path / "flows"
    shutil.copytree(FLOWS, target)
    return target


def _metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text (0 when absent)."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.partition("}")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_a_phone_number_pointed_at_sce_serve_runs_the_flow(tmp_path: Path) -> None:
    flows = _flows(tmp_path)
    args = ["--flows", str(flows), "--http", str(flows / "systems.http.yaml")]
    with sce_serve(args, ENV, cwd=tmp_path) as server:
        phone = Phone(base=server.url)
        sid, answer = phone.call("balance")
        assert answer.status == 200 and answer.find("Gather") is not None
        answer = phone.press(sid, answer, "1")
        assert answer.said[0].startswith("Your balance is")
        assert answer.verbs[-1] == "Hangup"

        unsigned = requests.post(server.url + "voice/balance", data={"CallSid": new_sid()})
        assert unsigned.status_code == 403

        health = requests.get(server.url + "healthz", timeout=5).json()
        assert health["ok"] and health["store"] == "memory" and "balance" in health["flows"]
        metrics = requests.get(server.url + "metrics", timeout=5).text
        assert _metric(metrics, "sce_calls_started_total", flow="balance") == 1
        assert _metric(metrics, "sce_calls_finished_total", flow="balance") == 1
        assert _metric(metrics, "sce_webhooks_refused_total", reason="signature") == 1
        assert _metric(metrics, "sce_webhook_seconds_count", webhook="gather") == 1


def test_scenarios_2_to_5_as_webhook_conversations_with_a_real_gunicorn(tmp_path: Path) -> None:
    """Scenario 1 and 6 are above and below; the others here, over HTTP, signed."""
    flows = _flows(tmp_path)
    env = {**ENV, "TWILIO_WORKFLOW_SID": "WW" + "0" * 32}
    args = ["--flows", str(flows), "--http", str(flows / "systems.http.yaml")]
    with sce_serve(args, env, cwd=tmp_path) as server:
        # 2. a VIP queued with priority and skills, hears the wait, leaves with star
        phone = Phone(base=server.url, caller="+15551230000")
        sid, answer = phone.call("agent_queue")
        queued = phone.press(sid, phone.press(sid, answer, "0"), "1")
        task = queued.find("Enqueue/Task")
        assert task is not None and task.attrib["priority"] == "10"
        assert json.loads(task.text or "")["skills"] == ["cards"]
        wait_url = queued.find("Enqueue").attrib["waitUrl"]  # type: ignore[union-attr]
        waiting = phone.waiting(sid, wait_url, queue_time=0, average=130, position=2)
        assert any("3 minutes" in said for said in waiting.said)
        assert phone.press(sid, waiting, "*").verbs == ["Leave"]
        back = phone.dequeued(sid, queued, "leave")
        assert back.find("Gather") is not None, back.text

        # 3. wrong keys and silence: re-prompted, then an agent
        sid, answer = phone.call("retries")
        answer = phone.silence(sid, answer)
        assert answer.said[0] == "I did not hear anything."
        answer = phone.press(sid, phone.press(sid, answer, "7"), "5")
        assert answer.verbs == ["Enqueue"]

        # 4. a complaint: an agent offered, asked before transferring
        sid, answer = phone.call("complaint")
        answer = phone.say(sid, answer, "yes please")
        assert answer.verbs == ["Gather", "Redirect"]
        assert phone.press(sid, answer, "1").verbs == ["Enqueue"]

        # 5. after hours or not, the server does what the simulator does at this moment
        sim = Simulator.from_paths([flows], http=load_stubs(flows / "systems.http.yaml"))
        expected = sim.call("after_hours").waiting_for
        sid, answer = phone.call("after_hours")
        verb = {act.Record: "Record", act.Transfer: "Enqueue", act.Gather: "Gather"}
        assert verb[type(expected)] in answer.verbs, answer.text  # type: ignore[index]


def test_more_workers_than_one_need_redis(tmp_path: Path) -> None:
    result = run("serve", "--workers", "2", "--flows", str(_flows(tmp_path)))
    assert result.exit_code == 2
    assert "--redis" in result.stderr


def test_two_workers_share_calls_and_a_deploy_changes_no_call_in_progress(
    tmp_path: Path, redis_clean: str
) -> None:
    flows = _flows(tmp_path)
    args = ["--flows", str(flows), "--workers", "2", "--redis", redis_clean, "--threads", "4"]
    with sce_serve(args, ENV, cwd=tmp_path) as server:
        phones = [Phone(base=server.url, caller=f"+1555000{i:04d}") for i in range(200)]
        with ThreadPoolExecutor(16) as pool:
            started = list(pool.map(lambda p: (p, *p.call("hotline")), phones))
        assert all(a.status == 200 and a.find("Gather") is not None for _, _, a in started)

        source = (flows / "hotline.flow").read_text(encoding="utf-8")
        changed = source.replace(OLD_HOURS, NEW_HOURS)
        deployed = requests.post(
            server.url + "api/deploys",
            json={"text": changed, "format": "flow", "path": "hotline.flow", "who": "test"},
            headers={"Authorization": f"Bearer {API_TOKEN}"},
            timeout=30,
        )
        assert deployed.status_code == 200, deployed.text

        def finish(item: tuple[Phone, str, object]) -> tuple[list[str], set[str]]:
            phone, sid, first = item
            answer = phone.press(sid, first, "1")  # type: ignore[arg-type]
            return answer.said, {first.served_by, answer.served_by}  # type: ignore[attr-defined]

        with ThreadPoolExecutor(16) as pool:
            finished = list(pool.map(finish, started))
        assert all(said == [OLD_HOURS, "Thank you for calling. Goodbye."] for said, _ in finished)
        workers = set().union(*(served for _, served in finished))
        assert len(workers) == 2, "both workers answered webhooks"
        assert any(len(served) == 2 for _, served in finished), "a call moved between workers"

        sid, answer = Phone(base=server.url).call("hotline")
        answer = Phone(base=server.url).press(sid, answer, "1")
        assert answer.said[0] == NEW_HOURS

        metrics = requests.get(server.url + "metrics", timeout=5).text
        assert _metric(metrics, "sce_calls_started_total", flow="hotline") == 201
        assert _metric(metrics, "sce_calls_finished_total", flow="hotline") == 201
        assert _metric(metrics, "sce_deploys_total", result="deployed") >= 1


def test_an_unreachable_redis_is_named_before_anything_starts(tmp_path: Path) -> None:
    result = run("serve", "--redis", "redis://:secret@127.0.0.1:1/0", "--flows", str(tmp_path))
    assert result.exit_code == 2
    assert "cannot reach Redis" in result.stderr and "secret" not in result.stderr

"""Script packs (guide §7): the example pack, CON03 as the guide walks it, every check with the message a
person reads, YAML and JSON, the canonical JSON round trip and the choice of scripts for a pairing.
No database, no Temporal."""

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from services.scripts import packs
from services.scripts.packs import P2P, Action, PackError, Script, ScriptPack, Step, Transaction, parse_pack

EXAMPLE = Path(packs.__file__).with_name("example_pack.yaml")
CON03 = "script CON03"
STEP_1 = "script CON03, step 1 (Pending Bank Info Provided by CR)"
STEP_2 = "script CON03, step 2 (Pending TDSP Banking Info sent to CR)"
GONE = object()


@pytest.fixture(scope="module")
def example() -> ScriptPack:
    return parse_pack(EXAMPLE.read_text())


def changed(document: dict, **fields) -> dict:
    """`document` with `fields` set, and removed where the value is GONE, keeping the key order."""
    result = {key: value for key, value in document.items() if fields.get(key) is not GONE}
    result.update({key: value for key, value in fields.items() if value is not GONE})
    return result


def step(**fields) -> dict:
    first = {
        "state": "Pending Bank Info Provided by CR",
        "responsible": "CR",
        "instructions": "Provide your bank information to the TDSP, then click Bank Info Provided by CR.",
        "action": "Bank Info Provided by CR",
    }
    return changed(first, **fields)


def second_step(**fields) -> dict:
    second = {
        "state": "Pending TDSP Banking Info sent to CR",
        "responsible": "TDSP",
        "instructions": "Send your banking information to the CR, then click Task Complete.",
        "action": "Task Complete",
    }
    return changed(second, **fields)


def bank_transfer(**fields) -> dict:
    p2p = {
        "title": "P2P Flow - Bank Transfer",
        "submitter": "CR",
        "receiver": "TDSP",
        "submitter_instructions": "Instruct your bank to make the transfer, then click Task Complete.",
        "receiver_instructions": "Click Task Complete once the payment has arrived.",
    }
    return changed(p2p, **fields)


def script(*steps: dict, **fields) -> dict:
    con03 = {
        "script_id": "CON03",
        "title": "Bank Transfer",
        "kind": "connectivity",
        "scenario": "Bank transfer",
        "begins": "CR",
        "steps": list(steps) or [step()],
    }
    return changed(con03, **fields)


def pack(*scripts: dict, **fields) -> dict:
    return changed({"title": "Flight 0625 scripts", "scripts": list(scripts) or [script()]}, **fields)


class WrittenOut(yaml.SafeDumper):
    """Writes each repeated part again instead of as an alias, as a person would."""

    def ignore_aliases(self, data) -> bool:
        return True


def as_yaml(document: dict) -> str:
    return yaml.dump(document, Dumper=WrittenOut, sort_keys=False, allow_unicode=True)


def problems(text: str, media_type: str = "") -> list[str]:
    with pytest.raises(PackError) as refused:
        parse_pack(text, media_type)
    return refused.value.problems


# The example pack


def test_the_example_pack_parses_and_says_it_is_an_example(example):
    assert example.example is True
    assert "not ERCOT's published scripts" in example.title
    assert EXAMPLE.read_text().startswith("# EXAMPLE script pack: NOT ERCOT's published scripts.")
    assert [s.script_id for s in example.scripts] == [
        "CON02",
        "CON03",
        "CON05",
        "CON52",
        "ACK55",
        "ACK56",
        "SW01",
        "MVI01",
        "MVO01",
        "MVO-MVI01",
        "BIL01",
        "BIL02",
        "SO01",
    ]
    assert example.script("CON52").title == "Penny Test"


def test_con03_is_the_guides_walk_through(example):
    con03 = example.script("CON03")
    assert (con03.kind, con03.begins) == ("connectivity", "CR")
    assert [(s.state, s.responsible, s.ends_by) for s in con03.steps] == [
        ("Pending Bank Info Provided by CR", "CR", Action("Bank Info Provided by CR")),
        ("Pending TDSP Banking Info sent to CR", "TDSP", Action("Task Complete")),
        (
            "P2P Bank Transfer in Progress",
            "CR",
            P2P(
                title="P2P Flow - Bank Transfer",
                submitter="CR",
                receiver="TDSP",
                submitter_instructions=(
                    "Once you have instructed your bank to make the transfer to the TDSP's account, "
                    "click Task Complete."
                ),
                receiver_instructions=(
                    "Once you have received the payment, click Task Complete. If it has not arrived or there is a "
                    "problem with the transfer, escalate to the CR (comments are required)."
                ),
            ),
        ),
    ]
    assert "Begin Working" not in [s.state for s in con03.steps]


def test_the_guide_says_who_begins_the_connectivity_scripts(example):
    assert {s.script_id: s.begins for s in example.scripts[:3]} == {"CON02": "CR", "CON03": "CR", "CON05": "ERCOT"}


def test_a_script_walks_from_its_first_state_to_passed(example):
    con03 = example.script("CON03")
    assert con03.first_state == "Pending Bank Info Provided by CR"
    assert con03.step("Pending TDSP Banking Info sent to CR").responsible == "TDSP"
    assert con03.step_after(con03.first_state).state == "Pending TDSP Banking Info sent to CR"
    assert con03.step_after("Pending TDSP Banking Info sent to CR").state == "P2P Bank Transfer in Progress"
    assert con03.step_after("P2P Bank Transfer in Progress") is None
    with pytest.raises(KeyError, match="script CON03 has no state 'Script Passed'"):
        con03.step_after("Script Passed")
    with pytest.raises(KeyError, match="script CON03 has no state 'pending bank info provided by cr'"):
        con03.step("pending bank info provided by cr")
    with pytest.raises(KeyError, match="the pack has no script 'CON99'"):
        example.script("CON99")


def test_the_business_scripts_expect_their_transactions(example):
    switch = example.script("SW01")
    assert [s.ends_by for s in switch.steps] == [
        Transaction("814_01", "CR", "ERCOT"),
        Transaction("814_03", "ERCOT", "TDSP"),
        Transaction("814_04", "TDSP", "ERCOT"),
        Transaction("814_05", "ERCOT", "CR"),
        Transaction("867_04", "TDSP", "ERCOT"),
    ]
    assert [s.ends_by.type for s in example.script("MVI01").steps][:4] == ["814_16", "814_03", "814_04", "814_17"]
    assert [s.ends_by.type for s in example.script("MVO01").steps][:4] == ["814_24", "814_03", "814_04", "814_25"]
    invoice, remittance = (s.ends_by for s in example.script("BIL01").steps)
    assert (invoice.submitter, invoice.receiver, remittance.submitter, remittance.receiver) == (
        "TDSP",
        "CR",
        "CR",
        "TDSP",
    )


# Choosing the scripts a pairing runs


def ids(scripts: tuple[Script, ...]) -> list[str]:
    return [s.script_id for s in scripts]


def test_scripts_for_a_pairing(example):
    every_connectivity = ["CON02", "CON03", "CON05", "CON52", "ACK55", "ACK56"]
    assert ids(example.scripts_for("connectivity", "bank_change", "iou")) == every_connectivity
    assert ids(example.scripts_for("connectivity", "new_cr", "iou")) == ["CON02", "CON03", "CON05", "ACK55", "ACK56"]
    assert ids(example.scripts_for("connectivity", "system_change", "muni_coop")) == [
        "CON02",
        "CON03",
        "CON05",
        "ACK55",
        "ACK56",
    ]
    business = ["SW01", "MVI01", "MVO01", "MVO-MVI01"]
    assert ids(example.scripts_for("business", "new_cr", "iou")) == [*business, "BIL01", "SO01"]
    assert ids(example.scripts_for("business", "new_cr", "muni_coop")) == [*business, "BIL02", "SO01"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("Connectivity", "new_cr", "iou"), "'Connectivity' is not one of connectivity, business"),
        (("business", "changing_banks", "iou"), "'changing_banks' is not one of new_cr, bank_change, system_change"),
        (("business", "new_cr", "muni"), "'muni' is not one of iou, muni_coop"),
    ],
)
def test_scripts_for_refuses_a_misspelt_argument(example, arguments, message):
    with pytest.raises(ValueError, match=message):
        example.scripts_for(*arguments)


def test_runs_for_and_tdsp_types_default_to_all_and_keep_one_order():
    read = parse_pack(as_yaml(pack()))
    assert (read.scripts[0].runs_for, read.scripts[0].tdsp_types) == (packs.PAIRING_KINDS, packs.TDSP_TYPES)
    assert read.example is False
    read = parse_pack(as_yaml(pack(script(runs_for=["system_change", "new_cr"], tdsp_types=["muni_coop"]))))
    assert (read.scripts[0].runs_for, read.scripts[0].tdsp_types) == (("new_cr", "system_change"), ("muni_coop",))


def test_a_business_script_runs_on_one_premise_unless_its_pack_says_otherwise(example):
    assert {s.script_id: s.premises for s in example.scripts if s.premises != 1} == {
        "CON02": 0,
        "CON03": 0,
        "CON05": 0,
        "CON52": 0,
        "ACK55": 0,
        "ACK56": 0,
        "MVO-MVI01": 2,
    }
    switch = script(script_id="SW01", kind="business")
    assert parse_pack(as_yaml(pack(switch))).scripts[0].premises == 1
    assert parse_pack(as_yaml(pack(changed(switch, premises=0)))).scripts[0].premises == 0
    assert parse_pack(as_yaml(pack(changed(switch, premises=10)))).scripts[0].premises == 10
    assert parse_pack(as_yaml(pack(script(premises=0)))).scripts[0].premises == 0


COUNT_OR_NAMES = "premises must be a whole number from 0 to 10 or a list of the premises' names"


@pytest.mark.parametrize(
    ("premises", "problem"),
    [
        (11, f"{COUNT_OR_NAMES}, not the number 11"),
        (-1, f"{COUNT_OR_NAMES}, not the number -1"),
        (1.5, f"{COUNT_OR_NAMES}, not the number 1.5"),
        ("two", f"{COUNT_OR_NAMES}, not 'two'"),
        (True, f"{COUNT_OR_NAMES}, not 'true'"),
        ({"move-out": 1}, f"{COUNT_OR_NAMES}, not a mapping"),
        ([], "premises must name 1 to 10 premises, not 0"),
        ([f"P{n}" for n in range(11)], "premises must name 1 to 10 premises, not 11"),
        (["Move-out", ""], "premise 2's name is required"),
        (["Move-out", ["a"]], "premise 2's name must be text, not a list"),
        (["x" * 41], "premise 1's name must be at most 40 characters, not 41"),
        (["Move-out", "move-out "], "premises name 'move-out' twice"),
    ],
)
def test_premises_is_a_small_whole_number_or_the_premises_names(premises, problem):
    switch = script(script_id="SW01", kind="business", premises=premises)
    assert problems(as_yaml(pack(switch))) == [f"script SW01: {problem}"]
    assert problems(json.dumps(pack(switch))) == [f"script SW01: {problem}"]


def test_a_business_script_may_name_its_premises_in_the_order_its_steps_use_them(example):
    move = example.script("MVO-MVI01")
    assert (move.premises, move.premise_names) == (2, ("Move-out premise", "Move-in premise"))
    assert all(s.premise_names == () for s in example.scripts if s.script_id != "MVO-MVI01")
    named = parse_pack(as_yaml(pack(script(script_id="SW01", kind="business", premises=["Only premise"]))))
    assert (named.scripts[0].premises, named.scripts[0].premise_names) == (1, ("Only premise",))
    assert problems(as_yaml(pack(script(premises=["A"])))) == [
        f"{CON03}: premises: a connectivity script exchanges no premise data; leave premises out"
    ]


def test_a_connectivity_script_has_no_premises():
    assert problems(as_yaml(pack(script(premises=1)))) == [
        f"{CON03}: premises: a connectivity script exchanges no premise data; leave premises out"
    ]


# YAML and JSON


def test_json_and_yaml_give_the_same_pack(example):
    document = yaml.safe_load(EXAMPLE.read_text())
    assert parse_pack(json.dumps(document), "application/json") == example
    assert parse_pack(json.dumps(document, indent="\t")) == example  # tabs: valid JSON, never valid YAML
    assert parse_pack(EXAMPLE.read_text(), "application/yaml") == example
    assert parse_pack("\ufeff" + EXAMPLE.read_text()) == example


def test_a_plain_yaml_value_is_read_as_written():
    text = as_yaml(pack(script(step(action=GONE, transaction={"type": "X", "sender": "CR", "receiver": "ERCOT"}))))
    text = text.replace("type: X", "type: 814_01")  # YAML 1.1 alone would read the number 81401
    assert parse_pack(text).scripts[0].steps[0].ends_by == Transaction("814_01", "CR", "ERCOT")
    assert parse_pack(text.replace("814_01", "997")).scripts[0].steps[0].ends_by.type == "997"


def test_yaml_anchors_aliases_and_merge_keys_work():
    text = """
title: Flight 0625 scripts
scripts:
  - &con03
    script_id: CON03
    title: Bank Transfer
    kind: connectivity
    scenario: Bank transfer
    begins: CR
    steps:
      - state: Pending Bank Info Provided by CR
        responsible: CR
        instructions: &same Follow the flight's instructions.
        action: Bank Info Provided by CR
  - <<: *con03
    script_id: CON04
    title: *same
"""
    con03, con04 = parse_pack(text).scripts
    assert con04 == dataclasses.replace(con03, script_id="CON04", title="Follow the flight's instructions.")


# Canonical JSON


def test_the_canonical_json_round_trip_is_identity(example):
    text = packs.pack_as_json(example)
    assert packs.pack_from_json(text) == example
    assert parse_pack(text) == example  # a stored pack can be uploaded again
    assert text.isascii() and "\n" not in text


def test_the_canonical_json_does_not_depend_on_how_the_pack_was_written(example):
    document = yaml.safe_load(EXAMPLE.read_text())
    reordered = {key: document[key] for key in reversed(document)}
    reordered["scripts"] = [{key: s[key] for key in sorted(s)} for s in document["scripts"]]
    assert packs.pack_as_json(parse_pack(json.dumps(reordered, indent=2))) == packs.pack_as_json(example)
    assert packs.pack_as_json(example) == packs.pack_as_json(parse_pack(EXAMPLE.read_text()))


def test_the_canonical_json_names_premises_only_when_not_the_kinds_own(example):
    written = {s["script_id"]: s for s in json.loads(packs.pack_as_json(example))["scripts"]}
    assert [name for name, s in written.items() if "premises" in s] == ["MVO-MVI01"]
    assert written["MVO-MVI01"]["premises"] == ["Move-out premise", "Move-in premise"]
    # A pack stored before premises existed reads as it did, and keeps its digest; so does one that counted them.
    assert "premises" not in written["SW01"] and packs.pack_from_json(packs.pack_as_json(example)) == example
    counted = dataclasses.replace(example.script("MVO-MVI01"), premise_names=())
    (written,) = json.loads(packs.pack_as_json(dataclasses.replace(example, scripts=(counted,))))["scripts"]
    assert written["premises"] == 2


def test_the_canonical_json_names_every_field():
    written = json.loads(packs.pack_as_json(parse_pack(as_yaml(pack()))))
    assert written == {
        "title": "Flight 0625 scripts",
        "example": False,
        "scripts": [
            {
                "script_id": "CON03",
                "title": "Bank Transfer",
                "kind": "connectivity",
                "scenario": "Bank transfer",
                "begins": "CR",
                "runs_for": ["new_cr", "bank_change", "system_change"],
                "tdsp_types": ["iou", "muni_coop"],
                "steps": [step()],
            }
        ],
    }


# Every check, with the message a person reads


def test_the_issue_5_example_message():
    text = as_yaml(pack(script(step(), second_step(responsible="Bank"))))
    assert problems(text) == [f"{STEP_2}: responsible must be one of CR, TDSP, ERCOT, SP, not 'Bank'"]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (pack(script(), script()), [f"{CON03}: duplicate Script ID (also script 1)"]),
        (
            pack(script(), script(script_id="CON05"), script()),
            [f"{CON03}: duplicate Script ID (also script 1)"],
        ),
        (
            pack(script(script_id="con 03")),
            [
                "script 1: script_id must be 1 to 20 capital letters, digits, '_', '.' or '-', "
                "starting with a letter or digit, not 'con 03'"
            ],
        ),
        (
            pack(script(script_id="-CON03")),
            [
                "script 1: script_id must be 1 to 20 capital letters, digits, '_', '.' or '-', "
                "starting with a letter or digit, not '-CON03'"
            ],
        ),
        (
            pack(script(script_id="C" * 21)),
            [
                "script 1: script_id must be 1 to 20 capital letters, digits, '_', '.' or '-', "
                f"starting with a letter or digit, not '{'C' * 21}'"
            ],
        ),
        (pack(title=GONE), ["pack: title is required"]),
        (pack(scripts=[]), ["pack: scripts must list at least one script"]),
        (pack(scripts=None), ["pack: scripts must list at least one script"]),
        (pack(scripts=GONE), ["pack: scripts is required"]),
        (pack(example="maybe"), ["pack: example must be true or false, not 'maybe'"]),
        (pack(script(title=GONE, begins=GONE)), [f"{CON03}: title is required", f"{CON03}: begins is required"]),
        (pack(script(steps=[])), [f"{CON03}: steps must list at least one step"]),
        (pack(script(steps="Pending")), [f"{CON03}: steps must be a list of steps, not 'Pending'"]),
        (
            pack(script(kind="Connectivity")),
            [f"{CON03}: kind must be one of connectivity, business, not 'Connectivity'"],
        ),
        (pack(script(begins="SP")), [f"{CON03}: begins must be one of CR, TDSP, ERCOT, not 'SP'"]),
        (
            pack(script(scenery="Bank transfer", scenario=GONE)),
            [f"{CON03}: scenario is required", f"{CON03}: unknown key 'scenery'; did you mean 'scenario'?"],
        ),
        (
            pack(script(runs_for=["bank"])),
            [f"{CON03}: runs_for must name only new_cr, bank_change, system_change, not 'bank'"],
        ),
        (pack(script(runs_for=["new_cr", "new_cr"])), [f"{CON03}: runs_for names new_cr twice"]),
        (
            pack(script(runs_for=[])),
            [f"{CON03}: runs_for must name at least one of new_cr, bank_change, system_change"],
        ),
        (
            pack(script(runs_for="bank_change")),
            [f"{CON03}: runs_for must be a list such as [new_cr, bank_change, system_change], not 'bank_change'"],
        ),
        (pack(script(tdsp_types=["coop"])), [f"{CON03}: tdsp_types must name only iou, muni_coop, not 'coop'"]),
        (
            pack(script("Pending")),
            [
                "script CON03, step 1: must be a mapping of state, responsible, instructions, action, transaction, "
                "p2p, not 'Pending'"
            ],
        ),
        (
            pack(script(step(responsible=GONE, responsable="CR"))),
            [f"{STEP_1}: responsible is required", f"{STEP_1}: unknown key 'responsable'; did you mean 'responsible'?"],
        ),
        (
            pack(script(step(colour="red"))),
            [
                f"{STEP_1}: unknown key 'colour'; the keys are: state, responsible, instructions, action, "
                "transaction, p2p"
            ],
        ),
        (pack(script(step(state=GONE))), ["script CON03, step 1: state is required"]),
        (pack(script(step(state="  "))), ["script CON03, step 1: state is required"]),
        (pack(script(step(instructions=None))), [f"{STEP_1}: instructions is required"]),
        (
            pack(script(step(action=GONE))),
            [f"{STEP_1}: must end by exactly one of action, transaction or p2p; it has none"],
        ),
        (
            pack(script(step(transaction={"type": "814_01", "sender": "CR", "receiver": "ERCOT"}))),
            [f"{STEP_1}: must end by exactly one of action, transaction or p2p; it has both action and transaction"],
        ),
        (
            pack(script(step(p2p=bank_transfer(receiver="ERCOT")))),
            [
                f"{STEP_1}: must end by exactly one of action, transaction or p2p; it has both action and p2p",
                f"{STEP_1}: p2p receiver must be one of CR, TDSP, not 'ERCOT'",
            ],
        ),
        (
            pack(script(step(), step(action="Task Complete"))),
            ["script CON03, step 2 (Pending Bank Info Provided by CR): duplicate state (also step 1)"],
        ),
        (
            pack(script(step(), second_step(), step(state="pending  bank info provided BY CR"))),
            ["script CON03, step 3 (pending  bank info provided BY CR): duplicate state (also step 1)"],
        ),
    ],
)
def test_each_check_names_the_problem(document, expected):
    assert problems(as_yaml(document)) == expected


def test_any_party_may_be_responsible_for_a_step_and_the_sp_acts_for_the_cr():
    read = parse_pack(as_yaml(pack(script(step(responsible="SP"), second_step(responsible="ERCOT")))))
    assert [s.responsible for s in read.scripts[0].steps] == ["SP", "ERCOT"]


@pytest.mark.parametrize("script_id", ["CON03", "1001", "BIL-01.A_2", "C" * 20])
def test_script_ids(script_id):
    assert parse_pack(as_yaml(pack(script(script_id=script_id)))).scripts[0].script_id == script_id


@pytest.mark.parametrize("label", [*packs.RESERVED_ACTIONS, "begin  working"])
def test_the_tools_own_buttons_are_no_step_action(label):
    canonical = next(a for a in packs.RESERVED_ACTIONS if a.lower() == " ".join(label.split()).lower())
    assert problems(as_yaml(pack(script(step(action=label))))) == [
        f"{STEP_1}: action '{canonical}' is a button the tool shows itself; choose another name"
    ]


@pytest.mark.parametrize("state", [*packs.RESERVED_STATES, "script  passed", "READY TO BEGIN"])
def test_the_states_the_tool_sets_are_reserved(state):
    canonical = next(s for s in packs.RESERVED_STATES if s.lower() == " ".join(state.split()).lower())
    assert problems(as_yaml(pack(script(step(state=state))))) == [
        f"script CON03, step 1 ({state}): state '{canonical}' is one the tool sets itself; choose another name"
    ]


def transaction_step(**fields) -> dict:
    return step(action=GONE, transaction=changed({"type": "814_01", "sender": "CR", "receiver": "ERCOT"}, **fields))


@pytest.mark.parametrize(
    ("transaction", "expected"),
    [
        ({"type": "814-01"}, ["transaction type must be like 814_01 or 997, not '814-01'"]),
        ({"type": "81401"}, ["transaction type must be like 814_01 or 997, not '81401'"]),
        ({"sender": "SP"}, ["transaction sender must be one of CR, TDSP, ERCOT, not 'SP'"]),
        ({"receiver": "CR"}, ["transaction sender and receiver must be different parties, not both CR"]),
        ({"receiver": "TDSP"}, ["a transaction from CR to TDSP never passes through ERCOT; make it a p2p"]),
        (
            {"receiver": GONE, "reciever": "ERCOT"},
            ["transaction receiver is required", "unknown key 'reciever' in transaction; did you mean 'receiver'?"],
        ),
        ({"receiver": GONE}, ["transaction receiver is required"]),
    ],
)
def test_transaction_checks(transaction, expected):
    document = pack(script(transaction_step(**transaction)))
    assert problems(as_yaml(document)) == [f"{STEP_1}: {message}" for message in expected]


@pytest.mark.parametrize(
    ("p2p", "expected"),
    [
        ({"submitter": "ERCOT"}, ["p2p submitter must be one of CR, TDSP, not 'ERCOT'"]),
        ({"submitter": "SP"}, ["p2p submitter must be one of CR, TDSP, not 'SP'"]),
        ({"receiver": "CR"}, ["p2p submitter and receiver must be different parties, not both CR"]),
        ({"receiver_instructions": GONE}, ["p2p receiver_instructions is required"]),
        (
            {"titel": "P2P Flow - Bank Transfer", "title": GONE},
            ["p2p title is required", "unknown key 'titel' in p2p; did you mean 'title'?"],
        ),
    ],
)
def test_p2p_checks(p2p, expected):
    document = pack(script(step(action=GONE, p2p=bank_transfer(**p2p))))
    assert problems(as_yaml(document)) == [f"{STEP_1}: {message}" for message in expected]


def test_a_p2p_runs_either_way():
    text = as_yaml(pack(script(step(action=GONE, p2p=bank_transfer(submitter="TDSP", receiver="CR")))))
    ends_by = parse_pack(text).scripts[0].steps[0].ends_by
    assert (ends_by.submitter, ends_by.receiver) == ("TDSP", "CR")


def test_p2p_must_be_a_mapping():
    assert problems(as_yaml(pack(script(step(action=GONE, p2p="Bank Transfer"))))) == [
        f"{STEP_1}: p2p must be a mapping of title, submitter, receiver, submitter_instructions, "
        "receiver_instructions, not 'Bank Transfer'"
    ]


# Texts and sizes


def test_texts_are_trimmed_and_instructions_may_span_lines():
    text = as_yaml(pack(script(step(state="  Pending Bank Info  ", instructions="Line one.\n\tLine two.\n"))))
    first = parse_pack(text).scripts[0].steps[0]
    assert (first.state, first.instructions) == ("Pending Bank Info", "Line one.\n\tLine two.")


def test_text_limits():
    name, instructions = "N" * packs.NAME_MAX, "I" * packs.INSTRUCTIONS_MAX
    parse_pack(as_yaml(pack(script(step(state=name, instructions=instructions)))))
    assert problems(as_yaml(pack(script(title=name + "N", steps=[step(instructions=instructions + "I")])))) == [
        f"{CON03}: title must be at most 200 characters, not 201",
        f"{STEP_1}: instructions must be at most 2,000 characters, not 2,001",
    ]


def test_names_are_one_line_of_plain_text():
    assert problems(as_yaml(pack(script(step(action="Bank Info\nProvided"))))) == [
        f"{STEP_1}: action must be one line: it holds a tab or line break at character 10"
    ]
    assert problems(as_yaml(pack(script(step(instructions="Bell \x07"))))) == [
        f"{STEP_1}: instructions holds a control character (U+0007) at character 6; remove it"
    ]


def test_at_most_500_scripts_and_50_steps():
    many = [script(script_id=f"S{number}") for number in range(1, 502)]
    assert problems(as_yaml(pack(*many))) == ["pack: has 501 scripts; a pack may have at most 500"]
    steps = [step(state=f"State {number}") for number in range(1, 52)]
    assert problems(as_yaml(pack(script(*steps)))) == [f"{CON03}: has 51 steps; a script may have at most 50"]
    parse_pack(as_yaml(pack(*many[:500])))
    parse_pack(as_yaml(pack(script(*steps[:50]))))


def test_a_pack_too_big_is_refused_before_it_is_read():
    assert problems("#" * (packs.MAX_CHARACTERS + 1)) == [
        "pack: has 5,000,001 characters; a pack may have at most 5,000,000"
    ]


def test_at_most_a_thousand_problems_are_listed():
    text = "title: Flight 0625 scripts\nscripts: []\n" + "".join(f"key{n}: 1\n" for n in range(1200))
    found = problems(text)
    assert len(found) == packs.MAX_PROBLEMS + 1
    assert found[-1] == "pack: only the first 1000 problems are listed"


def test_a_large_pack_reads_quickly():
    steps = [step(state=f"State {number}", instructions="I" * 500) for number in range(1, 11)]
    text = as_yaml(pack(*[script(*steps, script_id=f"S{number}") for number in range(1, 201)]))
    assert len(text) > 1_000_000
    started = time.perf_counter()
    assert len(parse_pack(text).scripts) == 200
    assert time.perf_counter() - started < 10


# Syntax


@pytest.mark.parametrize(
    ("text", "media_type", "expected"),
    [
        (
            "title: x\nscripts:\n  - script_id: CON03\n   title: Bank Transfer\n",
            "",
            "line 4, column 4: expected <block end>, but found '<block mapping start>' "
            "(while parsing a block collection on line 3); check the indentation",
        ),
        ("title: x\n  scripts: []\n", "", "line 2, column 10: mapping values are not allowed here"),
        ("title: x\n\tscripts: []\n", "", "line 2, column 1: found character '\\t' that cannot start any token"),
        ("title: x\n---\ntitle: y\n", "", "line 2, column 1: a pack is one YAML document, but another starts here"),
        ("title: *flight\n", "", "line 1, column 8: found undefined alias 'flight'"),
        ("title: 'Flight\x010625'\n", "", "line 1: the character U+0001 is not allowed"),
        ('{"title": "x",\n "scripts": [}', "", "line 2, column 14: Expecting value"),
        ('{"title": "x",\n "scripts": [1,]}', "application/json", "line 2, column 16: Expecting value"),
        (
            '{"title": "x"\n "scripts": []}',
            "application/json; charset=utf-8",
            "line 2, column 2: Expecting ',' delimiter",
        ),
        ("", "", "pack: the text is empty"),
        ("# nothing but a comment\n", "", "pack: the text is empty"),
        ("[" * 100_000, "", "pack: is nested too deeply"),
        ("[" * 100_000, "application/yaml", "pack: is nested too deeply"),
    ],
)
def test_a_syntax_error_is_named_by_line_and_column(text, media_type, expected):
    assert problems(text, media_type) == [expected]


def test_the_top_of_the_pack_is_a_mapping():
    assert problems("- CON03\n") == ["pack: must be a mapping of title, example, scripts, not a list"]
    assert problems('"CON03"', "application/json") == [
        "pack: must be a mapping of title, example, scripts, not 'CON03'"
    ]


def test_a_repeated_key_is_refused_not_overwritten():
    text = as_yaml(pack()) + "title: Flight 0725 scripts\n"
    assert problems(text) == ["pack: duplicate key 'title'"]
    assert problems(json.dumps(pack())[:-1] + ', "title": "Flight 0725"}') == ["pack: duplicate key 'title'"]


# Many problems at once, in document order


MANY_PROBLEMS = pack(
    script(
        step(),
        second_step(responsible="Bank"),
        step(state="Script Passed", action=GONE),
        kind="Connectivity",
        runs_for=["bank"],
    ),
    script(script_id="con 04", scenario=GONE, colour="blue"),
    script(step(action=GONE, transaction={"type": "814_01", "sender": "CR", "receiver": "TDSP"})),
    title="",
)


MANY_PROBLEMS_FOUND = [
    "pack: title is required",
    f"{CON03}: kind must be one of connectivity, business, not 'Connectivity'",
    f"{STEP_2}: responsible must be one of CR, TDSP, ERCOT, SP, not 'Bank'",
    "script CON03, step 3 (Script Passed): must end by exactly one of action, transaction or p2p; it has none",
    "script CON03, step 3 (Script Passed): state 'Script Passed' is one the tool sets itself; choose another name",
    f"{CON03}: runs_for must name only new_cr, bank_change, system_change, not 'bank'",
    "script 2: scenario is required",
    "script 2: script_id must be 1 to 20 capital letters, digits, '_', '.' or '-', "
    "starting with a letter or digit, not 'con 04'",
    "script 2: unknown key 'colour'; the keys are: script_id, title, kind, scenario, begins, runs_for, tdsp_types, "
    "premises, steps",
    f"{CON03}: duplicate Script ID (also script 1)",
    f"{STEP_1}: a transaction from CR to TDSP never passes through ERCOT; make it a p2p",
]


def test_a_pack_with_many_problems_lists_them_all_in_document_order():
    with pytest.raises(PackError) as refused:
        parse_pack(as_yaml(MANY_PROBLEMS))
    assert refused.value.problems == MANY_PROBLEMS_FOUND
    assert str(refused.value) == "the script pack has 11 problems: pack: title is required (and 10 more)"


def test_json_lists_the_same_problems_in_the_same_order():
    assert problems(json.dumps(MANY_PROBLEMS, indent=2), "application/json") == MANY_PROBLEMS_FOUND


def test_one_problem_is_summarised_as_one():
    with pytest.raises(PackError, match=r"^the script pack has 1 problem: pack: title is required$"):
        parse_pack(as_yaml(pack(title=GONE)))


# The module stays fit for workflow code


def test_the_module_does_no_io_and_imports_no_service_machinery():
    code = (
        "import sys, services.scripts.packs; "
        "print(sorted(m for m in ('temporalio', 'grpc', 'sqlalchemy', 'psycopg', 'httpx', 'flightrak.db', "
        "'flightrak.grpc_runtime', 'flightrak.settings') if m in sys.modules))"
    )
    root = Path(__file__).parents[1]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert result.stdout.strip() == "[]"


def test_the_pack_is_plain_frozen_data(example):
    assert hash(example) == hash(packs.pack_from_json(packs.pack_as_json(example)))
    with pytest.raises(AttributeError):
        example.scripts[0].steps[0].state = "Changed"
    assert isinstance(example.scripts[0].steps, tuple) and isinstance(example.scripts[0].steps[0], Step)


def test_a_key_is_text():
    assert problems("? [title]\n: Flight 0625 scripts\ntitle: Flight 0625 scripts\nscripts: []\n") == [
        "pack: a key must be text, not a list or a mapping",
        "pack: scripts must list at least one script",
    ]

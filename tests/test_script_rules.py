"""The script-issue and P2P rules alone: who may act as which party, and what each may do now."""

from datetime import UTC, datetime

import pytest

from flightrak.tokens import Principal
from services.scripts import packs, transactions
from services.scripts.models import ScriptIssue, Transaction
from workflows.items import CONFLICT, FORBIDDEN, INVALID
from workflows.scripts import models as m
from workflows.scripts import rules

LONESTAR, EDIGATE, ONCOR, ERCOT, BLUEBONNET = "079348512", "601234587", "103994067", "183529049", "116724480"
PAIRING = m.Pairing("0127", LONESTAR, "Lone Star", ONCOR, "Oncor", EDIGATE, ERCOT)


def person(duns: str, *roles: str) -> Principal:
    return Principal("7", duns, frozenset(roles or {"user"}), "Pat", "")


CR_USER, SP_USER, TDSP_USER = person(LONESTAR), person(EDIGATE), person(ONCOR)
ERCOT_USER, STRANGER = person(ERCOT, "ercot_reviewer", "user"), person(BLUEBONNET)
NOW = datetime(2026, 3, 2, 15, tzinfo=UTC)


def script(state: str, responsible: str, step_action: str = "", expects_type: str = "") -> rules.Script:
    expects = f"{expects_type} from the CR to the ERCOT" if expects_type else ""
    return rules.Script(PAIRING, state, responsible, step_action, expects, expects_type)


READY = script(m.READY_TO_BEGIN, m.CR)
STEP = script("Pending Bank Info Provided by CR", m.CR, "Bank Info Provided by CR")
SWITCH_STEP = script("Pending 814_01 from CR", m.CR, expects_type="814_01")


def refusal_of(action: str, where: rules.Script, who: Principal, comment: str = ""):
    return rules.FLOW.refusal(action, where.state, who, where, NOW, comment)


@pytest.mark.parametrize(
    ("who", "parties"),
    [
        (CR_USER, {m.CR, m.SP}),
        (SP_USER, {m.CR, m.SP}),  # the SP acts for the CR that chose it
        (TDSP_USER, {m.TDSP}),
        (ERCOT_USER, {m.ERCOT}),
        (STRANGER, set()),
    ],
)
def test_parties_of(who, parties):
    assert rules.parties_of(who, PAIRING) == parties


def test_a_pairing_without_an_sp_gives_no_company_the_cr_part_by_an_empty_duns():
    alone = m.Pairing("0127", LONESTAR, "Lone Star", ONCOR, "Oncor", "", ERCOT)
    assert rules.parties_of(person(""), alone) == set()


@pytest.mark.parametrize(
    ("action", "where", "who", "comment", "refusal"),
    [
        (m.BEGIN_WORKING, READY, CR_USER, "", None),
        (m.BEGIN_WORKING, READY, TDSP_USER, "", "the CR begins this script"),
        (m.BEGIN_WORKING, script(m.READY_TO_BEGIN, m.ERCOT), ERCOT_USER, "", None),
        (m.BEGIN_WORKING, STEP, CR_USER, "", "Begin Working is not possible in state Pending Bank Info Provided by CR"),
        (m.STEP_ACTION, STEP, SP_USER, "", None),
        (m.STEP_ACTION, STEP, TDSP_USER, "", "this step is the CR's to complete"),
        (m.STEP_ACTION, SWITCH_STEP, CR_USER, "", "waits for a 814_01 from the CR to the ERCOT, not for a button"),
        (m.ESCALATE_TO_ERCOT, STEP, TDSP_USER, "", "Escalate to ERCOT needs a comment"),
        (m.ESCALATE_TO_ERCOT, STEP, TDSP_USER, "Nothing came.", None),
        (m.ESCALATE_TO_PARTNER, STEP, ERCOT_USER, "x", "only the CR (or its Service Provider) and the TDSP"),
        (m.RESOLVE, script(m.ESCALATED_TO_ERCOT, m.ERCOT), TDSP_USER, "x", "escalated to (ERCOT) resolves it"),
        (m.RESOLVE, script(m.ESCALATED_TO_ERCOT, m.ERCOT), ERCOT_USER, "Done.", None),
        (m.RESOLVE, script(m.ESCALATED_TO_PARTNER, m.TDSP), CR_USER, "x", "escalated to (TDSP) resolves it"),
        (m.RESOLVE, script(m.ESCALATED_TO_PARTNER, m.TDSP), TDSP_USER, "Got it.", None),
        (m.RESOLVE, STEP, ERCOT_USER, "x", "Resolve Escalation is not possible in state Pending Bank Info"),
        (m.MARK_FAILED, STEP, CR_USER, "x", "only ERCOT marks a script failed"),
        (m.MARK_FAILED, script(m.SCRIPT_PASSED, ""), ERCOT_USER, "x", "not possible in state Script Passed"),
        (m.BEGIN_WORKING, READY, STRANGER, "", "the CR begins this script"),
        (m.ATTACH_TRANSACTION, STEP, ERCOT_USER, "x", "waits for the CR to click Bank Info Provided by CR"),
        (m.ATTACH_TRANSACTION, SWITCH_STEP, CR_USER, "x", "only ERCOT attaches"),
        (m.ATTACH_TRANSACTION, SWITCH_STEP, ERCOT_USER, " ", "needs a comment"),
        (m.FLIGHT_ENDED, STEP, ERCOT_USER, "x", "the flight's end closes an unfinished script"),
        ("launch", STEP, CR_USER, "", "'launch' is not a script action"),
    ],
)
def test_script_refusal(action, where, who, comment, refusal):
    found = refusal_of(action, where, who, comment)
    assert found == refusal if refusal is None else refusal in found.message


def test_a_step_is_a_row_of_the_table_whatever_the_pack_calls_it():
    assert rules.kind_of("Pending Bank Info Provided by CR") == rules.STEP
    assert rules.kind_of(m.ESCALATED_TO_ERCOT) == m.ESCALATED_TO_ERCOT
    assert rules.FLOW.states[rules.STEP].responsible == rules.SENDER


def test_an_attached_transaction_must_be_of_the_steps_type():
    assert rules.wrong_transaction(SWITCH_STEP, "814_01") is None
    assert "this transaction is a 814_04" in rules.wrong_transaction(SWITCH_STEP, "814_04").message


def test_the_buttons_follow_the_same_rule():
    assert [a["label"] for a in rules.buttons(STEP, CR_USER, NOW)] == [
        "Bank Info Provided by CR",
        "Escalate to ERCOT",
        "Escalate to Testing Partner",
    ]
    assert [a["name"] for a in rules.buttons(STEP, ERCOT_USER, NOW)] == [m.MARK_FAILED]
    assert rules.buttons(STEP, STRANGER, NOW) == []


@pytest.mark.parametrize(
    ("action", "state", "who", "comment", "refusal"),
    [
        (m.TASK_COMPLETE, m.SUBMITTER_WORKING, CR_USER, "", None),
        (m.TASK_COMPLETE, m.SUBMITTER_WORKING, TDSP_USER, "", "this step is the CR's (Lone Star)"),
        (m.TASK_COMPLETE, m.RECEIVER_IN_REVIEW, TDSP_USER, "", None),
        (m.ESCALATE_TO_SUBMITTER, m.RECEIVER_IN_REVIEW, TDSP_USER, " ", "Escalate to Submitter needs a comment"),
        (m.ESCALATE_TO_SUBMITTER, m.SUBMITTER_WORKING, CR_USER, "x", "not possible in state Submitter Working"),
        (m.RETURN_TO_RECEIVER, m.ESCALATED_TO_SUBMITTER, SP_USER, "Sent.", None),
        (m.TASK_COMPLETE, m.COMPLETED, TDSP_USER, "", "Task Complete is not possible in state Completed"),
    ],
)
def test_p2p_refusal(action, state, who, comment, refusal):
    responsible = {m.SUBMITTER_WORKING: m.CR, m.ESCALATED_TO_SUBMITTER: m.CR, m.RECEIVER_IN_REVIEW: m.TDSP}
    sub_flow = rules.sub_flow_facts(PAIRING, responsible.get(state, ""))
    found = rules.P2P_FLOW.refusal(action, state, who, sub_flow, NOW, comment)
    assert found == refusal if refusal is None else refusal in found.message


def reported(kind: str, sender: str, receiver: str, esi_id: str = "") -> Transaction:
    return Transaction(
        transaction_id="t",
        type=kind,
        sender_duns=sender,
        receiver_duns=receiver,
        esi_id=esi_id,
        reference="",
        valid=True,
        reasons=[],
    )


def switch_issue(esi_ids: tuple[str, ...] = ()) -> ScriptIssue:
    return ScriptIssue(
        item_id=1004,
        flight="0127",
        script_id="SW01",
        cr_duns=LONESTAR,
        tdsp_duns=ONCOR,
        sp_duns=EDIGATE,
        pack_version=1,
        parent_item_id=None,
        step=0,
        esi_ids=list(esi_ids),
    )


ISSUE = switch_issue()


def test_a_transaction_matches_the_parties_of_the_step():
    expects = {"expects_sender": m.CR, "expects_receiver": m.ERCOT}
    assert transactions.parties_match(reported("814_01", LONESTAR, ERCOT), ISSUE, expects, ERCOT)
    assert transactions.parties_match(reported("814_01", EDIGATE, ERCOT), ISSUE, expects, ERCOT)  # sent by its SP
    assert not transactions.parties_match(reported("814_01", BLUEBONNET, ERCOT), ISSUE, expects, ERCOT)
    assert not transactions.parties_match(reported("814_01", ERCOT, LONESTAR), ISSUE, expects, ERCOT)


def test_issues_already_on_the_premise_come_first_then_begun_ones():
    class Item:
        def __init__(self, fields):
            self.fields = fields

    waiting = ("ready", Item({"step": "0 of 5"}))
    begun = ("begun", Item({"step": "2 of 5"}))
    on_premise = ("premise", Item({"step": "1 of 5", "esi_id": "10443720000000001"}))
    kept = reported("814_03", ERCOT, ONCOR, esi_id="10443720000000001")
    assert [c[0] for c in transactions.likeliest_first(kept, [waiting, begun, on_premise])] == [
        "premise",
        "begun",
        "ready",
    ]


def test_a_report_names_every_bad_field():
    bad = transactions.Reported(type="81401", sender_duns="12345", receiver_duns=ERCOT, reference="", esi_id="99")
    assert set(transactions.problems_of(bad)) == {"type", "sender_duns", "esi_id", "reference"}
    good = transactions.Reported(type="814_01", sender_duns=LONESTAR, receiver_duns=ERCOT, reference="SW-1")
    assert transactions.problems_of(good) == {}


def test_a_script_on_test_bed_premises_takes_only_their_transactions():
    on_test_bed = switch_issue(("10443720000000001", "10443720000000002"))
    expects = {"expects_sender": m.CR, "expects_receiver": m.ERCOT}
    assert transactions.parties_match(
        reported("814_01", LONESTAR, ERCOT, "10443720000000002"), on_test_bed, expects, ERCOT
    )
    assert not transactions.parties_match(
        reported("814_01", LONESTAR, ERCOT, "10443720000000009"), on_test_bed, expects, ERCOT
    )
    assert transactions.parties_match(reported("814_01", LONESTAR, ERCOT), on_test_bed, expects, ERCOT)  # names none


def test_why_a_transaction_matched_nothing():
    on_test_bed = switch_issue(("10443720000000001",))
    assert transactions.why_unmatched(reported("814_01", BLUEBONNET, ERCOT), []).startswith("wrong party")
    stranger = reported("814_01", LONESTAR, ERCOT, "10443720000000009")
    assert transactions.why_unmatched(stranger, [(on_test_bed, None)]).startswith("unknown ESI ID 10443720000000009")
    early = reported("824", LONESTAR, ERCOT, "10443720000000001")
    assert transactions.why_unmatched(early, [(on_test_bed, None)]).startswith("no script expects this type now")


ACKNOWLEDGED_TWICE = """
title: Two acknowledgements
scripts:
  - script_id: EDM01
    title: EDM twice
    kind: connectivity
    scenario: NAESB EDM connectivity
    begins: CR
    steps:
      - {state: Pending Test File 1, responsible: CR, instructions: Send it., action: Test File Sent}
      - {state: Pending 997 1, responsible: ERCOT, instructions: Ack., transaction: {type: "997", sender: ERCOT,
         receiver: CR}}
      - {state: Pending Test File 2, responsible: CR, instructions: Send it., action: Test File Sent}
      - {state: Pending 997 2, responsible: ERCOT, instructions: Ack., transaction: {type: "997", sender: ERCOT,
         receiver: CR}}
"""


def test_the_steps_a_transaction_could_claim_are_those_from_the_current_one_on_that_expect_it():
    [script] = packs.parse_pack(ACKNOWLEDGED_TWICE, "application/yaml").scripts
    ack = reported("997", ERCOT, LONESTAR)
    assert transactions.steps_expecting(ack, ISSUE, script, 0, ERCOT) == [2, 4]  # before Begin Working: early
    assert transactions.steps_expecting(ack, ISSUE, script, 2, ERCOT) == [2, 4]
    assert transactions.steps_expecting(ack, ISSUE, script, 3, ERCOT) == [4]
    assert transactions.steps_expecting(reported("997", LONESTAR, ERCOT), ISSUE, script, 1, ERCOT) == []
    off_premise = reported("997", ERCOT, LONESTAR, "10443720000000009")
    assert transactions.steps_expecting(off_premise, switch_issue(("10443720000000001",)), script, 1, ERCOT) == []


def test_a_transaction_that_finds_every_step_taken_says_which_took_them():
    ack = reported("997", ERCOT, LONESTAR)
    taken = [(1004 + 8 * n, 2, ERCOT, f"00000000{n}-1-0001") for n in range(transactions.TAKEN_SHOWN)]
    why = transactions.why_unmatched(ack, [(ISSUE, None)], taken, transactions.TAKEN_SHOWN + 2)
    assert why.startswith(f"no free step: every step that waits for a 997 from {ERCOT} to {LONESTAR}")
    assert f"item 1004 step 2 took {ERCOT}:000000000-1-0001" in why and why.endswith("; and 2 more)")


def test_a_refusal_says_what_kind_it_is_so_every_caller_answers_alike():
    """Not the caller's to take (403), not in this state (409), bad input (400, naming the field)."""
    assert refusal_of(m.STEP_ACTION, STEP, TDSP_USER).kind == FORBIDDEN
    assert refusal_of(m.RESOLVE, STEP, ERCOT_USER, "x").kind == CONFLICT
    missing = refusal_of(m.ESCALATE_TO_ERCOT, STEP, TDSP_USER, " ")
    assert (missing.kind, missing.field) == (INVALID, "comment")
    assert refusal_of("launch", STEP, CR_USER).field == "action"

"""A script issue from the pack: its steps as the workflow carries them, which scripts a pairing runs, and
the step that opens it. No I/O."""

from services.scripts import packs
from workflows.items import SYSTEM_ACTOR, ItemTransition
from workflows.scripts import models as m
from workflows.scripts.ids import script_issue_workflow_id


def spec_of(script: packs.Script, pack_version: int) -> m.ScriptSpec:
    """The pack's script as the script-issue workflow runs it."""
    steps = []
    for step in script.steps:
        ends_by = step.ends_by
        spec = m.StepSpec(step.state, step.responsible, step.instructions)
        if isinstance(ends_by, packs.Action):
            spec.action = ends_by.label
        elif isinstance(ends_by, packs.Transaction):
            spec.transaction = m.TransactionSpec(ends_by.type, ends_by.sender, ends_by.receiver)
        else:
            spec.p2p = m.P2PSpec(
                ends_by.title,
                ends_by.submitter,
                ends_by.receiver,
                ends_by.submitter_instructions,
                ends_by.receiver_instructions,
            )
        steps.append(spec)
    return m.ScriptSpec(script.script_id, script.title, script.begins, steps, pack_version)


def scripts_of(pack: packs.ScriptPack, kind: str, pairing: m.PairingToTest) -> list[packs.Script]:
    """The scripts of `kind` this pairing runs: those of any of its pairing kinds, in the pack's order."""
    chosen = {
        script.script_id
        for pairing_kind in pairing.pairing_kinds
        for script in pack.scripts_for(kind, pairing_kind, pairing.tdsp_type)
    }
    return [script for script in pack.scripts if script.script_id in chosen]


def title_of(script: packs.Script | m.ScriptSpec, pairing: m.Pairing) -> str:
    return f"{script.script_id} {script.title} - {pairing.cr_name} / {pairing.tdsp_name}"


def opened(item_id: int, pairing: m.Pairing, script: packs.Script, pack_version: int) -> ItemTransition:
    """The first step of a script issue, recorded when the flight opens it: Ready to Begin."""
    return ItemTransition(
        workflow_id=script_issue_workflow_id(pairing.flight, pairing.cr_duns, pairing.tdsp_duns, script.script_id),
        item_id=item_id,
        seq=1,
        item_type=m.SCRIPT_ISSUE,
        title=title_of(script, pairing),
        company_duns=pairing.cr_duns,
        state=m.READY_TO_BEGIN,
        responsible_party=script.begins,
        instructions=f"The {script.begins} clicks Begin Working to start this script.",
        fields={
            "flight": pairing.flight,
            "script_id": script.script_id,
            "script_title": script.title,
            "pack_version": str(pack_version),
            "cr_duns": pairing.cr_duns,
            "cr_name": pairing.cr_name,
            "tdsp_duns": pairing.tdsp_duns,
            "tdsp_name": pairing.tdsp_name,
            "step": f"0 of {len(script.steps)}",
        },
        closed=False,
        actor=SYSTEM_ACTOR,
        action="Opened",
        from_state="",
        to_state=m.READY_TO_BEGIN,
        changes={},
        comment=f"Opened when the flight opened {script.kind} testing (script pack version {pack_version}).",
    )

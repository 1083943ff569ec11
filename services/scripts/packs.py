"""Script packs (guide §7): the scripts ERCOT publishes for a flight, as YAML or JSON, read and checked
with every problem named at once, in the order it appears in the text. No I/O: the caller brings the text.

A pack reads like this (`pack_as_json` writes the same shape, so a stored pack can be uploaded again):

    title: Flight 0625 scripts
    example: false                     # optional; true marks a pack that is not ERCOT's
    scripts:
      - script_id: CON03
        title: Bank Transfer
        kind: connectivity             # or business
        scenario: Bank transfer
        begins: CR                     # who clicks Begin Working: CR, TDSP or ERCOT
        runs_for: [new_cr, bank_change, system_change]   # optional; all three when left out
        tdsp_types: [iou, muni_coop]   # optional; both when left out
        premises: 1                    # optional: ESI IDs a business script runs on (1 when left out; 0: none),
                                       # or the premises' names: [Move-out premise, Move-in premise]
        steps:
          - state: Pending Bank Info Provided by CR
            responsible: CR            # CR, TDSP, ERCOT or SP (the CR's service provider)
            instructions: Give the TDSP your bank information, then click Bank Info Provided by CR.
            action: Bank Info Provided by CR
          - ...
            transaction: {type: 814_01, sender: CR, receiver: ERCOT}
          - ...
            p2p: {title: P2P Flow - Bank Transfer, submitter: CR, receiver: TDSP,
                  submitter_instructions: ..., receiver_instructions: ...}

Decisions, as the upload page should explain them:
- Begin Working is not a step: the script issue starts in Ready to Begin, the `begins` party clicks
  Begin Working, and the issue moves to the first step's state. When the last step ends, the script passes.
- A step ends by exactly one of: a participant's button (`action`), a transaction ERCOT sees (`transaction`:
  one side is always ERCOT; an exchange between CR and TDSP never passes through ERCOT, so it is a `p2p`
  sub-flow), or a P2P sub-flow between the CR and the TDSP.
- A plain YAML value is read as it is written: `type: 814_01` stays "814_01" (YAML 1.1 alone would read the
  number 81401); an empty value counts as missing.
- Names (titles, scenario, states, action labels) are one line of at most 200 characters; instructions at most
  2000 characters and may span lines; both are trimmed. Parties, kinds, pairing kinds and TDSP types are
  written exactly as shown (capitals included).
- A state name is unique within its script, ignoring case and spacing, and is none of the states the tool
  sets itself. An action is not named like one of the tool's own buttons (Begin Working, Escalate to ERCOT, ...);
  Task Complete is a step's action.
- runs_for and tdsp_types are kept in the order listed above, whatever order the pack gives.
- premises: how many premises (ESI IDs from the TDSP's test bed) a business script runs on, 0 to 10; 1 when
  left out. Or a list of their names, in the order the steps use them (`[Move-out premise, Move-in premise]`:
  two premises), each one line of at most 40 characters, no two alike: the TDSP's test-bed template labels
  each premise's row with its number and name. Once the pack is published, a flight's test beds are filled
  for its business scripts with premises, each pairing for those it runs. A connectivity script exchanges no
  premise data: 0, or left out.
- JSON is read as JSON, so its syntax errors give a line and column; YAML anchors, aliases and merge keys
  work; a YAML file holds one document. Other problems are named by script and step, the same for both.
"""

import difflib
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from flightrak import boundary
from workflows.scripts.vocabulary import CR, ERCOT, PAIRING_KINDS, TDSP, TDSP_TYPES, pairing_runs
from workflows.scripts.vocabulary import OWN_BUTTONS as RESERVED_ACTIONS
from workflows.scripts.vocabulary import OWN_STATES as RESERVED_STATES
from workflows.scripts.vocabulary import PARTIES as RESPONSIBLE_PARTIES

BEGINNING_PARTIES = (CR, TDSP, ERCOT)
TRANSACTION_PARTIES = (CR, TDSP, ERCOT)
P2P_PARTIES = (CR, TDSP)
SCRIPT_KINDS = ("connectivity", "business")

MAX_CHARACTERS = 5_000_000
MAX_SCRIPTS = 500
MAX_STEPS = 50
MAX_PREMISES = 10
PREMISE_NAME_MAX = 40
NAME_MAX = 200
INSTRUCTIONS_MAX = 2000
SCRIPT_ID_MAX = 20
MAX_PROBLEMS = 1000

_SCRIPT_ID = re.compile(rf"[A-Z0-9][A-Z0-9_.-]{{0,{SCRIPT_ID_MAX - 1}}}")
_TRANSACTION_TYPE = re.compile(r"[0-9]{3}(?:_[0-9]{2})?")
_ENDS = ("action", "transaction", "p2p")
_YAML_KINDS = {
    "tag:yaml.org,2002:null": "empty",
    "tag:yaml.org,2002:bool": "true/false",
    "tag:yaml.org,2002:int": "number",
    "tag:yaml.org,2002:float": "number",
}


@dataclass(frozen=True, slots=True)
class Action:
    """A participant's button that ends the step, such as "Bank Info Provided by CR" or "Task Complete"."""

    label: str


@dataclass(frozen=True, slots=True)
class Transaction:
    """A market transaction ERCOT sees (type such as "814_01") that ends the step when it matches."""

    type: str
    sender: str
    receiver: str


@dataclass(frozen=True, slots=True)
class P2P:
    """A point-to-point sub-flow between the CR and the TDSP; the step ends when the sub-flow is Completed."""

    title: str
    submitter: str
    receiver: str
    submitter_instructions: str
    receiver_instructions: str


@dataclass(frozen=True, slots=True)
class Step:
    state: str
    responsible: str
    instructions: str
    ends_by: Action | Transaction | P2P


@dataclass(frozen=True, slots=True)
class Script:
    script_id: str
    title: str
    kind: str
    scenario: str
    begins: str
    runs_for: tuple[str, ...]
    tdsp_types: tuple[str, ...]
    steps: tuple[Step, ...]
    premises: int  # ESI IDs of the test bed the script runs on; 0 for connectivity scripts
    premise_names: tuple[str, ...] = ()  # one per premise, in order, when the pack names them

    @property
    def first_state(self) -> str:
        """The state the issue enters when the `begins` party clicks Begin Working."""
        return self.steps[0].state

    def step(self, state: str) -> Step:
        return self.steps[self._index(state)]

    def step_after(self, state: str) -> Step | None:
        """The step that follows `state`'s, or None when `state` is the last step and the script passes."""
        following = self._index(state) + 1
        return self.steps[following] if following < len(self.steps) else None

    def _index(self, state: str) -> int:
        for index, step in enumerate(self.steps):
            if step.state == state:
                return index
        raise KeyError(f"script {self.script_id} has no state {state!r}")


@dataclass(frozen=True, slots=True)
class ScriptPack:
    scripts: tuple[Script, ...]
    title: str
    example: bool

    def script(self, script_id: str) -> Script:
        for script in self.scripts:
            if script.script_id == script_id:
                return script
        raise KeyError(f"the pack has no script {script_id!r}")

    def scripts_for(self, kind: str, pairing_kind: str, tdsp_type: str) -> tuple[Script, ...]:
        """The scripts of `kind` that a pairing of `pairing_kind` with a TDSP of `tdsp_type` runs, in pack order."""
        for value, allowed in ((kind, SCRIPT_KINDS), (pairing_kind, PAIRING_KINDS), (tdsp_type, TDSP_TYPES)):
            if value not in allowed:
                raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return tuple(
            script
            for script in self.scripts
            if script.kind == kind and pairing_runs(script.runs_for, script.tdsp_types, (pairing_kind,), tdsp_type)
        )


class PackError(ValueError):
    """Why a pack is refused: every problem, in the order it appears in the text."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        count = len(problems)
        summary = f"the script pack has {count} problem{'' if count == 1 else 's'}"
        super().__init__(f"{summary}: {problems[0]}" + (f" (and {count - 1} more)" if count > 1 else ""))


def parse_pack(text: str, media_type: str = "") -> ScriptPack:
    """The pack in `text` (YAML or JSON; `media_type` such as "application/json" settles which, else the
    text's first character does), or PackError naming every problem."""
    text = text.removeprefix("\ufeff")
    if len(text) > MAX_CHARACTERS:
        raise PackError([f"pack: has {len(text):,} characters; a pack may have at most {MAX_CHARACTERS:,}"])
    tree = _tree(text, media_type.lower())
    reader = _Reader()
    try:
        pack = reader.pack(tree)
    except _EnoughProblems:
        reader.problems.append(f"pack: only the first {MAX_PROBLEMS} problems are listed")
    if reader.problems or pack is None:
        raise PackError(reader.problems)
    return pack


def pack_as_json(pack: ScriptPack) -> str:
    """Canonical JSON of the pack: the same pack always gives the same text (to store a published version
    and to hash it), and the text is itself a valid pack."""
    document = {"title": pack.title, "example": pack.example, "scripts": [_script_document(s) for s in pack.scripts]}
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def digest(content: str) -> str:
    """A stored pack's fingerprint: publishing the same pack again is seen to change nothing."""
    return hashlib.sha256(content.encode()).hexdigest()


def pack_from_json(text: str) -> ScriptPack:
    """The pack `pack_as_json` wrote; the text is trusted and not checked again."""
    document = json.loads(text)
    return ScriptPack(
        scripts=tuple(_script_from(script) for script in document["scripts"]),
        title=document["title"],
        example=document["example"],
    )


def _script_document(script: Script) -> dict:
    return {
        "script_id": script.script_id,
        "title": script.title,
        "kind": script.kind,
        "scenario": script.scenario,
        "begins": script.begins,
        "runs_for": list(script.runs_for),
        "tdsp_types": list(script.tdsp_types),
        "steps": [_step_document(step) for step in script.steps],
    } | _premises_document(script)


def _premises_document(script: Script) -> dict:
    """Premises as the pack gave them: their names, or a count that is not the kind's own."""
    if script.premise_names:
        return {"premises": list(script.premise_names)}
    return {} if script.premises == _default_premises(script.kind) else {"premises": script.premises}


def _step_document(step: Step) -> dict[str, object]:
    document: dict[str, object] = {
        "state": step.state,
        "responsible": step.responsible,
        "instructions": step.instructions,
    }
    ends_by = step.ends_by
    if isinstance(ends_by, Action):
        document["action"] = ends_by.label
    elif isinstance(ends_by, Transaction):
        document["transaction"] = {"type": ends_by.type, "sender": ends_by.sender, "receiver": ends_by.receiver}
    else:
        document["p2p"] = {
            "title": ends_by.title,
            "submitter": ends_by.submitter,
            "receiver": ends_by.receiver,
            "submitter_instructions": ends_by.submitter_instructions,
            "receiver_instructions": ends_by.receiver_instructions,
        }
    return document


def _script_from(document: dict) -> Script:
    return _script(document | {"steps": [_step_from(step) for step in document["steps"]]})


def _script(fields: dict) -> Script:
    """A script from its keys as a pack writes them, read (by `_Reader`) or stored (canonical JSON); `premises` is a
    count or the premises' names."""
    premises = fields.get("premises", _default_premises(fields["kind"]))
    names = tuple(premises) if isinstance(premises, list | tuple) else ()
    return Script(
        script_id=fields["script_id"],
        title=fields["title"],
        kind=fields["kind"],
        scenario=fields["scenario"],
        begins=fields["begins"],
        runs_for=tuple(fields.get("runs_for", PAIRING_KINDS)),
        tdsp_types=tuple(fields.get("tdsp_types", TDSP_TYPES)),
        steps=tuple(fields["steps"]),
        premises=len(names) if isinstance(premises, list | tuple) else premises,
        premise_names=names,
    )


def _default_premises(kind: str) -> int:
    """A business script runs on one premise unless its pack says otherwise; a connectivity script on none. Left
    out of the canonical JSON when so, which keeps the digests of packs published before premises existed."""
    return 1 if kind == "business" else 0


def _step_from(document: dict) -> Step:
    ends_by: Action | Transaction | P2P
    if "action" in document:
        ends_by = Action(document["action"])
    elif "transaction" in document:
        ends_by = Transaction(**document["transaction"])
    else:
        ends_by = P2P(**document["p2p"])
    return Step(document["state"], document["responsible"], document["instructions"], ends_by)


# The text as a tree: mappings keep every key in order (duplicates too), scalars keep the text as written.


@dataclass(frozen=True, slots=True)
class _Scalar:
    text: str
    kind: str  # text, number, true/false or empty


@dataclass(slots=True)
class _Mapping:
    pairs: list[tuple[str | None, object]]  # a key that is not a scalar is None


def _tree(text: str, media_type: str) -> object:
    declared = "json" if "json" in media_type else "yaml" if "yaml" in media_type or "yml" in media_type else ""
    json_problem = None
    if declared == "json" or (not declared and text.lstrip()[:1] in ("{", "[")):
        try:
            return json.loads(
                text, object_pairs_hook=_Mapping, parse_int=_number, parse_float=_number, parse_constant=_number
            )
        except json.JSONDecodeError as error:
            json_problem = f"line {error.lineno}, column {error.colno}: {error.msg}"
        except RecursionError:
            raise PackError(["pack: is nested too deeply"]) from None
        if declared == "json":
            raise PackError([json_problem])
    try:
        tree = _yaml_tree(text)
    except yaml.MarkedYAMLError as error:
        raise PackError([json_problem or _yaml_problem(error)]) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        raise PackError(
            [json_problem or f"line {line}: the character U+{error.character:04X} is not allowed"]
        ) from None
    except RecursionError:
        raise PackError(["pack: is nested too deeply"]) from None
    if tree is None:
        raise PackError(["pack: the text is empty"])
    return tree


def _number(text: str) -> _Scalar:
    return _Scalar(text, "number")


def _yaml_tree(text: str) -> object:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _from_node(node, loader, {})
    finally:
        loader.dispose()


def _from_node(node: yaml.Node, loader: yaml.SafeLoader, converted: dict[int, object]) -> object:
    """The node as a tree; an alias's node is converted once, so aliases cost nothing however often used."""
    if id(node) in converted:
        return converted[id(node)]
    if isinstance(node, yaml.ScalarNode):
        converted[id(node)] = _Scalar(node.value, _YAML_KINDS.get(node.tag, "text"))
    elif isinstance(node, yaml.SequenceNode):
        items: list[object] = []
        converted[id(node)] = items
        items.extend(_from_node(item, loader, converted) for item in node.value)
    else:
        assert isinstance(node, yaml.MappingNode)  # the only other kind of node
        mapping = _Mapping([])
        converted[id(node)] = mapping
        mapping.pairs.extend(
            (key.value if isinstance(key, yaml.ScalarNode) else None, _from_node(value, loader, converted))
            for key, value in _merged(node, loader)
        )
    return converted[id(node)]


def _merged(node: yaml.MappingNode, loader: yaml.SafeLoader) -> list[tuple[yaml.Node, yaml.Node]]:
    """The mapping's pairs with those of its merge keys (<<: *defaults) first, as YAML reads them: a key
    written in the mapping overrides a merged one, and an earlier merged mapping a later one. A key written
    twice in the mapping itself stays twice, to be refused."""
    written = sum(1 for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge")
    loader.flatten_mapping(node)
    inherited, own = node.value[: len(node.value) - written], node.value[len(node.value) - written :]
    taken = {key.value for key, _ in own if isinstance(key, yaml.ScalarNode)}
    kept = []
    for key, value in reversed(inherited):  # flatten_mapping puts the winning pair last
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if name is None or name not in taken:
            kept.append((key, value))
            taken.add(name)
    return kept[::-1] + own


def _yaml_problem(error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "pack"
    if error.context == "expected a single document in the stream":
        return f"{where}: a pack is one YAML document, but another starts here"
    problem = error.problem or error.context or "is not valid YAML"
    if error.problem and error.context and error.context_mark and error.context_mark is not mark:
        problem += f" ({error.context} on line {error.context_mark.line + 1})"
    if "<block" in problem:
        problem += "; check the indentation"
    return f"{where}: {problem}"


def _scalar(value: object) -> _Scalar | None:
    if isinstance(value, _Scalar):
        return value
    if isinstance(value, str):
        return _Scalar(value, "text")
    if isinstance(value, bool):
        return _Scalar("true" if value else "false", "true/false")
    if value is None:
        return _Scalar("", "empty")
    return None


def _found(value: object) -> str:
    if isinstance(value, _Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    scalar = _scalar(value)
    if scalar is None:
        return type(value).__name__
    if scalar.kind == "number":
        return f"the number {scalar.text}"
    return "empty" if scalar.kind == "empty" else _shown(scalar.text)


def _shown(text: str, limit: int = 40) -> str:
    return boundary.quoted(text, limit)


def _spoken(names: tuple[str, ...]) -> str:
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def _same_name(name: str) -> str:
    return " ".join(name.split()).casefold()


_RESERVED_STATES = {_same_name(state): state for state in RESERVED_STATES}
_RESERVED_ACTIONS = {_same_name(label): label for label in RESERVED_ACTIONS}


def _peek(value: object, key: str) -> str:
    """The trimmed text of a mapping's first `key`, to name where a problem is; '' when there is none."""
    if not isinstance(value, _Mapping):
        return ""
    for name, item in value.pairs:
        if name == key:
            scalar = _scalar(item)
            text = scalar.text.strip() if scalar and scalar.kind != "empty" else ""
            return "" if boundary.text_problem(text, limit=NAME_MAX) else text
    return ""


class _EnoughProblems(Exception):
    pass


class _Reader:
    """Walks the tree in document order and notes each problem where it is found. Each reader returns the
    value read, or None when the value has a problem (already noted)."""

    def __init__(self):
        self.problems: list[str] = []

    def add(self, where: str, message: str) -> None:
        if len(self.problems) == MAX_PROBLEMS:
            raise _EnoughProblems
        self.problems.append(f"{where}: {message}")

    def pack(self, tree: object) -> ScriptPack | None:
        where = "pack"
        fields = self.mapping(
            tree,
            where,
            "",
            {
                "title": lambda value: self.text(value, where, "title"),
                "example": lambda value: self.flag(value, where, "example"),
                "scripts": lambda value: self.scripts(value, where),
            },
            required=("title", "scripts"),
        )
        if fields is None:
            return None
        return ScriptPack(scripts=fields["scripts"], title=fields["title"], example=fields.get("example", False))

    def scripts(self, value: object, where: str) -> tuple[Script, ...] | None:
        items = self.sequence(value, where, "scripts", "script", "a pack", MAX_SCRIPTS)
        if items is None:
            return None
        numbers: dict[str, int] = {}
        scripts = [self.script(item, number, numbers) for number, item in enumerate(items, start=1)]
        read = tuple(script for script in scripts if script is not None)
        return read if len(read) == len(scripts) else None

    def script(self, value: object, number: int, numbers: dict[str, int]) -> Script | None:
        script_id = _peek(value, "script_id")
        where = f"script {script_id if _SCRIPT_ID.fullmatch(script_id) else number}"
        fields = self.mapping(
            value,
            where,
            "",
            {
                "script_id": lambda item: self.script_id(item, where, number, numbers),
                "title": lambda item: self.text(item, where, "title"),
                "kind": lambda item: self.choice(item, where, "kind", SCRIPT_KINDS),
                "scenario": lambda item: self.text(item, where, "scenario"),
                "begins": lambda item: self.choice(item, where, "begins", BEGINNING_PARTIES),
                "runs_for": lambda item: self.choices(item, where, "runs_for", PAIRING_KINDS),
                "tdsp_types": lambda item: self.choices(item, where, "tdsp_types", TDSP_TYPES),
                "premises": lambda item: self.premises(item, where),
                "steps": lambda item: self.steps(item, where),
            },
            required=("script_id", "title", "kind", "scenario", "begins", "steps"),
        )
        if fields is None:
            return None
        script = _script(fields)
        if script.premises and script.kind != "business":
            self.add(where, f"premises: a {script.kind} script exchanges no premise data; leave premises out")
            return None
        return script

    def premises(self, value: object, where: str) -> int | tuple[str, ...] | None:
        """A count, or the premises' names (a tuple)."""
        if isinstance(value, list):
            return self.premise_names(value, where)
        scalar = _scalar(value)
        whole = scalar is not None and scalar.kind == "number" and boundary.is_number(scalar.text)
        if scalar is None or not whole or int(scalar.text) > MAX_PREMISES:
            self.add(
                where,
                f"premises must be a whole number from 0 to {MAX_PREMISES} or a list of the premises' names, "
                f"not {_found(value)}",
            )
            return None
        return int(scalar.text)

    def premise_names(self, value: list, where: str) -> tuple[str, ...] | None:
        if not 1 <= len(value) <= MAX_PREMISES:
            self.add(where, f"premises must name 1 to {MAX_PREMISES} premises, not {len(value)}")
            return None
        before = len(self.problems)
        names: list[str] = []
        for number, item in enumerate(value, start=1):
            name = self.text(item, where, f"premise {number}'s name")
            if name is None:
                continue
            if len(name) > PREMISE_NAME_MAX:
                limit = f"at most {PREMISE_NAME_MAX} characters, not {len(name)}"
                self.add(where, f"premise {number}'s name must be {limit}")
            elif _same_name(name) in map(_same_name, names):
                self.add(where, f"premises name {_shown(name)} twice")
            names.append(name)
        return None if len(self.problems) > before else tuple(names)

    def script_id(self, value: object, where: str, number: int, numbers: dict[str, int]) -> str | None:
        script_id = self.text(value, where, "script_id")
        if script_id is None:
            return None
        if not _SCRIPT_ID.fullmatch(script_id):
            self.add(
                where,
                f"script_id must be 1 to {SCRIPT_ID_MAX} capital letters, digits, '_', '.' or '-', "
                f"starting with a letter or digit, not {_shown(script_id)}",
            )
            return None
        if script_id in numbers:
            self.add(where, f"duplicate Script ID (also script {numbers[script_id]})")
            return None
        numbers[script_id] = number
        return script_id

    def steps(self, value: object, where: str) -> tuple[Step, ...] | None:
        items = self.sequence(value, where, "steps", "step", "a script", MAX_STEPS)
        if items is None:
            return None
        numbers: dict[str, int] = {}
        steps = [self.step(item, where, number, numbers) for number, item in enumerate(items, start=1)]
        read = tuple(step for step in steps if step is not None)
        return read if len(read) == len(steps) else None

    def step(self, value: object, script_where: str, number: int, numbers: dict[str, int]) -> Step | None:
        state = _peek(value, "state")
        where = f"{script_where}, step {number}" + (f" ({state})" if state else "")
        fields = self.mapping(
            value,
            where,
            "",
            {
                "state": lambda item: self.state(item, where, number, numbers),
                "responsible": lambda item: self.choice(item, where, "responsible", RESPONSIBLE_PARTIES),
                "instructions": lambda item: self.text(item, where, "instructions", lines=True),
                "action": lambda item: self.action(item, where),
                "transaction": lambda item: self.transaction(item, where),
                "p2p": lambda item: self.p2p(item, where),
            },
            required=("state", "responsible", "instructions"),
            ends=_ENDS,
        )
        if fields is None:
            return None
        ends_by = next(fields[name] for name in _ENDS if name in fields)
        return Step(fields["state"], fields["responsible"], fields["instructions"], ends_by)

    def state(self, value: object, where: str, number: int, numbers: dict[str, int]) -> str | None:
        state = self.text(value, where, "state")
        if state is None:
            return None
        same = _same_name(state)
        reserved = _RESERVED_STATES.get(same)
        if reserved:
            self.add(where, f"state '{reserved}' is one the tool sets itself; choose another name")
            return None
        if same in numbers:
            self.add(where, f"duplicate state (also step {numbers[same]})")
            return None
        numbers[same] = number
        return state

    def action(self, value: object, where: str) -> Action | None:
        label = self.text(value, where, "action")
        if label is None:
            return None
        reserved = _RESERVED_ACTIONS.get(_same_name(label))
        if reserved:
            self.add(where, f"action '{reserved}' is a button the tool shows itself; choose another name")
            return None
        return Action(label)

    def transaction(self, value: object, where: str) -> Transaction | None:
        fields = self.mapping(
            value,
            where,
            "transaction",
            {
                "type": lambda item: self.transaction_type(item, where),
                "sender": lambda item: self.choice(item, where, "transaction sender", TRANSACTION_PARTIES),
                "receiver": lambda item: self.choice(item, where, "transaction receiver", TRANSACTION_PARTIES),
            },
            required=("type", "sender", "receiver"),
        )
        if fields is None:
            return None
        sender, receiver = fields["sender"], fields["receiver"]
        if sender == receiver:
            self.add(where, f"transaction sender and receiver must be different parties, not both {sender}")
            return None
        if ERCOT not in (sender, receiver):
            self.add(where, f"a transaction from {sender} to {receiver} never passes through ERCOT; make it a p2p")
            return None
        return Transaction(fields["type"], sender, receiver)

    def transaction_type(self, value: object, where: str) -> str | None:
        transaction_type = self.text(value, where, "transaction type")
        if transaction_type is not None and not _TRANSACTION_TYPE.fullmatch(transaction_type):
            self.add(where, f"transaction type must be like 814_01 or 997, not {_shown(transaction_type)}")
            return None
        return transaction_type

    def p2p(self, value: object, where: str) -> P2P | None:
        fields = self.mapping(
            value,
            where,
            "p2p",
            {
                "title": lambda item: self.text(item, where, "p2p title"),
                "submitter": lambda item: self.choice(item, where, "p2p submitter", P2P_PARTIES),
                "receiver": lambda item: self.choice(item, where, "p2p receiver", P2P_PARTIES),
                "submitter_instructions": lambda item: self.text(item, where, "p2p submitter_instructions", True),
                "receiver_instructions": lambda item: self.text(item, where, "p2p receiver_instructions", True),
            },
            required=("title", "submitter", "receiver", "submitter_instructions", "receiver_instructions"),
        )
        if fields is None:
            return None
        if fields["submitter"] == fields["receiver"]:
            self.add(where, f"p2p submitter and receiver must be different parties, not both {fields['receiver']}")
            return None
        return P2P(**fields)

    # Shapes every reader above uses

    def mapping(
        self,
        value: object,
        where: str,
        name: str,
        readers: dict[str, Callable[[object], object]],
        required: tuple[str, ...] = (),
        ends: tuple[str, ...] = (),
    ) -> dict[str, Any] | None:
        """Each known key's value read, in document order; None when the mapping or a value has a problem. Missing
        keys are named first (they concern the whole mapping), then unknown and repeated keys where they stand.
        `ends`: a step's keys, of which it has exactly one."""
        before = len(self.problems)
        inside = f" in {name}" if name else ""
        if not isinstance(value, _Mapping):
            subject = f"{name} must" if name else "must"
            self.add(where, f"{subject} be a mapping of {', '.join(readers)}, not {_found(value)}")
            return None
        keys = [key for key, _ in value.pairs]
        for needed in required:
            if needed not in keys:
                self.add(where, f"{name} {needed} is required" if name else f"{needed} is required")
        if ends and not set(ends) & set(keys):
            self.add(where, f"must end by exactly one of {_spoken(ends)}; it has none")
        fields: dict[str, Any] = {}  # each value as its key's reader returned it
        seen: set[str] = set()
        ending = ""
        for key, item in value.pairs:
            if key is None:
                self.add(where, f"a key{inside} must be text, not a list or a mapping")
            elif key in seen:
                self.add(where, f"duplicate key {_shown(key)}{inside}")
            elif key not in readers:
                near = difflib.get_close_matches(key, [k for k in readers if k not in seen], n=1)
                hint = f"did you mean '{near[0]}'?" if near else f"the keys are: {', '.join(readers)}"
                self.add(where, f"unknown key {_shown(key)}{inside}; {hint}")
            else:
                if key in ends and ending:
                    self.add(where, f"must end by exactly one of {_spoken(ends)}; it has both {ending} and {key}")
                ending = ending or (key if key in ends else "")
                fields[key] = readers[key](item)
            if key is not None:
                seen.add(key)
        return None if len(self.problems) > before else fields

    def sequence(self, value: object, where: str, name: str, item: str, holder: str, limit: int) -> list[object] | None:
        """The list's items, at most `limit` of them: the rest are not read, so a short text that repeats large
        parts through YAML aliases costs no more to read than a pack at the limits."""
        if value == [] or _found(value) == "empty":
            self.add(where, f"{name} must list at least one {item}")
            return None
        if not isinstance(value, list):
            self.add(where, f"{name} must be a list of {item}s, not {_found(value)}")
            return None
        if len(value) > limit:
            self.add(where, f"has {len(value):,} {item}s; {holder} may have at most {limit}")
        return value[:limit]

    def text(self, value: object, where: str, name: str, lines: bool = False) -> str | None:
        """Trimmed text: one line of at most NAME_MAX characters, or with `lines` (instructions) several lines
        of at most INSTRUCTIONS_MAX."""
        scalar = _scalar(value)
        if scalar is None:
            self.add(where, f"{name} must be text, not {_found(value)}")
            return None
        text = scalar.text.replace("\r\n", "\n").replace("\r", "\n").strip()
        if scalar.kind == "empty" or not text:
            self.add(where, f"{name} is required")
            return None
        limit = INSTRUCTIONS_MAX if lines else NAME_MAX
        if len(text) > limit:
            self.add(where, f"{name} must be at most {limit:,} characters, not {len(text):,}")
            return None
        if problem := boundary.plain_text_problem(text, lines):
            self.add(where, f"{name} {problem}")
            return None
        return text

    def choice(self, value: object, where: str, name: str, choices: tuple[str, ...]) -> str | None:
        text = self.text(value, where, name)
        if text is not None and text not in choices:
            self.add(where, f"{name} must be one of {', '.join(choices)}, not {_shown(text)}")
            return None
        return text

    def choices(self, value: object, where: str, name: str, choices: tuple[str, ...]) -> tuple[str, ...] | None:
        """Some of `choices`, each once, kept in the order of `choices`."""
        if not isinstance(value, list):
            self.add(where, f"{name} must be a list such as [{', '.join(choices)}], not {_found(value)}")
            return None
        if not value:
            self.add(where, f"{name} must name at least one of {', '.join(choices)}")
            return None
        chosen: set[str] = set()
        before = len(self.problems)
        for item in value:
            scalar = _scalar(item)
            text = scalar.text.strip() if scalar else ""
            if text not in choices:
                self.add(where, f"{name} must name only {', '.join(choices)}, not {_found(item)}")
            elif text in chosen:
                self.add(where, f"{name} names {text} twice")
            chosen.add(text)
        return None if len(self.problems) > before else tuple(c for c in choices if c in chosen)

    def flag(self, value: object, where: str, name: str) -> bool | None:
        scalar = _scalar(value)
        if scalar is None or scalar.kind != "true/false":
            self.add(where, f"{name} must be true or false, not {_found(value)}")
            return None
        return yaml.SafeLoader.bool_values[scalar.text.lower()]

"""What the testbed knows of the market before anyone enters it: the scripts a flight's test beds
cover until its script pack says, and how many digits each TDSP's ESI IDs have.

Until ERCOT publishes a flight's script pack, every pairing's test bed covers these business scripts: each
needs one premise, the move-out-and-move-in script two, named (the report's ESIID1 and ESIID2). Connectivity
scripts (CON02, CON03, CON05) exchange no premise data and are not in the test bed. Once a pack is published,
the scripts service tells this service the pack's business scripts that need premises (SetTestBedScripts),
which replace this list for the test beds not yet submitted.
"""

from functools import cache

from workflows.scripts.vocabulary import PAIRING_KINDS, TDSP_TYPES
from workflows.scripts.vocabulary import pairing_runs as runs

DEFAULT_LIST = 0  # the default list's version among a flight's test-bed scripts; a pack's versions start at 1
DEFAULT_TEST_BED_SCRIPTS = (  # (Script ID, title, premises, their names)
    ("SW01", "Switch", 1, ()),
    ("MVI01", "Move-In", 1, ()),
    ("MVO01", "Move-Out", 1, ()),
    ("MVO-MVI01", "Move-Out and Move-In on another premise", 2, ("Move-out premise", "Move-in premise")),
    ("CSA01", "Continuous Service Agreement", 1, ()),
    ("SO01", "Service Order: disconnect and reconnect", 1, ()),
    ("BIL01", "Usage and billing: 867_03, 810 and 820", 1, ()),
)

# CenterPoint's ESI IDs have 22 digits; Oncor's, AEP's and TNMP's, like every other TDSP's, 17.
ESI_ID_DIGITS = 17
ESI_ID_DIGITS_BY_TDSP = {"957877905": 22}


def esi_id_digits(tdsp_duns: str) -> int:
    return ESI_ID_DIGITS_BY_TDSP.get(tdsp_duns, ESI_ID_DIGITS)


# Municipal utilities and electric cooperatives that opened to retail choice run the muni/co-op variants of
# some scripts. None of the demo market's TDSPs is one; a real deployment lists their DUNS here.
MUNI_COOP_TDSPS: frozenset[str] = frozenset()


def tdsp_type(tdsp_duns: str) -> str:
    return "muni_coop" if tdsp_duns in MUNI_COOP_TDSPS else "iou"


@cache
def pairing_runs(pairing_kinds: str, tdsp_duns: str, runs_for: str, tdsp_types: str) -> bool:
    """Whether a pairing (its kinds as stored, comma-separated) runs a test-bed script (its kinds and TDSP types
    as stored); the rule the script issues follow too."""
    return runs(runs_for.split(","), tdsp_types.split(","), pairing_kinds.split(","), tdsp_type(tdsp_duns))


MAX_PREMISES = 10
PREMISE_NAME_MAX = 40


def premise_labels(premises: int, names) -> tuple[str, ...]:
    """A name per premise of a test-bed script: the pack's, or "" for each when it names none."""
    return tuple(names) if names else ("",) * premises


def test_bed_script_problems(told) -> dict[str, str]:
    """What is wrong with test-bed scripts told for a flight's pack version (a SetTestBedScriptsRequest), by
    field. The scripts service has checked the pack; this guards the table against any other caller."""
    problems = {}
    if not (len(told.flight) == 4 and told.flight.isalnum()):
        problems["flight"] = f"'{told.flight}' is not a flight designation"
    if told.pack_version < 1:
        problems["pack_version"] = "a published pack's version is 1 or more"
    seen = set()
    for n, script in enumerate(told.scripts):
        if not 1 <= len(script.script_id) <= 20 or script.script_id in seen:
            problems[f"scripts.{n}.script_id"] = "1 to 20 characters, each script once"
        seen.add(script.script_id)
        if not 1 <= len(script.title) <= 200:
            problems[f"scripts.{n}.title"] = "1 to 200 characters"
        if not 1 <= script.premises <= MAX_PREMISES:
            problems[f"scripts.{n}.premises"] = f"a test-bed script needs 1 to {MAX_PREMISES} premises"
        names = list(script.premise_names)
        if names and (
            len(names) != script.premises
            or not all(1 <= len(name) <= PREMISE_NAME_MAX for name in names)
            or len({name.casefold() for name in names}) != len(names)
        ):
            problems[f"scripts.{n}.premise_names"] = (
                f"none, or one name per premise, each 1 to {PREMISE_NAME_MAX} characters and different"
            )
        for name, allowed in (("runs_for", PAIRING_KINDS), ("tdsp_types", TDSP_TYPES)):
            given = list(getattr(script, name))
            if not given or not set(given) <= set(allowed) or len(set(given)) != len(given):
                problems[f"scripts.{n}.{name}"] = f"some of {', '.join(allowed)}, each once"
    return problems

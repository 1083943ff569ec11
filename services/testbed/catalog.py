"""What the testbed knows of the market before anyone enters it: the scripts a flight's test beds
cover, and how many digits each TDSP's ESI IDs have.

Until ERCOT publishes a flight's script pack (the scripts issue makes packs data that replace this
list flight by flight), every pairing's test bed covers these business scripts: each needs one
premise, the move-out-and-move-in script two (the report's ESIID1 and ESIID2). Connectivity scripts
(CON02, CON03, CON05) exchange no premise data and are not in the test bed.
"""

DEFAULT_TEST_BED_SCRIPTS = (  # (Script ID, title, premises)
    ("SW01", "Switch", 1),
    ("MVI01", "Move-In", 1),
    ("MVO01", "Move-Out", 1),
    ("MVO-MVI01", "Move-Out and Move-In on another premise", 2),
    ("CSA01", "Continuous Service Agreement", 1),
    ("SO01", "Service Order: disconnect and reconnect", 1),
    ("BIL01", "Usage and billing: 867_03, 810 and 820", 1),
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

from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FlightAnalyticsRequest(_message.Message):
    __slots__ = ("flight",)
    FLIGHT_FIELD_NUMBER: _ClassVar[int]
    flight: str
    def __init__(self, flight: _Optional[str] = ...) -> None: ...

class WaitFigures(_message.Message):
    __slots__ = ("state", "responsible_party", "script_id", "cr_duns", "cr_name", "tdsp_duns", "tdsp_name", "issues", "waits", "p50_seconds", "p90_seconds", "total_seconds", "longest_seconds", "escalations", "failed_transactions")
    STATE_FIELD_NUMBER: _ClassVar[int]
    RESPONSIBLE_PARTY_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    CR_DUNS_FIELD_NUMBER: _ClassVar[int]
    CR_NAME_FIELD_NUMBER: _ClassVar[int]
    TDSP_DUNS_FIELD_NUMBER: _ClassVar[int]
    TDSP_NAME_FIELD_NUMBER: _ClassVar[int]
    ISSUES_FIELD_NUMBER: _ClassVar[int]
    WAITS_FIELD_NUMBER: _ClassVar[int]
    P50_SECONDS_FIELD_NUMBER: _ClassVar[int]
    P90_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LONGEST_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ESCALATIONS_FIELD_NUMBER: _ClassVar[int]
    FAILED_TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    state: str
    responsible_party: str
    script_id: str
    cr_duns: str
    cr_name: str
    tdsp_duns: str
    tdsp_name: str
    issues: int
    waits: int
    p50_seconds: float
    p90_seconds: float
    total_seconds: float
    longest_seconds: float
    escalations: int
    failed_transactions: int
    def __init__(self, state: _Optional[str] = ..., responsible_party: _Optional[str] = ..., script_id: _Optional[str] = ..., cr_duns: _Optional[str] = ..., cr_name: _Optional[str] = ..., tdsp_duns: _Optional[str] = ..., tdsp_name: _Optional[str] = ..., issues: _Optional[int] = ..., waits: _Optional[int] = ..., p50_seconds: _Optional[float] = ..., p90_seconds: _Optional[float] = ..., total_seconds: _Optional[float] = ..., longest_seconds: _Optional[float] = ..., escalations: _Optional[int] = ..., failed_transactions: _Optional[int] = ...) -> None: ...

class FlightAnalytics(_message.Message):
    __slots__ = ("flight", "whole_flight", "history_rows", "overall", "by_state", "by_party", "by_step", "by_pairing", "by_script", "by_pairing_state", "computed_at")
    FLIGHT_FIELD_NUMBER: _ClassVar[int]
    WHOLE_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    HISTORY_ROWS_FIELD_NUMBER: _ClassVar[int]
    OVERALL_FIELD_NUMBER: _ClassVar[int]
    BY_STATE_FIELD_NUMBER: _ClassVar[int]
    BY_PARTY_FIELD_NUMBER: _ClassVar[int]
    BY_STEP_FIELD_NUMBER: _ClassVar[int]
    BY_PAIRING_FIELD_NUMBER: _ClassVar[int]
    BY_SCRIPT_FIELD_NUMBER: _ClassVar[int]
    BY_PAIRING_STATE_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_AT_FIELD_NUMBER: _ClassVar[int]
    flight: str
    whole_flight: bool
    history_rows: int
    overall: WaitFigures
    by_state: _containers.RepeatedCompositeFieldContainer[WaitFigures]
    by_party: _containers.RepeatedCompositeFieldContainer[WaitFigures]
    by_step: _containers.RepeatedCompositeFieldContainer[WaitFigures]
    by_pairing: _containers.RepeatedCompositeFieldContainer[WaitFigures]
    by_script: _containers.RepeatedCompositeFieldContainer[WaitFigures]
    by_pairing_state: _containers.RepeatedCompositeFieldContainer[WaitFigures]
    computed_at: str
    def __init__(self, flight: _Optional[str] = ..., whole_flight: _Optional[bool] = ..., history_rows: _Optional[int] = ..., overall: _Optional[_Union[WaitFigures, _Mapping]] = ..., by_state: _Optional[_Iterable[_Union[WaitFigures, _Mapping]]] = ..., by_party: _Optional[_Iterable[_Union[WaitFigures, _Mapping]]] = ..., by_step: _Optional[_Iterable[_Union[WaitFigures, _Mapping]]] = ..., by_pairing: _Optional[_Iterable[_Union[WaitFigures, _Mapping]]] = ..., by_script: _Optional[_Iterable[_Union[WaitFigures, _Mapping]]] = ..., by_pairing_state: _Optional[_Iterable[_Union[WaitFigures, _Mapping]]] = ..., computed_at: _Optional[str] = ...) -> None: ...

import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DashboardReport(_message.Message):
    __slots__ = ("report", "flight", "state", "responsible_party", "search")
    REPORT_FIELD_NUMBER: _ClassVar[int]
    FLIGHT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RESPONSIBLE_PARTY_FIELD_NUMBER: _ClassVar[int]
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    report: str
    flight: str
    state: str
    responsible_party: str
    search: str
    def __init__(self, report: _Optional[str] = ..., flight: _Optional[str] = ..., state: _Optional[str] = ..., responsible_party: _Optional[str] = ..., search: _Optional[str] = ...) -> None: ...

class Dashboard(_message.Message):
    __slots__ = ("dashboard_id", "name", "shared", "owner_user_id", "owner_name", "company_duns", "mine", "reports", "updated_at")
    DASHBOARD_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SHARED_FIELD_NUMBER: _ClassVar[int]
    OWNER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_NAME_FIELD_NUMBER: _ClassVar[int]
    COMPANY_DUNS_FIELD_NUMBER: _ClassVar[int]
    MINE_FIELD_NUMBER: _ClassVar[int]
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    dashboard_id: int
    name: str
    shared: bool
    owner_user_id: str
    owner_name: str
    company_duns: str
    mine: bool
    reports: _containers.RepeatedCompositeFieldContainer[DashboardReport]
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, dashboard_id: _Optional[int] = ..., name: _Optional[str] = ..., shared: _Optional[bool] = ..., owner_user_id: _Optional[str] = ..., owner_name: _Optional[str] = ..., company_duns: _Optional[str] = ..., mine: _Optional[bool] = ..., reports: _Optional[_Iterable[_Union[DashboardReport, _Mapping]]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDashboardsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListDashboardsResponse(_message.Message):
    __slots__ = ("dashboards",)
    DASHBOARDS_FIELD_NUMBER: _ClassVar[int]
    dashboards: _containers.RepeatedCompositeFieldContainer[Dashboard]
    def __init__(self, dashboards: _Optional[_Iterable[_Union[Dashboard, _Mapping]]] = ...) -> None: ...

class GetDashboardRequest(_message.Message):
    __slots__ = ("dashboard_id",)
    DASHBOARD_ID_FIELD_NUMBER: _ClassVar[int]
    dashboard_id: int
    def __init__(self, dashboard_id: _Optional[int] = ...) -> None: ...

class SaveDashboardRequest(_message.Message):
    __slots__ = ("dashboard_id", "name", "shared", "reports")
    DASHBOARD_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SHARED_FIELD_NUMBER: _ClassVar[int]
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    dashboard_id: int
    name: str
    shared: bool
    reports: _containers.RepeatedCompositeFieldContainer[DashboardReport]
    def __init__(self, dashboard_id: _Optional[int] = ..., name: _Optional[str] = ..., shared: _Optional[bool] = ..., reports: _Optional[_Iterable[_Union[DashboardReport, _Mapping]]] = ...) -> None: ...

class DeleteDashboardResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

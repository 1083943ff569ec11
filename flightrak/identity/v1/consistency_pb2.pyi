import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetLastCheckRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ConsistencyDifference(_message.Message):
    __slots__ = ("kind", "item_id", "item_type", "projection", "workflow", "transaction")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_TYPE_FIELD_NUMBER: _ClassVar[int]
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    kind: str
    item_id: int
    item_type: str
    projection: str
    workflow: str
    transaction: str
    def __init__(self, kind: _Optional[str] = ..., item_id: _Optional[int] = ..., item_type: _Optional[str] = ..., projection: _Optional[str] = ..., workflow: _Optional[str] = ..., transaction: _Optional[str] = ...) -> None: ...

class ConsistencyCheck(_message.Message):
    __slots__ = ("checked", "checked_at", "items_checked", "transactions_checked", "seconds", "differences")
    CHECKED_FIELD_NUMBER: _ClassVar[int]
    CHECKED_AT_FIELD_NUMBER: _ClassVar[int]
    ITEMS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    DIFFERENCES_FIELD_NUMBER: _ClassVar[int]
    checked: bool
    checked_at: _timestamp_pb2.Timestamp
    items_checked: int
    transactions_checked: int
    seconds: float
    differences: _containers.RepeatedCompositeFieldContainer[ConsistencyDifference]
    def __init__(self, checked: _Optional[bool] = ..., checked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., items_checked: _Optional[int] = ..., transactions_checked: _Optional[int] = ..., seconds: _Optional[float] = ..., differences: _Optional[_Iterable[_Union[ConsistencyDifference, _Mapping]]] = ...) -> None: ...

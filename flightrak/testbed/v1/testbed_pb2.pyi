from flightrak.items.v1 import items_pb2 as _items_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DescribeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DescribeResponse(_message.Message):
    __slots__ = ("service", "caller_user_id", "caller_duns")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    CALLER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    CALLER_DUNS_FIELD_NUMBER: _ClassVar[int]
    service: str
    caller_user_id: str
    caller_duns: str
    def __init__(self, service: _Optional[str] = ..., caller_user_id: _Optional[str] = ..., caller_duns: _Optional[str] = ...) -> None: ...

class AttachTestBedRequest(_message.Message):
    __slots__ = ("item_id", "file_name", "content")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    item_id: int
    file_name: str
    content: bytes
    def __init__(self, item_id: _Optional[int] = ..., file_name: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class TestBedProblem(_message.Message):
    __slots__ = ("row", "column", "message")
    ROW_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    row: int
    column: str
    message: str
    def __init__(self, row: _Optional[int] = ..., column: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class AttachTestBedResponse(_message.Message):
    __slots__ = ("ok", "problems", "more_problems", "rows", "item")
    OK_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    MORE_PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    problems: _containers.RepeatedCompositeFieldContainer[TestBedProblem]
    more_problems: int
    rows: int
    item: _items_pb2.Item
    def __init__(self, ok: _Optional[bool] = ..., problems: _Optional[_Iterable[_Union[TestBedProblem, _Mapping]]] = ..., more_problems: _Optional[int] = ..., rows: _Optional[int] = ..., item: _Optional[_Union[_items_pb2.Item, _Mapping]] = ...) -> None: ...

class TestBedFileRequest(_message.Message):
    __slots__ = ("item_id", "kind", "format")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    item_id: int
    kind: str
    format: str
    def __init__(self, item_id: _Optional[int] = ..., kind: _Optional[str] = ..., format: _Optional[str] = ...) -> None: ...

class TestBedFile(_message.Message):
    __slots__ = ("file_name", "content_type", "content")
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    content_type: str
    content: bytes
    def __init__(self, file_name: _Optional[str] = ..., content_type: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class TestBedReadinessRequest(_message.Message):
    __slots__ = ("flight",)
    FLIGHT_FIELD_NUMBER: _ClassVar[int]
    flight: str
    def __init__(self, flight: _Optional[str] = ...) -> None: ...

class TestBedReadiness(_message.Message):
    __slots__ = ("tdsps", "missing")
    class Missing(_message.Message):
        __slots__ = ("tdsp_name", "state")
        TDSP_NAME_FIELD_NUMBER: _ClassVar[int]
        STATE_FIELD_NUMBER: _ClassVar[int]
        tdsp_name: str
        state: str
        def __init__(self, tdsp_name: _Optional[str] = ..., state: _Optional[str] = ...) -> None: ...
    TDSPS_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    tdsps: int
    missing: _containers.RepeatedCompositeFieldContainer[TestBedReadiness.Missing]
    def __init__(self, tdsps: _Optional[int] = ..., missing: _Optional[_Iterable[_Union[TestBedReadiness.Missing, _Mapping]]] = ...) -> None: ...

class TestBedScript(_message.Message):
    __slots__ = ("script_id", "title", "premises", "runs_for", "tdsp_types", "premise_names")
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PREMISES_FIELD_NUMBER: _ClassVar[int]
    RUNS_FOR_FIELD_NUMBER: _ClassVar[int]
    TDSP_TYPES_FIELD_NUMBER: _ClassVar[int]
    PREMISE_NAMES_FIELD_NUMBER: _ClassVar[int]
    script_id: str
    title: str
    premises: int
    runs_for: _containers.RepeatedScalarFieldContainer[str]
    tdsp_types: _containers.RepeatedScalarFieldContainer[str]
    premise_names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, script_id: _Optional[str] = ..., title: _Optional[str] = ..., premises: _Optional[int] = ..., runs_for: _Optional[_Iterable[str]] = ..., tdsp_types: _Optional[_Iterable[str]] = ..., premise_names: _Optional[_Iterable[str]] = ...) -> None: ...

class SetTestBedScriptsRequest(_message.Message):
    __slots__ = ("flight", "pack_version", "scripts")
    FLIGHT_FIELD_NUMBER: _ClassVar[int]
    PACK_VERSION_FIELD_NUMBER: _ClassVar[int]
    SCRIPTS_FIELD_NUMBER: _ClassVar[int]
    flight: str
    pack_version: int
    scripts: _containers.RepeatedCompositeFieldContainer[TestBedScript]
    def __init__(self, flight: _Optional[str] = ..., pack_version: _Optional[int] = ..., scripts: _Optional[_Iterable[_Union[TestBedScript, _Mapping]]] = ...) -> None: ...

class SetTestBedScriptsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

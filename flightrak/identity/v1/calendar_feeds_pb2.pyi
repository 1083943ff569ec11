import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CalendarFeed(_message.Message):
    __slots__ = ("active", "token", "created_at")
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    active: bool
    token: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, active: _Optional[bool] = ..., token: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetCalendarFeedRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MakeCalendarFeedRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RevokeCalendarFeedRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class OpenCalendarFeedRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class OpenCalendarFeedResponse(_message.Message):
    __slots__ = ("token", "company_name")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    token: str
    company_name: str
    def __init__(self, token: _Optional[str] = ..., company_name: _Optional[str] = ...) -> None: ...

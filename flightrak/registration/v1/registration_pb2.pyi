from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

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

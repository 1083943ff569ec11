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

class PublishPackRequest(_message.Message):
    __slots__ = ("flight", "content", "media_type")
    FLIGHT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    flight: str
    content: str
    media_type: str
    def __init__(self, flight: _Optional[str] = ..., content: _Optional[str] = ..., media_type: _Optional[str] = ...) -> None: ...

class PackVersion(_message.Message):
    __slots__ = ("flight", "version", "title", "example", "scripts", "digest", "published_by", "published_at")
    FLIGHT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_FIELD_NUMBER: _ClassVar[int]
    SCRIPTS_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_BY_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    flight: str
    version: int
    title: str
    example: bool
    scripts: int
    digest: str
    published_by: str
    published_at: str
    def __init__(self, flight: _Optional[str] = ..., version: _Optional[int] = ..., title: _Optional[str] = ..., example: _Optional[bool] = ..., scripts: _Optional[int] = ..., digest: _Optional[str] = ..., published_by: _Optional[str] = ..., published_at: _Optional[str] = ...) -> None: ...

class PublishPackResponse(_message.Message):
    __slots__ = ("ok", "problems", "version", "unchanged")
    OK_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    problems: _containers.RepeatedScalarFieldContainer[str]
    version: PackVersion
    unchanged: bool
    def __init__(self, ok: _Optional[bool] = ..., problems: _Optional[_Iterable[str]] = ..., version: _Optional[_Union[PackVersion, _Mapping]] = ..., unchanged: _Optional[bool] = ...) -> None: ...

class GetPackRequest(_message.Message):
    __slots__ = ("flight", "version")
    FLIGHT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    flight: str
    version: int
    def __init__(self, flight: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class Pack(_message.Message):
    __slots__ = ("version", "content")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    version: PackVersion
    content: str
    def __init__(self, version: _Optional[_Union[PackVersion, _Mapping]] = ..., content: _Optional[str] = ...) -> None: ...

class TransactionReport(_message.Message):
    __slots__ = ("transaction_id", "type", "sender_duns", "receiver_duns", "esi_id", "reference", "valid", "reasons", "item_id")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SENDER_DUNS_FIELD_NUMBER: _ClassVar[int]
    RECEIVER_DUNS_FIELD_NUMBER: _ClassVar[int]
    ESI_ID_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    VALID_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    type: str
    sender_duns: str
    receiver_duns: str
    esi_id: str
    reference: str
    valid: bool
    reasons: _containers.RepeatedScalarFieldContainer[str]
    item_id: int
    def __init__(self, transaction_id: _Optional[str] = ..., type: _Optional[str] = ..., sender_duns: _Optional[str] = ..., receiver_duns: _Optional[str] = ..., esi_id: _Optional[str] = ..., reference: _Optional[str] = ..., valid: _Optional[bool] = ..., reasons: _Optional[_Iterable[str]] = ..., item_id: _Optional[int] = ...) -> None: ...

class TransactionOutcome(_message.Message):
    __slots__ = ("matched_item_id", "duplicate")
    MATCHED_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    matched_item_id: int
    duplicate: bool
    def __init__(self, matched_item_id: _Optional[int] = ..., duplicate: _Optional[bool] = ...) -> None: ...

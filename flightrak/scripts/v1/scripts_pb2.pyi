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
    __slots__ = ("transaction_id", "type", "sender_duns", "receiver_duns", "esi_id", "reference", "valid", "reasons", "item_id", "answers_reference")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SENDER_DUNS_FIELD_NUMBER: _ClassVar[int]
    RECEIVER_DUNS_FIELD_NUMBER: _ClassVar[int]
    ESI_ID_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    VALID_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    type: str
    sender_duns: str
    receiver_duns: str
    esi_id: str
    reference: str
    valid: bool
    reasons: _containers.RepeatedScalarFieldContainer[str]
    item_id: int
    answers_reference: str
    def __init__(self, transaction_id: _Optional[str] = ..., type: _Optional[str] = ..., sender_duns: _Optional[str] = ..., receiver_duns: _Optional[str] = ..., esi_id: _Optional[str] = ..., reference: _Optional[str] = ..., valid: _Optional[bool] = ..., reasons: _Optional[_Iterable[str]] = ..., item_id: _Optional[int] = ..., answers_reference: _Optional[str] = ...) -> None: ...

class TransactionOutcome(_message.Message):
    __slots__ = ("matched_item_id", "duplicate", "sender_duns", "reference", "type", "unmatched_reason", "matched_step")
    MATCHED_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    SENDER_DUNS_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    UNMATCHED_REASON_FIELD_NUMBER: _ClassVar[int]
    MATCHED_STEP_FIELD_NUMBER: _ClassVar[int]
    matched_item_id: int
    duplicate: bool
    sender_duns: str
    reference: str
    type: str
    unmatched_reason: str
    matched_step: int
    def __init__(self, matched_item_id: _Optional[int] = ..., duplicate: _Optional[bool] = ..., sender_duns: _Optional[str] = ..., reference: _Optional[str] = ..., type: _Optional[str] = ..., unmatched_reason: _Optional[str] = ..., matched_step: _Optional[int] = ...) -> None: ...

class TransactionBatchOutcome(_message.Message):
    __slots__ = ("transactions",)
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    transactions: _containers.RepeatedCompositeFieldContainer[TransactionOutcome]
    def __init__(self, transactions: _Optional[_Iterable[_Union[TransactionOutcome, _Mapping]]] = ...) -> None: ...

class Interchange(_message.Message):
    __slots__ = ("content",)
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    content: bytes
    def __init__(self, content: _Optional[bytes] = ...) -> None: ...

class X12Problem(_message.Message):
    __slots__ = ("position", "segment_id", "control_number", "reason")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTROL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    position: int
    segment_id: str
    control_number: str
    reason: str
    def __init__(self, position: _Optional[int] = ..., segment_id: _Optional[str] = ..., control_number: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class InterchangeOutcome(_message.Message):
    __slots__ = ("accepted_whole", "interchange_control_number", "transactions", "problems", "refused")
    ACCEPTED_WHOLE_FIELD_NUMBER: _ClassVar[int]
    INTERCHANGE_CONTROL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    accepted_whole: bool
    interchange_control_number: str
    transactions: _containers.RepeatedCompositeFieldContainer[TransactionOutcome]
    problems: _containers.RepeatedCompositeFieldContainer[X12Problem]
    refused: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, accepted_whole: _Optional[bool] = ..., interchange_control_number: _Optional[str] = ..., transactions: _Optional[_Iterable[_Union[TransactionOutcome, _Mapping]]] = ..., problems: _Optional[_Iterable[_Union[X12Problem, _Mapping]]] = ..., refused: _Optional[_Iterable[str]] = ...) -> None: ...

class AttachTransactionRequest(_message.Message):
    __slots__ = ("sender_duns", "reference", "item_id", "comment")
    SENDER_DUNS_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    sender_duns: str
    reference: str
    item_id: int
    comment: str
    def __init__(self, sender_duns: _Optional[str] = ..., reference: _Optional[str] = ..., item_id: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class AttachTransactionResponse(_message.Message):
    __slots__ = ("transaction", "attached_by", "comment", "item")
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    ATTACHED_BY_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    transaction: TransactionOutcome
    attached_by: str
    comment: str
    item: _items_pb2.Item
    def __init__(self, transaction: _Optional[_Union[TransactionOutcome, _Mapping]] = ..., attached_by: _Optional[str] = ..., comment: _Optional[str] = ..., item: _Optional[_Union[_items_pb2.Item, _Mapping]] = ...) -> None: ...

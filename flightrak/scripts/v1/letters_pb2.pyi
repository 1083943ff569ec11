from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DraftLettersRequest(_message.Message):
    __slots__ = ("flight",)
    FLIGHT_FIELD_NUMBER: _ClassVar[int]
    flight: str
    def __init__(self, flight: _Optional[str] = ...) -> None: ...

class DraftedLetter(_message.Message):
    __slots__ = ("cr_duns", "cr_name", "workflow_id")
    CR_DUNS_FIELD_NUMBER: _ClassVar[int]
    CR_NAME_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    cr_duns: str
    cr_name: str
    workflow_id: str
    def __init__(self, cr_duns: _Optional[str] = ..., cr_name: _Optional[str] = ..., workflow_id: _Optional[str] = ...) -> None: ...

class DraftLettersResponse(_message.Message):
    __slots__ = ("flight", "drafted")
    FLIGHT_FIELD_NUMBER: _ClassVar[int]
    DRAFTED_FIELD_NUMBER: _ClassVar[int]
    flight: str
    drafted: _containers.RepeatedCompositeFieldContainer[DraftedLetter]
    def __init__(self, flight: _Optional[str] = ..., drafted: _Optional[_Iterable[_Union[DraftedLetter, _Mapping]]] = ...) -> None: ...

class GetLetterPdfRequest(_message.Message):
    __slots__ = ("item_id",)
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    item_id: int
    def __init__(self, item_id: _Optional[int] = ...) -> None: ...

class LetterPdf(_message.Message):
    __slots__ = ("content", "file_name", "draft")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    content: bytes
    file_name: str
    draft: bool
    def __init__(self, content: _Optional[bytes] = ..., file_name: _Optional[str] = ..., draft: _Optional[bool] = ...) -> None: ...

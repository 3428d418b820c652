"""The error of the collection workflow: a refused step, with a Chinese message for the user."""

from __future__ import annotations

from ..errors import EduplanError


class CollectionError(EduplanError):
    """A collection step refused (a round that does not exist, a submission already approved, a comment
    missing…). `status` is the HTTP status a web page answers with: 404 not found, 409 a state conflict,
    400 bad input."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status

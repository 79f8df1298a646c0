"""In-memory stand-ins for intake's stores, for handler tests without a database."""

from .fakes import FakeCommandStore, FakeComplaintReads, FakeViews, FakeWorklist

__all__ = ["FakeCommandStore", "FakeComplaintReads", "FakeViews", "FakeWorklist"]

"""In-memory adapters of app.domain.ports for fast tests: the store, the unit of work over
it, the job queue, the webhook inbox and the clock. tests/contract holds them to the same
tests as the SQL repositories, so they behave alike."""

from tests.fakes.queue import FakeClock, FakeInbox, RecordingQueue
from tests.fakes.store import FakeDatabase
from tests.fakes.uow import FakeUnitOfWork, unit_of_work_factory

__all__ = [
    "FakeClock",
    "FakeDatabase",
    "FakeInbox",
    "FakeUnitOfWork",
    "RecordingQueue",
    "unit_of_work_factory",
]

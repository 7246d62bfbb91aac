# The documents tests' fixtures: private media folder, tasks run at once, a registered student.
from tests.documents.conftest import private_media, registered  # noqa: F401

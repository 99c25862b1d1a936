"""The periodic completion pull, as a django-tasks task (the scheduler enqueues it)."""

from __future__ import annotations

import logging

from django_tasks import task

from lms.moodle.errors import ConfigurationError, TransientError

logger = logging.getLogger(__name__)


@task()
def pull_completion_task(session_code: str | None = None) -> dict[str, int | str]:
    """Pull completion from the LMS; on a Moodle-wide error, log it and stop until the next run."""
    from lms.completion import pull_completion

    try:
        report = pull_completion(session_code=session_code)
    except (TransientError, ConfigurationError) as error:
        logger.warning(
            "Moodle completion pull stopped: %s",
            error,
            extra={"errorcode": error.errorcode, "function": error.function},
        )
        return {"error": str(error)}
    return report.as_dict()

"""What the task queues share: the priority of the connection-link tasks."""

# The highest the tasks API allows (django_tasks.TASK_MAX_PRIORITY): the database queue takes
# higher priorities first, the Redis queue puts the job at the front.
LOGIN_PRIORITY = 100

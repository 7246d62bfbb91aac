from matricule.scheduling import queues


def test_links_get_the_highest_priority_where_the_backend_orders_by_priority(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }
    assert queues.login_priority() == queues.HIGHEST_PRIORITY


def test_rq_which_refuses_priorities_gets_the_default(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": settings.TASK_QUEUES}}
    assert queues.login_priority() == queues.DEFAULT_PRIORITY

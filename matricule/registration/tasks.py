from matricule.compat import task


@task(queue_name="emails")
def offer_activation(student_id: int, language: str = "fr") -> None:
    """A registration was registered: offer the activation of the student's account. Checked
    and limited here, in the worker, rather than in the request that registers the student."""
    from matricule.accounts.activation import send_activation_link

    from .models import Student

    send_activation_link(Student.objects.select_related("user").get(pk=student_id).user, language)

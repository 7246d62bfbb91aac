from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "matricule.documents"
    verbose_name = _("Supporting documents")

    def ready(self):
        from django.db.models.signals import post_save

        from matricule.registration.models import registration_registered
        from matricule.registration.pages import add_status_context

        from . import services, waiting
        from .models import Submission

        post_save.connect(
            waiting.on_submission_saved, sender=Submission, weak=False, dispatch_uid="documents.waiting"
        )

        def create_submissions(sender, registration, **kwargs):
            services.sync_submissions(registration)

        registration_registered.connect(
            create_submissions, weak=False, dispatch_uid="documents.create_submissions"
        )

        def complete(registration) -> dict:
            return {"documents_complete": services.documents_complete(registration)}

        add_status_context(complete)

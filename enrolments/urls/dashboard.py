"""The learner's space, mounted at /mon-espace/ (and /en/mon-espace/)."""

from django.urls import path

from enrolments.views import dashboard, documents, feeds, gdpr

app_name = "dashboard"
urlpatterns = [
    path("", dashboard.home, name="home"),
    path("inscriptions/<uuid:public_id>/retractation/", dashboard.withdraw, name="withdraw"),
    path("inscriptions/<uuid:public_id>/annulation/", dashboard.cancel, name="cancel"),
    path("liste-d-attente/<uuid:public_id>/quitter/", dashboard.leave_waitlist, name="leave_waitlist"),
    path("paiements/<int:pk>/regler/", dashboard.instalment_pay, name="instalment_pay"),
    path("paiements/<int:pk>/retour/", dashboard.instalment_return, name="instalment_return"),
    path("documents/", documents.documents, name="documents"),
    path("documents/contrats/<uuid:public_id>.pdf", documents.contract, name="contract"),
    path("documents/factures/<int:pk>.pdf", documents.invoice, name="invoice"),
    path("documents/attestations/<uuid:public_id>.pdf", documents.certificate, name="certificate"),
    path("documents/certificats-de-realisation/<uuid:public_id>.pdf", documents.realisation, name="realisation"),
    path("calendrier/nouvelle-adresse/", feeds.regenerate_token, name="feed_regenerate"),
    path("mes-donnees.json", gdpr.export, name="export"),
    path("supprimer-mon-compte/", gdpr.delete, name="delete_account"),
]

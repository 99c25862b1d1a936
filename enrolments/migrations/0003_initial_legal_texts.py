"""The first version of the terms of sale and the internal rules, so every install can take enrolments.

Staff publish later versions in the admin; acceptances keep pointing at the version read.
"""

import datetime as dt

from django.db import migrations

TERMS_FR = """<h2>Conditions générales de vente</h2>
<p><b>Objet.</b> Les présentes conditions s'appliquent aux formations professionnelles continues vendues par ALLyS Formation
(ENS de Lyon) à des personnes physiques qui les financent elles-mêmes (articles L6353-3 à L6353-7 du Code du travail).</p>
<p><b>Contrat.</b> L'inscription donne lieu à un contrat de formation professionnelle, adressé par courriel au format PDF.</p>
<p><b>Rétractation.</b> Vous disposez de 10 jours à compter de la signature du contrat pour vous rétracter, sans frais,
depuis votre espace personnel ou par lettre recommandée avec avis de réception (article L6353-5).</p>
<p><b>Prix et paiement.</b> Les prix sont indiqués toutes taxes comprises ; lorsque l'organisme bénéficie de l'exonération de
l'article 261-4-4° a du CGI, aucune TVA n'est appliquée. Aucune somme n'est exigée avant l'expiration du délai de
rétractation. À son expiration, au plus 30 % du prix est prélevé ; le solde est prélevé par échéances à mesure du
déroulement de la formation (article L6353-6). Votre carte est enregistrée de manière sécurisée par notre prestataire de
paiement ; vous êtes prévenu quelques jours avant chaque prélèvement.</p>
<p><b>Annulation par le stagiaire.</b> Après le délai de rétractation, l'annulation est possible depuis votre espace
personnel : remboursement intégral jusqu'à 14 jours avant le début, de 50 % jusqu'à 7 jours avant, aucun remboursement
ensuite. En cas de force majeure dûment reconnue, seules les prestations effectivement dispensées sont dues.</p>
<p><b>Annulation par l'organisme.</b> Si une session est annulée, les sommes versées sont intégralement remboursées.</p>
<p><b>Données personnelles.</b> Vos données servent à la gestion de votre formation et aux obligations légales ; vous pouvez
les télécharger ou supprimer votre compte depuis votre espace personnel. Les factures sont conservées dix ans.</p>
<p><b>Litiges.</b> Droit français. Vous pouvez recourir gratuitement à un médiateur de la consommation.</p>"""

TERMS_EN = """<h2>Terms of sale</h2>
<p><b>Scope.</b> These terms apply to the continuing-education courses sold by ALLyS Formation (ENS de Lyon) to individuals
who pay for them themselves (articles L6353-3 to L6353-7 of the French Labour Code).</p>
<p><b>Contract.</b> Enrolment creates a training contract, emailed to you as a PDF.</p>
<p><b>Withdrawal.</b> You may withdraw within 10 days of signing the contract, at no cost, from your personal space or by
registered letter (article L6353-5).</p>
<p><b>Price and payment.</b> Prices include all taxes; when the professional-training VAT exemption applies (CGI art.
261-4-4° a), no VAT is charged. Nothing is charged before the withdrawal period ends. Then at most 30 % of the price is
charged, and the balance in instalments while the course runs (article L6353-6). Your card is stored securely by our
payment provider; you are told a few days before each charge.</p>
<p><b>Cancellation by the learner.</b> After the withdrawal period you can cancel from your personal space: full refund until
14 days before the start, 50 % until 7 days before, nothing after. In a recognised case of force majeure, only the
training actually delivered is due.</p>
<p><b>Cancellation by the organiser.</b> If a session is cancelled, everything paid is refunded in full.</p>
<p><b>Personal data.</b> Your data are used to run your training and meet legal obligations; you can download them or delete
your account from your personal space. Invoices are kept for ten years.</p>
<p><b>Disputes.</b> French law applies. You may use a consumer mediator free of charge.</p>"""

RULES_FR = """<h2>Règlement intérieur</h2>
<p>Établi conformément aux articles L6352-3 à L6352-5 et R6352-1 à R6352-15 du Code du travail, il s'applique à toute
personne inscrite à une action de formation d'ALLyS Formation, pendant toute sa durée.</p>
<p><b>Hygiène et sécurité.</b> Chaque stagiaire respecte les consignes de sécurité et d'évacuation du lieu de formation.</p>
<p><b>Assiduité.</b> Les horaires sont communiqués avec la convocation. Le stagiaire signe la feuille d'émargement chaque
demi-journée (ou se connecte à la classe virtuelle) ; toute absence est signalée au plus tôt à l'organisme.</p>
<p><b>Comportement.</b> Chacun adopte une attitude respectueuse envers les autres stagiaires, les formateurs et le personnel.
Les ressources pédagogiques sont réservées à un usage personnel.</p>
<p><b>Sanctions.</b> Tout manquement peut faire l'objet d'une sanction (avertissement, exclusion temporaire ou définitive),
après que le stagiaire a été informé des griefs et entendu.</p>
<p><b>Représentation.</b> Pour les actions de plus de 500 heures, un délégué titulaire et un suppléant sont élus.</p>
<p><b>Accessibilité.</b> Un référent handicap est joignable à l'adresse indiquée sur chaque fiche de formation.</p>"""

RULES_EN = """<h2>Internal rules</h2>
<p>Drawn up under articles L6352-3 to L6352-5 and R6352-1 to R6352-15 of the French Labour Code, these rules apply to everyone
enrolled in an ALLyS Formation course, for its whole duration.</p>
<p><b>Health and safety.</b> Learners follow the safety and evacuation instructions of the venue.</p>
<p><b>Attendance.</b> Times are sent with the notice to attend. Learners sign the attendance sheet every half day (or log in
to the virtual classroom) and tell us as early as possible about any absence.</p>
<p><b>Conduct.</b> Everyone behaves respectfully towards other learners, trainers and staff. Course materials are for personal
use only.</p>
<p><b>Sanctions.</b> A breach may lead to a sanction (warning, temporary or permanent exclusion), after the learner has been
told what they are accused of and heard.</p>
<p><b>Representation.</b> For courses longer than 500 hours, a delegate and a deputy are elected.</p>
<p><b>Accessibility.</b> A disability contact can be reached at the address shown on each course page.</p>"""


def create_texts(apps, schema_editor):
    LegalText = apps.get_model("enrolments", "LegalText")
    effective = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for kind, body_fr, body_en in [
        ("terms_of_sale", TERMS_FR, TERMS_EN),
        ("internal_rules", RULES_FR, RULES_EN),
    ]:
        LegalText.objects.get_or_create(
            kind=kind, version="2026-11", defaults={"effective_from": effective, "body_fr": body_fr, "body_en": body_en}
        )


class Migration(migrations.Migration):
    dependencies = [("enrolments", "0002_enrolment_and_payment")]

    operations = [migrations.RunPython(create_texts, migrations.RunPython.noop)]

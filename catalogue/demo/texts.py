"""Turn a course row into the course page's fields, with wording that varies.

Wording shared by many courses (methods, access, accessibility) is composed
from the course's own format, level, practical work and assessment, so that
no two course sheets read the same.
"""

from decimal import Decimal
from html import escape

from catalogue.choices import CourseFormat, CourseLevel
from catalogue.demo.specs import CourseSpec

TEACHING_BY_FORMAT = {
    CourseFormat.IN_PERSON: "Formation en présentiel, en groupe restreint : apports courts suivis de travaux "
    "pratiques en salle équipée, chaque participant disposant d'un poste configuré.",
    CourseFormat.ONLINE: "Formation à distance en classes virtuelles synchrones de trois heures et demie, "
    "complétées par des ressources et exercices en autonomie sur la plateforme Moodle d'ALLyS.",
    CourseFormat.BLENDED: "Formation hybride : une séquence en ligne à suivre à son rythme sur Moodle, "
    "puis des journées en présentiel consacrées à la pratique et aux échanges.",
}

TEACHING_BY_LEVEL = {
    CourseLevel.DISCOVERY: "Le rythme laisse une large place aux questions et aux exemples tirés du quotidien "
    "professionnel des participants.",
    CourseLevel.INTERMEDIATE: "Chaque notion est mise en œuvre immédiatement sur des exercices guidés, "
    "puis réinvestie dans un mini-projet.",
    CourseLevel.ADVANCED: "Les séances alternent lecture critique d'articles récents et implémentation, "
    "avec un accompagnement individuel sur le code.",
    CourseLevel.EXPERT: "Le format atelier privilégie le travail sur les cas des participants, "
    "discutés entre pairs et avec des chercheurs du domaine.",
}

POSITIONING = [
    "Un questionnaire de positionnement, envoyé à l'inscription, permet d'adapter les exemples au groupe.",
    "Un entretien téléphonique de quinze minutes précède l'entrée en formation.",
    "Un test en ligne vérifie les prérequis ; des ressources de mise à niveau sont proposées si besoin.",
]

ACCESSIBILITY_REFERENTS = [
    ("Camille Martin", "handicap@allys.example"),
    ("Yasmine Haddad", "accessibilite@allys.example"),
    ("Jérôme Vial", "referent-handicap@allys.example"),
]

CONTACTS = [
    ("Service de formation continue ALLyS", "formation@allys.example", "04 72 00 00 00"),
    ("Secrétariat pédagogique ALLyS Lyon", "lyon@allys.example", "04 72 00 00 10"),
    ("Antenne ALLyS Saint-Étienne", "saint-etienne@allys.example", "04 77 00 00 20"),
]


def paragraph(text: str) -> str:
    return f"<p>{escape(text, quote=False)}</p>"


def bullet_list(items: tuple[str, ...]) -> str:
    return "<ul>" + "".join(f"<li>{escape(item, quote=False)}</li>" for item in items) + "</ul>"


def syllabus_data(spec: CourseSpec) -> list[tuple[str, dict]]:
    """The syllabus StreamField value: one module block per row."""
    return [("module", {"title": m.title, "hours": m.hours, "description": paragraph(m.text)}) for m in spec.modules]


def teaching_methods(spec: CourseSpec) -> str:
    practice = f"Les travaux pratiques portent sur {spec.practice}." if spec.practice else ""
    return paragraph(TEACHING_BY_FORMAT[spec.format]) + paragraph(f"{TEACHING_BY_LEVEL[spec.level]} {practice}")


def assessment_methods(spec: CourseSpec, index: int) -> str:
    parts = [POSITIONING[index % len(POSITIONING)]]
    if spec.assessment:
        parts.append(f"Les acquis sont évalués par {spec.assessment}.")
    if spec.certification:
        parts.append(
            f"L'évaluation finale vaut épreuve de la certification « {spec.certification[0]} » "
            f"({spec.certification[1]})."
        )
    parts.append("Une attestation de fin de formation mentionnant les résultats de l'évaluation est remise.")
    return "".join(paragraph(p) for p in parts)


def access_modalities(spec: CourseSpec) -> str:
    lines = [
        f"Inscription en ligne jusqu'à {spec.access_delay_days} jours avant le début de la session, "
        "dans la limite des places disponibles.",
    ]
    if spec.level in (CourseLevel.ADVANCED, CourseLevel.EXPERT):
        lines.append("L'admission est confirmée après vérification des prérequis par l'équipe pédagogique.")
    else:
        lines.append("L'admission est confirmée dès réception du dossier complet.")
    funding = "Financement possible par l'employeur, un OPCO ou France Travail."
    if spec.certification:
        funding = "Formation certifiante éligible au CPF ; financement possible par l'employeur ou un OPCO."
    lines.append(funding)
    return "".join(paragraph(line) for line in lines)


def accessibility(spec: CourseSpec, referent: str) -> str:
    if spec.format == CourseFormat.ONLINE:
        place = "Les classes virtuelles sont sous-titrées et les supports fournis dans des formats accessibles."
    else:
        place = "Les salles sont accessibles de plain-pied ou par ascenseur et équipées d'une boucle magnétique."
    return paragraph(place) + paragraph(
        f"Pour toute adaptation (rythme, supports, matériel, aide humaine), contactez {referent}, "
        "référent handicap, au moins trois semaines avant la session."
    )


def course_fields(spec: CourseSpec, index: int) -> dict:
    """Every Qualiopi indicator-1 field of the course page, from its row."""
    referent_name, referent_email = ACCESSIBILITY_REFERENTS[index % len(ACCESSIBILITY_REFERENTS)]
    contact_name, contact_email, contact_phone = CONTACTS[index % len(CONTACTS)]
    fields = {
        "title": spec.title,
        "slug": spec.slug,
        "summary": spec.summary,
        "audience": paragraph(spec.audience),
        "prerequisites": bullet_list(spec.prerequisites),
        "objectives": bullet_list(spec.objectives),
        "syllabus": syllabus_data(spec),
        "duration_hours": spec.duration_hours,
        "format": spec.format,
        "level": spec.level,
        "languages": list(spec.languages),
        "teaching_methods": teaching_methods(spec),
        "assessment_methods": assessment_methods(spec, index),
        "access_modalities": access_modalities(spec),
        "access_delay_days": spec.access_delay_days,
        "accessibility": accessibility(spec, referent_name),
        "accessibility_contact_name": referent_name,
        "accessibility_contact_email": referent_email,
        "contact_name": contact_name,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
        "price_from": Decimal(spec.price),
        "pricing_note": "Tarif réduit pour les demandeurs d'emploi et les étudiants ; "
        "gratuit pour les personnels des établissements partenaires.",
        "satisfaction_rate": spec.satisfaction,
        "completion_rate": spec.completion,
    }
    if spec.certification:
        fields["certification_title"], fields["certification_code"], fields["certifier"] = spec.certification
    return fields

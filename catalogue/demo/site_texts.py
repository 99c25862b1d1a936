"""Texts of the home, programme and listing pages, in French and English."""

HOME = {
    "fr": {
        "title": "ALLyS Formation",
        "hero_title": "Se former à une IA sobre, fiable et inclusive",
        "hero_text": "Des formations courtes, conçues par les universités, écoles, organismes de recherche, "
        "hôpitaux et entreprises de Lyon et Saint-Étienne, pour les professionnels qui font l'IA "
        "ou qui la mettent en œuvre.",
        "challenges": {
            "ia-frugale": "Des modèles économes en données, en calcul et en énergie pour les données "
            "complexes de l'industrie, de la santé et des territoires.",
            "ia-inclusive": "Une IA explicable, équitable, accessible et conforme au droit, pensée avec "
            "et pour les personnes qu'elle concerne.",
        },
    },
    "en": {
        "title": "ALLyS Training",
        "hero_title": "Learn frugal, trustworthy and inclusive AI",
        "hero_text": "Short courses designed by the universities, schools, research bodies, hospitals and "
        "companies of Lyon and Saint-Étienne, for professionals who build or deploy AI.",
        "challenges": {
            "ia-frugale": "Models that are sparing with data, computation and energy, for the complex data "
            "of industry, health and regions.",
            "ia-inclusive": "Explainable, fair, accessible and lawful AI, designed with and for the people it affects.",
        },
    },
}

PROGRAMME = {
    "fr": {
        "title": "Formation continue ALLyS 2026–2030",
        "slug": "programme",
        "intro": "<p>Le programme de formation continue du cluster <b>ALLyS</b>, porté par l'ENS de Lyon, "
        "ouvre chaque année de nouvelles formations autour de deux défis stratégiques. Il est co-construit "
        "par les partenaires académiques et industriels, qui conçoivent et animent les formations.</p>",
        "years": [
            (
                "2026–2027",
                "Lancement",
                [
                    "Ouvrir une trentaine de formations dans les deux défis",
                    "Former 500 professionnels à Lyon et Saint-Étienne",
                    "Obtenir la certification Qualiopi du programme",
                ],
            ),
            (
                "2027–2028",
                "Certifier",
                [
                    "Enregistrer cinq certifications au répertoire spécifique",
                    "Ouvrir des sessions en anglais",
                    "Lancer des parcours pour les PME de la Loire",
                ],
            ),
            (
                "2028–2029",
                "Élargir",
                [
                    "Déployer des formations intra-entreprise",
                    "Développer l'offre à distance et hybride",
                    "Associer de nouveaux partenaires hospitaliers",
                ],
            ),
            (
                "2029–2030",
                "Pérenniser",
                [
                    "Stabiliser un modèle économique autonome",
                    "Publier le bilan des compétences acquises",
                    "Préparer le programme suivant avec les partenaires",
                ],
            ),
        ],
    },
    "en": {
        "title": "ALLyS continuing education 2026–2030",
        "intro": "<p>The continuing-education programme of the <b>ALLyS</b> cluster, led by ENS de Lyon, "
        "opens new courses every year around two strategic challenges. It is co-designed by the academic "
        "and industry partners, who design and teach the courses.</p>",
        "years": [
            (
                "2026–2027",
                "Launch",
                [
                    "Open about thirty courses across both challenges",
                    "Train 500 professionals in Lyon and Saint-Étienne",
                    "Obtain Qualiopi certification for the programme",
                ],
            ),
            (
                "2027–2028",
                "Certify",
                [
                    "Register five certifications in the specific directory",
                    "Open sessions taught in English",
                    "Launch learning paths for small businesses in the Loire",
                ],
            ),
            (
                "2028–2029",
                "Broaden",
                ["Offer in-company courses", "Grow the online and blended offer", "Bring in new hospital partners"],
            ),
            (
                "2029–2030",
                "Sustain",
                [
                    "Reach a self-sustaining business model",
                    "Publish a review of the skills acquired",
                    "Prepare the next programme with the partners",
                ],
            ),
        ],
    },
}

LISTING = {
    "fr": {
        "title": "Formations",
        "intro": "<p>Toutes les formations du programme ALLyS : recherchez, filtrez par défi, niveau, "
        "format, lieu ou date, et inscrivez-vous en ligne.</p>",
    },
    "en": {
        "title": "Courses",
        "intro": "<p>Every course of the ALLyS programme: search, filter by challenge, level, format, place "
        "or date, and enrol online.</p>",
    },
}


def aims_html(aims: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{aim}</li>" for aim in aims) + "</ul>"

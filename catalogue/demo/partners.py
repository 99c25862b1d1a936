"""The two strategic themes and the partners of the programme (demo data).

The academic partners are the real members of the ALLyS consortium; the
companies are fictional and carry clearly invented names.
"""

from catalogue.choices import PartnerKind

FRUGAL = "ia-frugale"
INCLUSIVE = "ia-inclusive"

# slug -> (French name, French summary, English name, English summary, session code prefix)
THEMES: dict[str, tuple[str, str, str, str, str]] = {
    FRUGAL: (
        "IA frugale pour les données complexes",
        "Des modèles sobres en calcul, en énergie et en données pour traiter des données hétérogènes, "
        "massives ou rares : séries temporelles, images médicales, graphes, capteurs embarqués.",
        "Frugal AI for complex data",
        "Models that are sparing with computation, energy and data, for heterogeneous, massive or scarce "
        "data: time series, medical images, graphs, embedded sensors.",
        "IAF",
    ),
    INCLUSIVE: (
        "IA pour une société numérique et inclusive",
        "Une IA explicable, équitable, accessible et conforme au droit, au service des personnes, "
        "des organisations et des territoires.",
        "AI for an inclusive digital society",
        "Explainable, fair, accessible and lawful AI that serves people, organisations and regions.",
        "IAI",
    ),
}

# (slug, name, short name, kind, website, description)
ACADEMIC_PARTNERS: list[tuple[str, str, str, str, str, str]] = [
    (
        "ens-lyon",
        "École normale supérieure de Lyon",
        "ENS de Lyon",
        PartnerKind.ACADEMIC,
        "https://www.ens-lyon.fr",
        "Établissement porteur d'ALLyS : coordination du programme et formations en apprentissage statistique.",
    ),
    (
        "lyon-1",
        "Université Claude Bernard Lyon 1",
        "Lyon 1",
        PartnerKind.ACADEMIC,
        "https://www.univ-lyon1.fr",
        "Sciences, santé et informatique ; laboratoires LIRIS et LBBE.",
    ),
    (
        "lyon-2",
        "Université Lumière Lyon 2",
        "Lyon 2",
        PartnerKind.ACADEMIC,
        "https://www.univ-lyon2.fr",
        "Sciences humaines et sociales, fouille de textes, laboratoire ERIC.",
    ),
    (
        "lyon-3",
        "Université Jean Moulin Lyon 3",
        "Lyon 3",
        PartnerKind.ACADEMIC,
        "https://www.univ-lyon3.fr",
        "Droit du numérique, gestion et éthique des données.",
    ),
    (
        "ujm",
        "Université Jean Monnet Saint-Étienne",
        "UJM",
        PartnerKind.ACADEMIC,
        "https://www.univ-st-etienne.fr",
        "Laboratoire Hubert Curien : apprentissage automatique, vision et optique.",
    ),
    (
        "cpe-lyon",
        "CPE Lyon",
        "CPE Lyon",
        PartnerKind.ACADEMIC,
        "https://www.cpe.fr",
        "École d'ingénieurs en sciences du numérique, chimie et génie des procédés.",
    ),
    (
        "centrale-lyon",
        "École Centrale de Lyon",
        "Centrale Lyon",
        PartnerKind.ACADEMIC,
        "https://www.ec-lyon.fr",
        "Mathématiques appliquées, systèmes embarqués et traitement du signal.",
    ),
    (
        "mines-se",
        "Mines Saint-Étienne",
        "Mines Saint-Étienne",
        PartnerKind.ACADEMIC,
        "https://www.mines-stetienne.fr",
        "Industrie du futur, santé et systèmes cyber-physiques.",
    ),
    (
        "entpe",
        "École nationale des travaux publics de l'État",
        "ENTPE",
        PartnerKind.ACADEMIC,
        "https://www.entpe.fr",
        "Mobilités, ville durable et données territoriales.",
    ),
    (
        "insa-lyon",
        "INSA Lyon",
        "INSA Lyon",
        PartnerKind.ACADEMIC,
        "https://www.insa-lyon.fr",
        "Informatique, réseaux, énergie ; laboratoires CITI et LIRIS.",
    ),
    (
        "cnrs",
        "Centre national de la recherche scientifique",
        "CNRS",
        PartnerKind.RESEARCH,
        "https://www.cnrs.fr",
        "Délégation Rhône Auvergne ; unités mixtes en informatique et mathématiques.",
    ),
    (
        "inria-lyon",
        "Centre Inria de Lyon",
        "Inria Lyon",
        PartnerKind.RESEARCH,
        "https://www.inria.fr/fr/centre-inria-lyon",
        "Équipes-projets en apprentissage, calcul haute performance et systèmes embarqués.",
    ),
    (
        "inserm",
        "Institut national de la santé et de la recherche médicale",
        "Inserm",
        PartnerKind.RESEARCH,
        "https://www.inserm.fr",
        "Recherche biomédicale, imagerie et données de santé.",
    ),
    (
        "clb",
        "Centre Léon Bérard",
        "CLB",
        PartnerKind.HOSPITAL,
        "https://www.centreleonberard.fr",
        "Centre de lutte contre le cancer : imagerie, oncologie et données cliniques.",
    ),
    (
        "hcl",
        "Hospices Civils de Lyon",
        "HCL",
        PartnerKind.HOSPITAL,
        "https://www.chu-lyon.fr",
        "Deuxième CHU de France ; entrepôt de données de santé.",
    ),
    (
        "ifpen",
        "IFP Énergies nouvelles",
        "IFPEN",
        PartnerKind.RESEARCH,
        "https://www.ifpenergiesnouvelles.fr",
        "Recherche en énergie, mobilité et environnement ; simulation et données industrielles.",
    ),
]

# Fictional companies (names invented for the demo).
INDUSTRY_PARTNERS: list[tuple[str, str, str, str, str, str]] = [
    (
        "rhonalytics",
        "Rhônalytics SAS",
        "Rhônalytics",
        PartnerKind.INDUSTRY,
        "https://rhonalytics.example",
        "Éditeur de plateformes d'analyse de séries temporelles industrielles.",
    ),
    (
        "gones-robotics",
        "Gones Robotics",
        "",
        PartnerKind.INDUSTRY,
        "https://gones-robotics.example",
        "Robots collaboratifs et vision embarquée pour l'atelier.",
    ),
    (
        "fourviere-data",
        "Fourvière Data",
        "",
        PartnerKind.INDUSTRY,
        "https://fourviere-data.example",
        "Conseil en gouvernance et qualité des données.",
    ),
    (
        "saone-sante-numerique",
        "Saône Santé Numérique",
        "SSN",
        PartnerKind.INDUSTRY,
        "https://saone-sante.example",
        "Logiciels d'aide à la lecture d'imagerie médicale.",
    ),
    (
        "croix-rousse-ai",
        "Croix-Rousse AI Lab",
        "CRAI",
        PartnerKind.INDUSTRY,
        "https://croixrousse-ai.example",
        "Laboratoire privé en traitement automatique du français.",
    ),
    (
        "traboule-systems",
        "Traboule Systems",
        "",
        PartnerKind.INDUSTRY,
        "https://traboule.example",
        "Informatique embarquée et composants basse consommation.",
    ),
    (
        "confluence-energie",
        "Confluence Énergie",
        "",
        PartnerKind.INDUSTRY,
        "https://confluence-energie.example",
        "Pilotage énergétique des centres de calcul et des bâtiments.",
    ),
    (
        "pilat-insight",
        "Pilat Insight",
        "",
        PartnerKind.INDUSTRY,
        "https://pilat-insight.example",
        "Audit d'algorithmes et conformité réglementaire.",
    ),
    (
        "forez-mobility",
        "Forez Mobility",
        "",
        PartnerKind.INDUSTRY,
        "https://forez-mobility.example",
        "Données de mobilité et transport à la demande.",
    ),
    (
        "gerland-biotech",
        "Gerland BioTech Analytics",
        "Gerland BTA",
        PartnerKind.INDUSTRY,
        "https://gerland-bta.example",
        "Analyse de données omiques et de graphes biologiques.",
    ),
    (
        "tete-d-or-conseil",
        "Tête d'Or Conseil",
        "",
        PartnerKind.INDUSTRY,
        "https://tetedor-conseil.example",
        "Accompagnement des entreprises dans l'adoption de l'IA générative.",
    ),
    (
        "furan-access",
        "Furan Access",
        "",
        PartnerKind.INDUSTRY,
        "https://furan-access.example",
        "Accessibilité numérique et technologies d'assistance.",
    ),
]

LEAD_PARTNER = "ens-lyon"

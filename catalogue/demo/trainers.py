"""Trainers of the demo programme (fictional people), keyed by a short handle.

Trainer has no slug, so the seed matches them by name; the handles are only
used by the course table to say who teaches what.
"""

# handle -> (name, job title, partner slug, qualifications)
TRAINERS: dict[str, tuple[str, str, str, str]] = {
    "amartin": (
        "Aurélie Martin-Guérin",
        "Maîtresse de conférences en informatique",
        "ens-lyon",
        "Doctorat en apprentissage statistique (Lyon 1). Douze ans d'enseignement en master ; "
        "recherche sur la compression de réseaux de neurones.",
    ),
    "bkone": (
        "Bakary Koné",
        "Chargé de recherche",
        "inria-lyon",
        "Docteur en informatique (Grenoble). Spécialiste de l'apprentissage sur dispositifs embarqués ; "
        "auteur de bibliothèques open source de quantification.",
    ),
    "cduval": (
        "Claire Duval",
        "Professeure des universités en statistique",
        "lyon-1",
        "Habilitée à diriger des recherches. Séries temporelles, modèles à espace d'états ; "
        "responsable d'un master de science des données.",
    ),
    "dnguyen": (
        "Duc Nguyen",
        "Ingénieur de recherche en calcul scientifique",
        "cnrs",
        "Ingénieur diplômé de l'INSA Lyon. Optimise les codes d'apprentissage sur les supercalculateurs "
        "nationaux ; mesure et réduction de la consommation énergétique.",
    ),
    "efaure": (
        "Élise Faure",
        "Radiologue, praticienne hospitalière",
        "hcl",
        "Docteure en médecine, master en traitement d'images. Coordonne l'annotation d'images "
        "pour des études multicentriques.",
    ),
    "fbenali": (
        "Farid Benali",
        "Physicien médical",
        "clb",
        "Doctorat en physique médicale. Dix ans de contrôle qualité en imagerie et radiothérapie ; "
        "encadre des projets de segmentation automatique.",
    ),
    "gmoreau": (
        "Gaëlle Moreau",
        "Maîtresse de conférences en droit privé",
        "lyon-3",
        "Docteure en droit du numérique. Enseigne le RGPD et la régulation de l'IA ; "
        "membre d'un comité d'éthique hospitalier.",
    ),
    "hlefevre": (
        "Hugo Lefèvre",
        "Enseignant-chercheur en vision par ordinateur",
        "ujm",
        "Doctorat du laboratoire Hubert Curien. Vision embarquée, capteurs d'événements ; "
        "intervenant en formation continue depuis 2018.",
    ),
    "irousseau": (
        "Inès Rousseau",
        "Professeure en traitement automatique des langues",
        "lyon-2",
        "Habilitée à diriger des recherches. Fouille de textes en français, corpus et annotation ; "
        "conceptrice de MOOC sur le TAL.",
    ),
    "jchevalier": (
        "Julien Chevalier",
        "Maître de conférences en mathématiques appliquées",
        "centrale-lyon",
        "Agrégé de mathématiques, docteur en optimisation. Apprentissage sur graphes et méthodes parcimonieuses.",
    ),
    "kbertrand": (
        "Karima Bertrand",
        "Ingénieure de recherche en bio-informatique",
        "inserm",
        "Doctorat en biologie computationnelle. Intégration de données omiques et cliniques ; "
        "référente science ouverte.",
    ),
    "lmercier": (
        "Lucas Mercier",
        "Enseignant-chercheur en génie industriel",
        "mines-se",
        "Docteur de Mines Saint-Étienne. Maintenance prédictive, jumeaux numériques ; "
        "quinze ans de projets avec l'industrie de la Loire.",
    ),
    "mgarnier": (
        "Manon Garnier",
        "Enseignante-chercheuse en systèmes de transport",
        "entpe",
        "Doctorat en économie des transports. Données de mobilité, évaluation des politiques publiques.",
    ),
    "nperrin": (
        "Nicolas Perrin",
        "Ingénieur en informatique embarquée",
        "cpe-lyon",
        "Ingénieur CPE Lyon, vingt ans dans l'électronique grand public. Microcontrôleurs, TinyML.",
    ),
    "obarbier": (
        "Olivia Barbier",
        "Data scientist principale",
        "rhonalytics",
        "Ingénieure INSA Lyon. Déploie des modèles de prévision pour l'industrie chimique de la vallée du Rhône.",
    ),
    "pgirard": (
        "Pauline Girard",
        "Responsable conformité IA",
        "pilat-insight",
        "Juriste et auditrice certifiée ISO/IEC 42001. Conduit des audits d'algorithmes "
        "pour le secteur public et bancaire.",
    ),
    "qlambert": (
        "Quentin Lambert",
        "Ingénieur en apprentissage automatique",
        "croix-rousse-ai",
        "Master de TAL (Lyon 2). Adaptation de grands modèles de langue au français professionnel.",
    ),
    "rdubois": (
        "Rachida Dubois",
        "Experte en accessibilité numérique",
        "furan-access",
        "Auditrice RGAA, formatrice certifiée. Quinze ans d'accompagnement des usagers de technologies d'assistance.",
    ),
    "sfontaine": (
        "Sébastien Fontaine",
        "Chercheur en énergie et simulation",
        "ifpen",
        "Docteur en mécanique des fluides. Modèles de substitution et apprentissage physique pour la simulation.",
    ),
    "tleroy": (
        "Thomas Leroy",
        "Consultant en gouvernance des données",
        "fourviere-data",
        "Ingénieur Centrale Lyon, certifié DAMA CDMP. Accompagne des collectivités dans leur stratégie de données.",
    ),
    "vcarpentier": (
        "Valentine Carpentier",
        "Maîtresse de conférences en sociologie du numérique",
        "lyon-2",
        "Docteure en sociologie. Inclusion numérique, usages de l'IA dans les services publics.",
    ),
}

"""Teaching venues in Lyon and Saint-Étienne (demo data, real campuses)."""

from courses.models import Venue

# key -> (name, street address, postal code, city, access notes)
VENUES: dict[str, tuple[str, str, str, str, str]] = {
    "monod": (
        "ENS de Lyon, site Monod",
        "46 allée d'Italie",
        "69007",
        "Lyon",
        "Métro B Debourg ou tram T1 ENS Lyon. Accès de plain-pied par l'entrée principale.",
    ),
    "doua": (
        "Campus LyonTech-la Doua",
        "20 avenue Albert Einstein",
        "69100",
        "Villeurbanne",
        "Tram T1 ou T4, arrêt La Doua - Gaston Berger. Salles accessibles par ascenseur.",
    ),
    "berges": (
        "Université Lumière Lyon 2, campus Berges du Rhône",
        "86 rue Pasteur",
        "69007",
        "Lyon",
        "Tram T1 ou T2, arrêt Centre Berthelot - Sciences Po Lyon. Ascenseurs dans chaque bâtiment.",
    ),
    "clb": (
        "Centre Léon Bérard, centre de formation",
        "28 rue Laennec",
        "69008",
        "Lyon",
        "Métro D Grange Blanche. Accès de plain-pied, places de stationnement réservées.",
    ),
    "mines": (
        "Mines Saint-Étienne, campus Fauriel",
        "158 cours Fauriel",
        "42023",
        "Saint-Étienne",
        "Tram T3, arrêt Fauriel - Mines. Amphithéâtres accessibles en fauteuil roulant.",
    ),
    "manufacture": (
        "Université Jean Monnet, campus Manufacture",
        "25 rue du Docteur Rémy Annino",
        "42000",
        "Saint-Étienne",
        "Tram T3, arrêt Cité du design. Bâtiments récents entièrement accessibles.",
    ),
}

# The venue each partner usually teaches in.
PARTNER_VENUES = {
    "ens-lyon": "monod",
    "lyon-1": "doua",
    "insa-lyon": "doua",
    "cpe-lyon": "doua",
    "cnrs": "monod",
    "inria-lyon": "doua",
    "centrale-lyon": "doua",
    "entpe": "doua",
    "ifpen": "monod",
    "lyon-2": "berges",
    "lyon-3": "berges",
    "clb": "clb",
    "hcl": "clb",
    "inserm": "clb",
    "mines-se": "mines",
    "ujm": "manufacture",
}
SAINT_ETIENNE = ("mines", "manufacture")


def build_venues() -> dict[str, Venue]:
    """Create or update the demo venues, keyed by name."""
    venues = {}
    for key, (name, street, postal_code, city, notes) in VENUES.items():
        venues[key], _ = Venue.objects.update_or_create(
            name=name,
            defaults={"street_address": street, "postal_code": postal_code, "city": city, "access_notes": notes},
        )
    return venues

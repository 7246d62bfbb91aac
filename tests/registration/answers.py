"""Valid answers for every step of the registration form, as a student would type them. Plain
data, without Django: the load benchmark's students (bench/rush/journey_data.py) type them too."""

ANSWERS = {
    "identity": {
        "usual_name": "",
        "birth_town": "Chartres",
        "birth_country": "FR",  # the lists post ISO codes
        "nationality": "FR",
    },
    "ine": {"has_ine": "yes", "ine": "0494004062m", "no_ine_reason": ""},
    "baccalaureate": {
        "kind": "french",
        "year": "2026",
        "series": "Générale",
        "honours": "Bien",
        "school": "0280007F",
        "equivalent_name": "",
        "equivalent_country": "",
    },
    "previous": {
        "last_situation": "secondary",
        "last_establishment": "Lycée Marceau",
        "last_establishment_year": "2026",
    },
    "contacts": {
        "street": "12 rue des Écuyers",
        "postal_code": "28000",
        "city": "Chartres",
        "country": "FR",
        "same_permanent_address": "yes",
        "permanent_address": "",
        "phone": "06 12 34 56 78",
        "email": "chloe.lefevre@example.org",
        "email_confirmation": "chloe.lefevre@example.org",
        "emergency_name": "Anne Lefèvre",
        "emergency_phone": "06 98 76 54 32",
    },
    "social": {"grant": "crous", "employed": "no", "athlete": "no", "accommodation": "no"},
    "cvec": {"attestation": ""},  # filled per candidate
    "programme": {
        "confirm_stage": "on",
        "photo_on_card": "yes",
        "accept_rules": "on",
        "accept_privacy": "on",
    },
}

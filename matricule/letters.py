"""Letters that Unicode does not decompose into a base letter and an accent (NFKD leaves "œ" or
"ł" as they are), with their ASCII spelling: for the names the CNOUS and the card gateways want in
plain letters, and for comparing names as people type them."""

LIGATURES = str.maketrans(
    {
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ß": "ss",
    }
)

"""The payment the gateway tests ask for: Chloé's fees, as our payment page hands them to a gateway."""

from matricule.payments.gateways.base import PaymentRequest


def payment_request(**changes) -> PaymentRequest:
    """Chloé's 175 € order with the addresses of a payment page; each test changes what its
    gateway reads (the notification address, the time, the amount …)."""
    values = {
        "reference": "MAT0123456789ABCDEF",
        "amount_cents": 17500,
        "currency": "EUR",
        "email": "chloe@example.org",
        "label": "Droits d'inscription 2024-2025",
        "return_url": "https://matricule.example/p/return/MAT01/",
        "notify_url": "https://matricule.example/p/notify/bank/",
        "cancel_url": "https://matricule.example/p/cancel/MAT01/",
    }
    return PaymentRequest(**{**values, **changes})

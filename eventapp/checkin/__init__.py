"""Check-in by QR badge and the live paper-coverage board."""
